using OpenCvSharp;
using Scarlet.Evaluation.MotChallenge;
using Scarlet.Testing;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;
using Xunit.Abstractions;

namespace Scarlet.Tracking.Tests.Pipeline;

/// <summary>
/// How <see cref="CameraPipelineOptions.PresenceMinChange"/>'s default was chosen and what it costs held out (issue 19),
/// on the only clip with images and ground truth here: vtest.avi (PETS09-S2L1 View 001, 10 fps) with YOLOX-Nano through
/// the tracker, every track scored against the ground truth (a true track matches it, IoU ≥ 0.5, on at least half its
/// frames). The clip's first half (frames 0–397) chooses, the second (398–794) is held out. A real person's cost is
/// measured on their still episodes (a true track's box centre within 0.1 box heights of where it stood for 2 s): how
/// far the rule's median reaches within the episode's first second, as a track that began there would. Rule fixed
/// beforehand: the largest grid value at most half of the smallest such reach in the choice half (a factor-2 margin).
/// Runs YOLOX over the whole clip (about 80 s on 2 shared cores): <c>SCARLET_CV=1</c>.
/// </summary>
[Collection("NativeObjects")]
public sealed class PresenceChangeSelectionTests(ITestOutputHelper output)
{
    private const int Half = 398;
    private const float ScoreRuleThreshold = 0.65f;

    // YOLOX over the whole clip once for both selection tests.
    private static readonly Lazy<Dictionary<int, List<(int Frame, BoundingBox Box, bool Truth, float Share, float Score)>>> s_tracks = new(TrackFrames);
    private static readonly float[] s_grid = [0.005f, 0.01f, 0.02f, 0.05f, 0.1f];

    // MOT15's sequences with ground truth here and their frame rates (MOT15 ships no seqinfo.ini); PETS09-S2L1 is the
    // demo clip's scene with another detector (its ground truth: the clip's).
    private static readonly (string Name, double Fps, string Truth)[] s_mot15 =
    [
        ("TUD-Campus", 25, "mot15/train/TUD-Campus/gt/gt.txt"),
        ("TUD-Stadtmitte", 25, "mot15/train/TUD-Stadtmitte/gt/gt.txt"),
        ("PETS09-S2L1", 7, "video/vtest_annotations/gt_mot.txt"),
    ];

    [SelectionFact]
    public void PresenceMinChange_chosen_on_the_first_half_of_the_demo_clip_removes_the_static_false_positive_and_keeps_standing_people_held_out()
    {
        var tracks = s_tracks.Value;
        var choice = Reaches(tracks, 0, Half, 20);
        var heldOut = Reaches(tracks, Half, int.MaxValue, 20);
        var heldOut1s = Reaches(tracks, Half, int.MaxValue, 10);
        output.WriteLine($"choice: still episodes (2 s) {string.Join(", ", choice.Still)}; false tracks {string.Join(", ", choice.False)}");
        output.WriteLine($"held out: still episodes (2 s) {string.Join(", ", heldOut.Still)}; false tracks {string.Join(", ", heldOut.False)}");
        output.WriteLine($"held out: still episodes (1 s) {string.Join(", ", heldOut1s.Still)}");

        var smallest = choice.Still.Min(s => s.Reach);
        var chosen = s_grid.Where(g => g <= smallest / 2).Max();
        output.WriteLine($"chosen {chosen} (smallest reach in the choice half {smallest:F3})");
        Assert.Equal(0.05f, chosen);
        Assert.Equal(new CameraPipelineOptions().PresenceMinChange, chosen);

        var removed = heldOut.False.Count(f => f.Reach < chosen);
        var late = heldOut.Still.Count(s => s.Reach < chosen);
        var late1s = heldOut1s.Still.Count(s => s.Reach < chosen);
        output.WriteLine($"held out at {chosen}: false tracks never present {removed} of {heldOut.False.Count}; still episodes (2 s) not present within their first second {late} of {heldOut.Still.Count}; (1 s) {late1s} of {heldOut1s.Still.Count}");

        // Measured: the one false track of the held-out half (the static box, reach 0.000) removed; 0 of 3 two-second
        // still episodes and 1 of 13 one-second ones (a person stock-still for 1.4 s) not present within their first
        // second. Bounds: the static box removed; at most 1 in 10 of the real still episodes late.
        Assert.Equal(heldOut.False.Count, removed);
        Assert.Equal(0, late);
        Assert.InRange(late1s, 0, heldOut1s.Still.Count / 10);
    }

    [SelectionFact]
    public void A_score_rule_chosen_the_same_way_removes_the_static_false_positive_by_a_thin_margin()
    {
        // Frigate's own rule (a track is real once the median of its last 10 detection scores reaches a threshold), chosen
        // on the same first half: the largest grid value that every true track there reaches.
        var tracks = s_tracks.Value;
        (int Id, bool True, float Reach)[] ScoreReaches(int from, int to) =>
            [.. tracks.OrderBy(t => t.Key).Select(t => (t.Key, t.Value.Count(x => x.Truth) * 2 >= t.Value.Count, t.Value.Where(x => x.Frame >= from && x.Frame < to).Select(x => x.Score).ToList()))
                .Where(t => t.Item3.Count > 0).Select(t => (t.Key, t.Item2, Reach(t.Item3)))];
        var choice = ScoreReaches(0, Half);
        var heldOut = ScoreReaches(Half, int.MaxValue);
        output.WriteLine($"score reaches, choice: {string.Join(", ", choice)}");
        output.WriteLine($"score reaches, held out: {string.Join(", ", heldOut)}");
        float[] grid = [0.5f, 0.55f, 0.6f, 0.65f, 0.7f, 0.75f, 0.8f];
        var smallest = choice.Where(c => c.True).Min(c => c.Reach);
        var chosen = grid.Where(g => g <= smallest).Max();
        var removed = heldOut.Count(h => !h.True && h.Reach < chosen);
        var dropped = heldOut.Count(h => h.True && h.Reach < chosen);
        output.WriteLine($"score rule chosen {chosen}; held out on the clip: false tracks removed {removed} of {heldOut.Count(h => !h.True)}, true tracks dropped {dropped} of {heldOut.Count(h => h.True)}; margin over the static box {chosen - heldOut.Where(h => !h.True).Max(h => h.Reach):F3}");

        // Measured: chosen 0.65; on the clip's held-out half it removes the static box (reach 0.60) and drops none of the
        // 16 true tracks: a margin of 0.05 only, on one detector's scores (the cost with another's: the next test).
        Assert.Equal(ScoreRuleThreshold, chosen);
        Assert.Equal(1, removed);
        Assert.Equal(0, dropped);
    }

    [Fact]
    public void The_score_rules_real_track_cost_on_MOT15s_public_detections()
    {
        // The real-track cost of the score rule's threshold (chosen above) with another detector's scores: MOT15's public
        // detections (all scored 0.5 to 1) of the sequences with ground truth here through the tracker, true tracks scored
        // against their ground truth. No images: fast.
        int lost = 0, all = 0;
        foreach (var (seq, fps, truth) in s_mot15)
        {
            var (l, a) = ScoreRuleCost($"mot15/train/{seq}/det/det.txt", truth, fps, ScoreRuleThreshold);
            output.WriteLine($"{seq}: {l} of {a} true tracks never reach {ScoreRuleThreshold}");
            (lost, all) = (lost + l, all + a);
        }

        output.WriteLine($"MOT15 (3 sequences): {lost} of {all} true tracks never reach {ScoreRuleThreshold}");
        // Measured: 0 of 76 (TUD-Campus 0/8, TUD-Stadtmitte 0/14, PETS09-S2L1 0/54): a score rule would hold up here too;
        // it is not the default because its margin over the static box is 0.05 of one detector's calibration, where the
        // static box changes no pixel at all (docs/pipeline.md). Bounds: at most 1 in 20 lost, the track count as measured.
        Assert.InRange(lost, 0, all / 20);
        Assert.InRange(all, 70, 82);
    }

    private static (int Lost, int All) ScoreRuleCost(string detections, string truthPath, double fps, float threshold)
    {
        var dets = new SortedDictionary<int, List<TrackerDetection>>();
        foreach (var r in MotChallengeFormat.ReadFile(TestAssets.Data(detections)))
        {
            if (!dets.TryGetValue(r.Frame, out var list))
            {
                dets[r.Frame] = list = [];
            }

            list.Add(new TrackerDetection(r.Box, (float)r.Confidence));
        }

        var gt = new Dictionary<int, List<BoundingBox>>();
        foreach (var r in MotChallengeFormat.ReadFile(TestAssets.Data(truthPath)).Where(r => r.Confidence > 0))
        {
            if (!gt.TryGetValue(r.Frame, out var list))
            {
                gt[r.Frame] = list = [];
            }

            list.Add(r.Box);
        }

        var tracker = new MultiObjectTracker(new TrackerOptions { FrameRate = fps });
        var byId = new Dictionary<int, (List<float> Scores, int Matched)>();
        var last = dets.Count == 0 ? 0 : dets.Keys.Max();
        for (var f = 1; f <= last; f++)
        {
            var truth = gt.GetValueOrDefault(f) ?? [];
            foreach (var t in tracker.Update([.. dets.GetValueOrDefault(f) ?? []]))
            {
                if (t.TimeSinceUpdate != 0)
                {
                    continue;
                }

                var e = byId.TryGetValue(t.Id, out var x) ? x : ([], 0);
                e.Scores.Add(t.Score);
                byId[t.Id] = (e.Scores, e.Matched + (truth.Any(g => BoundingBox.IoU(g, t.Box) >= 0.5f) ? 1 : 0));
            }
        }

        var trueTracks = byId.Values.Where(v => v.Matched * 2 >= v.Scores.Count).ToList();
        return (trueTracks.Count(v => Reach(v.Scores) < threshold), trueTracks.Count);
    }

    // Per track (id), per frame the tracker matched it: frame, box, whether a ground-truth box overlaps (IoU ≥ 0.5), and
    // the share of changed pixels against the previous frame.
    private static Dictionary<int, List<(int Frame, BoundingBox Box, bool Truth, float Share, float Score)>> TrackFrames()
    {
        var gt = new Dictionary<int, List<BoundingBox>>();
        foreach (var r in MotChallengeFormat.ReadFile(TestAssets.Data("video/vtest_annotations/gt_mot.txt")))
        {
            if (!gt.TryGetValue(r.Frame - 1, out var list))
            {
                gt[r.Frame - 1] = list = [];
            }

            list.Add(r.Box);
        }

        using var detector = new YoloxPersonDetector(TestAssets.YoloxNano, new PersonDetectorOptions { ScoreThreshold = 0.1f });
        using var capture = new VideoCapture(TestAssets.VtestVideo);
        var tracker = new MultiObjectTracker(new TrackerOptions { FrameRate = 10 });
        var byId = new Dictionary<int, List<(int, BoundingBox, bool, float, float)>>();
        using var image = new Mat();
        using var scratch = new Mat();
        var grey = new Mat();
        var previous = new Mat();
        try
        {
            for (var f = 0; capture.Read(image) && !image.Empty(); f++)
            {
                Cv2.CvtColor(image, grey, ColorConversionCodes.BGR2GRAY);
                scratch.Create(grey.Size(), MatType.CV_8UC1);
                var dets = detector.Detect(image).Where(d => d.Score > 0.1f).Select(TrackerDetection.FromPersonDetection).ToArray();
                var truth = gt.GetValueOrDefault(f) ?? [];
                foreach (var t in tracker.Update(dets))
                {
                    if (t.TimeSinceUpdate != 0 || f == 0)
                    {
                        continue;
                    }

                    if (!byId.TryGetValue(t.Id, out var list))
                    {
                        byId[t.Id] = list = [];
                    }

                    list.Add((f, t.Box, truth.Any(g => BoundingBox.IoU(g, t.Box) >= 0.5f), PixelChangeEvidence.ChangedShare(grey, previous, scratch, t.Box), t.Score));
                }

                (grey, previous) = (previous, grey);
            }
        }
        finally
        {
            grey.Dispose();
            previous.Dispose();
        }

        return byId;
    }

    // In frames [from, to): each true track's still episodes (at least `still` matched frames) with the largest median the
    // rule reaches within the episode's first 10 comparisons (a track born at its start), and each false track's largest
    // median over its life.
    private static (List<(int Id, int Frame, float Reach)> Still, List<(int Id, int Frame, float Reach)> False) Reaches(Dictionary<int, List<(int Frame, BoundingBox Box, bool Truth, float Share, float Score)>> tracks, int from, int to, int still)
    {
        var stills = new List<(int, int, float)>();
        var falses = new List<(int, int, float)>();
        foreach (var (id, all) in tracks.OrderBy(t => t.Key))
        {
            var isTrue = all.Count(x => x.Truth) * 2 >= all.Count;
            var m = all.Where(x => x.Frame >= from && x.Frame < to).ToList();
            if (m.Count == 0)
            {
                continue;
            }

            if (!isTrue)
            {
                falses.Add((id, m[0].Frame, Reach(m.Select(x => x.Share).ToList())));
                continue;
            }

            for (var s = 0; s + still <= m.Count;)
            {
                var e = s;
                var start = m[s].Box;
                while (e + 1 < m.Count && m[e + 1].Frame - m[e].Frame <= 2 && Distance(m[e + 1].Box, start) < 0.1f * start.Height)
                {
                    e++;
                }

                if (e - s + 1 >= still)
                {
                    // The first comparison after the start (the start's own spans the moment the person stopped).
                    stills.Add((id, m[s].Frame, Reach(m.Skip(s + 1).Take(10).Select(x => x.Share).ToList())));
                    s = e + 1;
                }
                else
                {
                    s++;
                }
            }
        }

        return (stills, falses);
    }

    // The largest median of the last PixelChangeEvidence.Window shares the rule sees along a track.
    private static float Reach(List<float> shares)
    {
        var best = 0f;
        for (var k = 0; k < shares.Count; k++)
        {
            var window = shares.Skip(Math.Max(0, k - PixelChangeEvidence.Window + 1)).Take(Math.Min(k + 1, PixelChangeEvidence.Window)).Order().ToList();
            var n = window.Count;
            best = Math.Max(best, n % 2 == 1 ? window[n / 2] : (window[(n / 2) - 1] + window[n / 2]) / 2);
        }

        return best;
    }

    private static float Distance(BoundingBox a, BoundingBox b) => MathF.Sqrt(((a.CenterX - b.CenterX) * (a.CenterX - b.CenterX)) + ((a.CenterY - b.CenterY) * (a.CenterY - b.CenterY)));

    private sealed class SelectionFactAttribute : FactAttribute
    {
        public SelectionFactAttribute()
        {
            if (Environment.GetEnvironmentVariable("SCARLET_CV") != "1")
            {
                Skip = "selection on the whole demo clip: set SCARLET_CV=1 to run";
            }
        }
    }
}
