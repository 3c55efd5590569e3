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
    private static readonly float[] s_grid = [0.005f, 0.01f, 0.02f, 0.05f, 0.1f];

    [SelectionFact]
    public void PresenceMinChange_chosen_on_the_first_half_of_the_demo_clip_removes_the_static_false_positive_and_keeps_standing_people_held_out()
    {
        var tracks = TrackFrames();
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

    // Per track (id), per frame the tracker matched it: frame, box, whether a ground-truth box overlaps (IoU ≥ 0.5), and
    // the share of changed pixels against the previous frame.
    private static Dictionary<int, List<(int Frame, BoundingBox Box, bool Truth, float Share)>> TrackFrames()
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
        var byId = new Dictionary<int, List<(int, BoundingBox, bool, float)>>();
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

                    list.Add((f, t.Box, truth.Any(g => BoundingBox.IoU(g, t.Box) >= 0.5f), PixelChangeEvidence.ChangedShare(grey, previous, scratch, t.Box)));
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
    private static (List<(int Id, int Frame, float Reach)> Still, List<(int Id, int Frame, float Reach)> False) Reaches(Dictionary<int, List<(int Frame, BoundingBox Box, bool Truth, float Share)>> tracks, int from, int to, int still)
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
