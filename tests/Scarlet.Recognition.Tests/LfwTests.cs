using Scarlet.Evaluation.Recognition;
using Scarlet.Testing;
using Xunit.Abstractions;

namespace Scarlet.Recognition.Tests;

public sealed class LfwTests(RecognitionFixture models, ITestOutputHelper output) : IClassFixture<RecognitionFixture>
{
    [Fact]
    public void Pairs_file_is_parsed_by_fold()
    {
        var pairs = LfwPairs.Load(Path.Combine(TestAssets.Lfw, "pairs.txt"));
        Assert.Equal(7, pairs.Folds);
        Assert.Equal(300, pairs.PairsPerClass);
        Assert.Equal(4200, pairs.Pairs.Count);
        Assert.Equal(new LfwPair(0, Path.Combine("Abel_Pacheco", "Abel_Pacheco_0001.jpg"), Path.Combine("Abel_Pacheco", "Abel_Pacheco_0004.jpg"), true), pairs.Pairs[0]);
        Assert.False(pairs.Pairs[300].Same);
        Assert.Equal(1, pairs.Pairs[600].Fold);
        var sub = pairs.Take(5);
        Assert.Equal(70, sub.Pairs.Count);
        Assert.Equal(35, sub.Pairs.Count(p => p.Same));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("7", "line 1")]
    [InlineData("2\t1\nA\t1\t2\nB\t1\tC\t2\nD\t1", "line 4")]
    [InlineData("2\t1\nA\t1\tC\t2\n", "line 2")]
    [InlineData("2\t1\nA\t1\t2\nB\t1\tC\t2\n", "ended")]
    public void Malformed_pairs_files_name_the_line(string text, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => LfwPairs.Parse(text.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Threshold_is_chosen_on_the_other_folds()
    {
        // Fold 0: perfectly separable at 0.5; fold 1: its positives sit at 0.45 and would be rejected by fold 0's threshold.
        float[] scores = [0.9f, 0.8f, 0.1f, 0.2f, 0.45f, 0.46f, 0.1f, 0.3f];
        bool[] same = [true, true, false, false, true, true, false, false];
        int[] folds = [0, 0, 0, 0, 1, 1, 1, 1];
        var r = VerificationMetrics.Evaluate(scores, same, folds, 2);
        Assert.Equal(0.5, r.FoldAccuracies[1], 6); // threshold from fold 0 is (0.2 + 0.8) / 2 = 0.5
        Assert.Equal(0.5f, r.FoldThresholds[1], 4);
        Assert.Equal(1.0, r.FoldAccuracies[0], 6); // fold 1 alone picks (0.3 + 0.45) / 2
        Assert.Equal(0.375f, r.FoldThresholds[0], 4);
        Assert.Equal(0.75, r.MeanAccuracy, 6);
        Assert.Equal(0.25, r.StdAccuracy, 6);
    }

    [Fact]
    public void Tar_at_far_lets_through_at_most_the_allowed_negatives()
    {
        var scores = new float[2000];
        var same = new bool[2000];
        for (var i = 0; i < 1000; i++)
        {
            scores[i] = i / 1000f; // negatives 0 .. 0.999
            scores[1000 + i] = 0.5f + (i / 2000f); // positives 0.5 .. 0.9995
            same[1000 + i] = true;
        }

        var (tar, threshold) = VerificationMetrics.TarAtFar(scores, same, 1e-3);
        Assert.Equal(0.998f, threshold, 5); // one negative (0.999) above
        Assert.Equal(3 / 1000.0, tar, 6); // 0.9985, 0.999 and 0.9995 are above 0.998
        Assert.Throws<ArgumentException>(() => VerificationMetrics.Evaluate(scores, same, new int[1999], 2));
        Assert.Throws<ArgumentException>(() => VerificationMetrics.Evaluate([float.NaN, 1f], [true, false], [0, 1], 2));
    }

    [Fact]
    public void Lfw_subset_through_our_own_pipeline_is_above_97_percent()
    {
        // 7 folds x (25 same + 25 different) = 350 pairs from the raw 250x250 images: detect, refine, align, embed (the default pipeline).
        var pairs = LfwPairs.Load(Path.Combine(TestAssets.Lfw, "pairs.txt")).Take(25);
        var refiner = new Scarlet.Vision.MirrorLandmarkRefiner(models.Detector);
        var result = LfwEvaluation.Run(pairs, Path.Combine(TestAssets.Lfw, "images"), models.Detector, models.Aligner, models.Embedder, degreeOfParallelism: 2, refiner: refiner);
        var r = result.Report;
        output.WriteLine($"{result.Images} images in {result.Elapsed.TotalSeconds:F1} s, no face {result.ImagesWithoutFace}");
        output.WriteLine($"accuracy {r.MeanAccuracy:F4} +- {r.StdAccuracy:F4}, threshold {r.Threshold:F4}, TAR@FAR1e-3 {r.TarAtFar:F4} at {r.FarThreshold:F4}");
        Assert.Equal(350, result.Scores.Count);
        Assert.True(r.MeanAccuracy >= 0.97, $"accuracy {r.MeanAccuracy}");
        Assert.InRange(r.Threshold, 0.1f, 0.5f);
        Assert.True(result.ImagesWithoutFace <= 2);
    }

    [Fact]
    public void Missing_images_and_folders_are_reported()
    {
        var pairs = LfwPairs.Parse(["2\t1", "Nobody\t1\t2", "Nobody\t1\tNoone\t2", "Nobody\t1\t2", "Nobody\t1\tNoone\t2"]);
        Assert.Throws<DirectoryNotFoundException>(() => LfwEvaluation.Run(pairs, "/nonexistent-dir", models.Detector, models.Aligner, models.Embedder));
        var ex = Assert.Throws<FileNotFoundException>(() => LfwEvaluation.Run(pairs, Path.Combine(TestAssets.Lfw, "images"), models.Detector, models.Aligner, models.Embedder));
        Assert.Contains("Nobody_0001.jpg", ex.Message, StringComparison.Ordinal);
    }
}
