using Scarlet.Evaluation.MotChallenge;
using Scarlet.Evaluation.Tracking;
using Scarlet.Testing;

namespace Scarlet.Tracking.Tests;

/// <summary>The evaluator against published reference values (py-motmetrics test vectors, TrackEval HOTA), see DATA.md §2–§3.</summary>
public sealed class MotMetricsReferenceTests
{
    private static MotMetrics EvalTud(string seq) => MotEvaluator.Evaluate(
        MotChallengeFormat.ReadFile(TestAssets.Data($"mot15/train/{seq}/gt/gt.txt")),
        MotChallengeFormat.ReadFile(TestAssets.Data($"mot15/trackers/py-motmetrics-test/data/{seq}.txt")),
        MotBenchmark.Mot15);

    [Fact]
    public void TudCampus_MatchesPyMotMetricsAndTrackEval()
    {
        var m = EvalTud("TUD-Campus");
        Assert.Equal(13, m.FalsePositives);
        Assert.Equal(150, m.FalseNegatives);
        Assert.Equal(7, m.IdSwitches);
        Assert.Equal((1, 6, 1), (m.MostlyTracked, m.PartiallyTracked, m.MostlyLost));
        Assert.Equal(7, m.Fragmentations);
        Assert.Equal(8, m.GtIds);
        Assert.Equal(0.526462, m.Mota, 1e-4);
        Assert.Equal(0.277201, 1 - m.Motp, 1e-4);
        Assert.Equal(0.557659, m.Idf1, 1e-4);
        Assert.Equal(0.729730, m.Idp, 1e-4);
        Assert.Equal(0.451253, m.Idr, 1e-4);
        Assert.Equal(0.582173, m.Recall, 1e-4);
        Assert.Equal(0.941441, m.Precision, 1e-4);
        Assert.Equal(0.3914, m.Hota, 1e-4);
        Assert.Equal(0.4181, m.DetA, 1e-4);
        Assert.Equal(0.3691, m.AssA, 1e-4);
        Assert.Equal(0.7701, m.LocA, 1e-4);
    }

    [Fact]
    public void TudStadtmitte_MatchesPyMotMetricsAndTrackEval()
    {
        var m = EvalTud("TUD-Stadtmitte");
        Assert.Equal(45, m.FalsePositives);
        Assert.Equal(452, m.FalseNegatives);
        Assert.Equal(7, m.IdSwitches);
        Assert.Equal((5, 4, 1), (m.MostlyTracked, m.PartiallyTracked, m.MostlyLost));
        Assert.Equal(6, m.Fragmentations);
        Assert.Equal(0.564014, m.Mota, 1e-4);
        Assert.Equal(0.345904, 1 - m.Motp, 1e-4);
        Assert.Equal(0.644619, m.Idf1, 1e-4);
        Assert.Equal(0.819760, m.Idp, 1e-4);
        Assert.Equal(0.531142, m.Idr, 1e-4);
        Assert.Equal(0.608997, m.Recall, 1e-4);
        Assert.Equal(0.939920, m.Precision, 1e-4);
        Assert.Equal(0.3923, m.DetA, 1e-4);
        Assert.Equal(0.7375, m.LocA, 1e-4);

        // EvalDeT quotes TrackEval at HOTA 0.3979 / AssA 0.4085. A line-by-line re-derivation of TrackEval's hota.py
        // (numpy, scipy linear_sum_assignment) on these two files gives 0.397849 / 0.408841, with the same per-alpha
        // TP/FN/FP as ours; TrackEval's printed table would read 39.785 / 40.884. The quoted HOTA is 39.785 rounded up
        // (within 1e-4). The quoted AssA fits neither figure (docs/tracking.md), so it keeps 5e-4 and the re-derived
        // values are pinned.
        Assert.Equal(0.3979, m.Hota, 1e-4);
        Assert.Equal(0.4085, m.AssA, 5e-4);
        Assert.Equal(0.397849, m.Hota, 1e-6);
        Assert.Equal(0.408841, m.AssA, 1e-6);
    }

    [Fact]
    public void TudOverall_CombinesSummedCounts()
    {
        var m = MotMetrics.Combine([EvalTud("TUD-Campus"), EvalTud("TUD-Stadtmitte")]);
        Assert.Equal(58, m.FalsePositives);
        Assert.Equal(602, m.FalseNegatives);
        Assert.Equal(14, m.IdSwitches);
        Assert.Equal((6, 10, 2), (m.MostlyTracked, m.PartiallyTracked, m.MostlyLost));
        Assert.Equal(13, m.Fragmentations);
        Assert.Equal(0.555116, m.Mota, 1e-4);
        Assert.Equal(0.330177, 1 - m.Motp, 1e-4);
        Assert.Equal(0.624296, m.Idf1, 1e-4);
        Assert.Equal(0.799176, m.Idp, 1e-4);
        Assert.Equal(0.512211, m.Idr, 1e-4);
    }

    [Fact]
    public void Mot20_01_MpnTrack_MatchesTrackEvalWithDistractorPreprocessing()
    {
        var gt = MotChallengeFormat.ReadFile(TestAssets.Data("mot20/train/MOT20-01/gt/gt.txt"));
        var res = MotChallengeFormat.ReadFile(TestAssets.Data("mot20/trackers/MPNTrack/data/MOT20-01.txt"));
        var m = MotEvaluator.Evaluate(gt, res, MotBenchmark.Mot20);
        Assert.Equal(19_870, m.GtDetections);
        Assert.Equal(74, m.GtIds);
        Assert.Equal(391, m.FalsePositives);
        Assert.Equal(6_338, m.FalseNegatives);
        Assert.Equal(53, m.IdSwitches);
        Assert.Equal(0.659, m.Mota, 5e-4);
        Assert.Equal(0.167, 1 - m.Motp, 5e-4);
        Assert.Equal(0.822, m.Idp, 5e-4);
        Assert.Equal(0.576, m.Idr, 5e-4);
        Assert.Equal(0.677, m.Idf1, 5e-4);
        Assert.Equal(0.5468, m.Hota, 1e-4);
        Assert.Equal(0.5546, m.DetA, 1e-4);
        Assert.Equal(0.5411, m.AssA, 1e-4);
        Assert.Equal(0.8505, m.LocA, 1e-4);
    }

    [Fact]
    public void Mot20_WithoutPreprocessing_CountsDistractorMatchesAsFalsePositives()
    {
        var gt = MotChallengeFormat.ReadFile(TestAssets.Data("mot20/train/MOT20-01/gt/gt.txt"));
        var res = MotChallengeFormat.ReadFile(TestAssets.Data("mot20/trackers/MPNTrack/data/MOT20-01.txt"));
        var mot17 = MotEvaluator.Evaluate(gt, res, MotBenchmark.Mot17);
        var mot20 = MotEvaluator.Evaluate(gt, res, MotBenchmark.Mot20);
        Assert.True(mot17.FalsePositives >= mot20.FalsePositives);
        Assert.Equal(MotBenchmark.Mot17, MotEvaluator.DetectBenchmark(gt));
    }

    [Fact]
    public void PerfectTracker_ScoresOne()
    {
        var gt = MotChallengeFormat.ReadFile(TestAssets.Data("mot15/train/TUD-Campus/gt/gt.txt"));
        var m = MotEvaluator.Evaluate(gt, gt, MotBenchmark.Mot15);
        Assert.Equal(1.0, m.Mota, 1e-12);
        Assert.Equal(1.0, m.Idf1, 1e-12);
        Assert.Equal(1.0, m.Hota, 1e-9);
        Assert.Equal(0, m.IdSwitches);
    }

    [Fact]
    public void EmptyTracker_CountsEveryBoxAsMissed()
    {
        var gt = MotChallengeFormat.ReadFile(TestAssets.Data("mot15/train/TUD-Campus/gt/gt.txt"));
        var m = MotEvaluator.Evaluate(gt, [], MotBenchmark.Mot15);
        Assert.Equal(359, m.FalseNegatives);
        Assert.Equal(0, m.Hota);
        Assert.Equal(8, m.MostlyLost);
    }
}
