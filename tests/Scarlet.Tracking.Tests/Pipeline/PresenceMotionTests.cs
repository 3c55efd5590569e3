using Scarlet.Evaluation.MotChallenge;
using Scarlet.Testing;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;
using Xunit.Abstractions;

namespace Scarlet.Tracking.Tests.Pipeline;

/// <summary>
/// The presence rule (<see cref="CameraPipelineOptions.PresenceMinMotion"/>: a track counts as present only once it has
/// moved since it appeared) on real sequences with ground truth. Chosen on PETS09-S2L1 (MOT15 public detections through
/// the tracker, tracks scored against the ground truth: false tracks removed vs true tracks lost); held out on MOT17-02,
/// -04, -05, -09 (the ground-truth boxes of visible pedestrians through the tracker, so every track is a real person,
/// many standing still: true tracks lost). No images are read: fast. The held-out loss is why the rule is off by default.
/// </summary>
public sealed class PresenceMotionTests(ITestOutputHelper output)
{
    private static readonly float[] s_grid = [0.1f, 0.25f, 0.5f, 0.75f, 1f];

    [Fact]
    public void Presence_after_motion_chosen_on_PETS09_drops_real_people_held_out_on_MOT17_so_it_is_off_by_default()
    {
        // Choice on PETS09 (rule fixed before looking: most false tracks removed minus twice the true tracks lost; ties to
        // the smaller distance).
        var pets = Tracks(Read("mot15/train/PETS09-S2L1/det/det.txt", r => true, useConfidence: true), Read("video/vtest_annotations/gt_mot.txt", r => true, useConfidence: false), 7);
        var scored = s_grid.Select(m => (M: m, Score: Score(pets, m))).ToList();
        foreach (var (m, s) in scored)
        {
            output.WriteLine($"PETS09-S2L1 m={m}: true tracks {s.True}, lost {s.TrueLost} ({s.TrueFramesHeld} of {s.TrueFrames} true track-frames held back); false tracks {s.False}, removed {s.FalseRemoved}");
        }

        var chosen = scored.OrderByDescending(x => x.Score.FalseRemoved - (2 * x.Score.TrueLost)).ThenBy(x => x.M).First().M;
        output.WriteLine($"chosen m={chosen}");
        Assert.Equal(0.1f, chosen);

        // Held out: MOT17 ground-truth pedestrians (visible, considered) through the tracker; every track is a real person.
        int lost = 0, all = 0;
        long held = 0, frames = 0;
        foreach (var seq in new[] { "MOT17-02-FRCNN", "MOT17-04-FRCNN", "MOT17-05-FRCNN", "MOT17-09-FRCNN" })
        {
            var fps = int.Parse(File.ReadLines(TestAssets.Data($"mot17/train/{seq}/seqinfo.ini")).First(l => l.StartsWith("frameRate=", StringComparison.Ordinal))["frameRate=".Length..], System.Globalization.CultureInfo.InvariantCulture);
            var people = Read($"mot17/train/{seq}/gt/gt.txt", r => r.Confidence > 0 && r.Class == 1 && r.Visibility >= 0.25, useConfidence: false);
            var s = Score(Tracks(people, people, fps), chosen);
            output.WriteLine($"{seq} m={chosen}: true tracks {s.True}, lost {s.TrueLost} ({s.TrueFramesHeld} of {s.TrueFrames} track-frames held back)");
            lost += s.TrueLost;
            all += s.True;
            held += s.TrueFramesHeld;
            frames += s.TrueFrames;
        }

        output.WriteLine($"MOT17 held out: {lost} of {all} true tracks never present, {held} of {frames} track-frames held back");
        var petsChosen = Score(pets, chosen);
        Assert.Equal((5, 2), (petsChosen.FalseRemoved, petsChosen.TrueLost));
        // Measured once: 72 of 365 real people's tracks never count (standing from their track's start), 14,201 of 57,393
        // track-frames held back. Far over a 5 % budget, so the library's default is off (bounds with a margin, so a
        // change of the tracker or the rule that alters the figures is seen here).
        Assert.InRange(lost, all * 0.15, all * 0.25);
        Assert.InRange(held, frames * 0.20, frames * 0.30);
        Assert.Equal(0f, new CameraPipelineOptions().PresenceMinMotion);
    }

    private static List<List<TrackerDetection>> Read(string path, Func<MotRecord, bool> keep, bool useConfidence)
    {
        var frames = new List<List<TrackerDetection>>();
        foreach (var r in MotChallengeFormat.ReadFile(TestAssets.Data(path)))
        {
            while (frames.Count < r.Frame)
            {
                frames.Add([]);
            }

            if (keep(r))
            {
                frames[r.Frame - 1].Add(new TrackerDetection(r.Box, useConfidence ? (float)r.Confidence : 1f));
            }
        }

        return frames;
    }

    // Every confirmed track's boxes in order, and on how many of its frames it matched a ground-truth box (IoU ≥ 0.5).
    private static List<(List<BoundingBox> Boxes, int Matched)> Tracks(List<List<TrackerDetection>> detections, List<List<TrackerDetection>> truth, double fps)
    {
        var tracker = new MultiObjectTracker(new TrackerOptions { FrameRate = fps });
        var byId = new Dictionary<int, (List<BoundingBox> Boxes, int Matched)>();
        for (var f = 0; f < detections.Count; f++)
        {
            var gt = f < truth.Count ? truth[f] : [];
            foreach (var t in tracker.Update([.. detections[f]]))
            {
                if (!byId.TryGetValue(t.Id, out var entry))
                {
                    entry = ([], 0);
                }

                entry.Boxes.Add(t.Box);
                byId[t.Id] = (entry.Boxes, entry.Matched + (gt.Any(g => BoundingBox.IoU(g.Box, t.Box) >= 0.5f) ? 1 : 0));
            }
        }

        return [.. byId.Values];
    }

    private static PresenceScore Score(List<(List<BoundingBox> Boxes, int Matched)> tracks, float m)
    {
        var s = new PresenceScore();
        foreach (var (boxes, matched) in tracks)
        {
            var motion = new MotionSinceBirth();
            var heldBack = boxes.Count(b => !motion.Update(b, m));
            if (matched * 2 >= boxes.Count)
            {
                s.True++;
                s.TrueFrames += boxes.Count;
                s.TrueFramesHeld += heldBack;
                s.TrueLost += motion.Moved ? 0 : 1;
            }
            else
            {
                s.False++;
                s.FalseRemoved += motion.Moved ? 0 : 1;
            }
        }

        return s;
    }

    private sealed class PresenceScore
    {
        public int True { get; set; }

        public int TrueLost { get; set; }

        public long TrueFrames { get; set; }

        public long TrueFramesHeld { get; set; }

        public int False { get; set; }

        public int FalseRemoved { get; set; }
    }
}
