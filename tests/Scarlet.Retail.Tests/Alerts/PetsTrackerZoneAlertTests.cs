using Scarlet.Evaluation.MotChallenge;
using Scarlet.Testing;
using Scarlet.Tracking;
using Scarlet.Tracking.CrossCamera;
using Scarlet.Tracking.Geometry;
using Scarlet.Tracking.Identity;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;
using Xunit.Abstractions;
using static Scarlet.Retail.Tests.Alerts.PetsZoneAlertTests;

namespace Scarlet.Retail.Tests.Alerts;

/// <summary>
/// The zone rules of <see cref="PetsZoneAlertTests"/> on TRACKER output instead of ground truth: PETS09-S2L1's public
/// detections (MOT15 det.txt) through <see cref="MultiObjectTracker"/> with its default settings at the clip's 10 fps
/// (what the camera pipeline runs), its tracks through the same <see cref="ZoneMonitor"/> call as the pipeline
/// (<c>Update(tracks, timestamp)</c>) and the <see cref="AlertRuleEvaluator"/>. The expectation comes from the ground
/// truth; the bounds are the figures measured once on this run with a margin (nothing was tuned: zone, N, T, tracker
/// settings are those of the ground-truth test and the library defaults). One more test runs the camera pipeline with
/// our own detector over the first 160 frames (the whole clip is too slow for a unit test).
/// </summary>
public sealed class PetsTrackerZoneAlertTests(ITestOutputHelper output)
{
    private static readonly Lazy<CameraFrameState[]> s_tracked = new(Track);

    [Fact]
    public void OccupancyRule_OnTrackerOutput_FollowsTheGroundTruthWithinTheStatedTolerance()
    {
        const int N = 4;
        var rule = new AlertRule { Id = "crowded-centre", Kind = AlertRuleKind.ZoneOccupancy, Zone = "centre", Threshold = N, Cooldown = TimeSpan.FromSeconds(30) };
        var evaluator = Evaluator(rule);
        var active = new bool[Frames + 1];
        var gt = new int[Frames + 1];
        var firings = 0;
        for (var f = 1; f <= Frames; f++)
        {
            gt[f] = Persons(f).Count(p => Centre.Contains(p.Foot));
            firings += evaluator.Observe(s_tracked.Value[f - 1]).Count;
            active[f] = evaluator.IsActive(rule.Id, "pets");
        }

        // Lag k = the exit grace: the alert may rise or fall up to k frames after the ground truth does.
        var k = GraceFrames;
        int over = 0, overActive = 0, overActiveNear = 0, under = 0, underActive = 0, underActiveFar = 0, underFar = 0;
        for (var f = 1; f <= Frames; f++)
        {
            var lo = Math.Max(1, f - k);
            var hi = Math.Min(Frames, f + k);
            if (gt[f] > N)
            {
                over++;
                overActive += active[f] ? 1 : 0;
                overActiveNear += Enumerable.Range(lo, hi - lo + 1).Any(g => active[g]) ? 1 : 0;
            }
            else if (gt[f] < N)
            {
                under++;
                underActive += active[f] ? 1 : 0;
                if (Enumerable.Range(lo, hi - lo + 1).All(g => gt[g] < N))
                {
                    underFar++;
                    underActiveFar += active[f] ? 1 : 0;
                }
            }
        }

        // Alerts the ground truth calls for: a rise above N, unless within the cool-down of the last one.
        var gtFirings = 0;
        var lastFiring = int.MinValue / 2;
        for (var f = 1; f <= Frames; f++)
        {
            if (gt[f] > N && (f == 1 || gt[f - 1] <= N) && (f - lastFiring) * FrameTime >= rule.Cooldown)
            {
                (gtFirings, lastFiring) = (gtFirings + 1, f);
            }
        }

        output.WriteLine($"occupancy N={N}: GT>N {over} frames, active on {overActive}, active within {k} frames on {overActiveNear}; GT<N {under} frames, active on {underActive}; GT<N for +-{k} frames {underFar}, active on {underActiveFar}; firings {firings}, ground truth's {gtFirings}");

        // Measured once (see docs/retail.md): 134/161 = 83 %, 161/161, 14/487 = 2.9 %, 0/414, 3 firings vs 2. Bounds with a margin.
        Assert.True(over > 100 && under > 300, $"the ground truth should be on both sides of {N} often ({over}, {under})");
        Assert.True(overActive >= 0.75 * over, $"active on {overActive} of {over} frames with more than {N} people");
        Assert.True(overActiveNear >= 0.95 * over, $"active within {k} frames on {overActiveNear} of {over} frames with more than {N} people");
        Assert.True(underActive <= 0.06 * under, $"active on {underActive} of {under} frames with fewer than {N} people");
        Assert.True(underActiveFar <= 0.01 * underFar, $"active on {underActiveFar} of {underFar} frames with fewer than {N} people for +-{k} frames");
        Assert.InRange(firings, gtFirings - 1, gtFirings + 2);
    }

    [Fact]
    public void DwellRule_OnTrackerOutput_FiresForTheGroundTruthsLongStaysWithinTheStatedTolerance()
    {
        var dwell = TimeSpan.FromSeconds(8);
        var rule = new AlertRule { Id = "long-stay", Kind = AlertRuleKind.ZoneDwell, Zone = "centre", Duration = dwell, Cooldown = TimeSpan.FromMinutes(10) };
        var evaluator = Evaluator(rule);
        var firings = new List<(int Frame, int GtId)>();
        var lastSeen = new Dictionary<string, (int Frame, PointF Foot)>();
        for (var f = 1; f <= Frames; f++)
        {
            var state = s_tracked.Value[f - 1];
            foreach (var p in state.Persons)
            {
                lastSeen[p.PersonId] = (f, p.Foot);
            }

            // A stay may reach T while its track is missed (within the exit grace): match where the track was last seen.
            foreach (var a in evaluator.Observe(state))
            {
                var (seenAt, foot) = lastSeen[a.PersonId!];
                firings.Add((f, NearestGroundTruth(seenAt, foot)));
            }
        }

        // A long stay of the ground truth counts as alerted when a firing matched to that person comes within k frames
        // of entry + T; every other firing is an extra (a later stay on a new track, or a track's stay the ground truth
        // cut by an absence longer than the grace).
        const int K = 30;
        var expected = ExpectedDwellAlerts(dwell);
        var lags = new List<int>();
        var used = new HashSet<int>();
        var report = new List<string>();
        foreach (var (id, frame) in expected.OrderBy(e => e.Key))
        {
            var i = firings.FindIndex(x => x.GtId == id && Math.Abs(x.Frame - frame) <= K);
            if (i >= 0)
            {
                used.Add(i);
                lags.Add(firings[i].Frame - frame);
            }

            // Why a stay is missed: the tracks that carried the person during it (more than one: the stay was split).
            var tracks = Enumerable.Range(frame - (int)(dwell / FrameTime), (int)(dwell / FrameTime) + 1)
                .SelectMany(g => s_tracked.Value[g - 1].Persons.Where(p => NearestGroundTruth(g, p.Foot) == id).Select(p => p.TrackId))
                .Distinct().Count();
            report.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"person {id}: {(i >= 0 ? $"lag {firings[i].Frame - frame}" : "missed")}, {tracks} track(s)"));
        }

        var extras = firings.Count - used.Count;
        output.WriteLine($"dwell T={dwell.TotalSeconds} s: {expected.Count} long stays in the ground truth, {lags.Count} alerted within {K} frames, {extras} extra firings of {firings.Count}; {string.Join("; ", report)}");

        // Measured once (see docs/retail.md): 5 of 10 alerted, lags -23, 0, 0, 0, +1 frames, 2 extras. Bounds with a margin.
        Assert.True(expected.Count >= 5, $"several people should stay {dwell.TotalSeconds} s ({expected.Count})");
        Assert.True(lags.Count >= 4, $"{lags.Count} of {expected.Count} long stays alerted within {K} frames");
        Assert.True(extras <= 4, $"{extras} extra dwell firings");
        Assert.DoesNotContain(firings, x => x.GtId < 0); // every firing is on a real person
    }

    [Fact]
    public void OccupancyRule_OnTheCameraPipelineWithOurDetector_FollowsTheGroundTruthOnTheFirst16Seconds()
    {
        // Frames 1..160: the ground truth goes 2 -> 5 -> 2 people in the zone (more than 4 on frames 51..114). The whole
        // clip would take the detector too long for a unit test.
        const int N = 4;
        const int Subset = 160;
        var rule = new AlertRule { Id = "crowded-centre", Kind = AlertRuleKind.ZoneOccupancy, Zone = "centre", Threshold = N, Cooldown = TimeSpan.FromSeconds(30) };
        var evaluator = Evaluator(rule);
        var active = new bool[Subset + 1];
        var firings = 0;
        using (var detector = new YoloxPersonDetector(TestAssets.YoloxNano))
        using (var pipeline = new CameraPipeline(
            new CameraPipelineOptions { CameraId = "pets", EnableFaces = false, CameraZones = { Centre }, Tracker = new TrackerOptions { FrameRate = 1 / FrameTime.TotalSeconds } },
            new CameraPipelineModels(detector),
            new CrossCameraResolver(new CameraTopology()),
            new IdentityTracker()))
        using (var capture = new OpenCvSharp.VideoCapture(TestAssets.VtestVideo))
        using (var mat = new OpenCvSharp.Mat())
        {
            for (var f = 1; f <= Subset; f++)
            {
                Assert.True(capture.Read(mat), $"frame {f}");
                using var frame = new Frame(mat.Clone(), "pets", T0 + ((f - 1) * FrameTime), f);
                var state = ZoneAlertFrame(pipeline.Process(frame));
                firings += evaluator.Observe(state).Count;
                active[f] = evaluator.IsActive(rule.Id, "pets");
            }
        }

        var k = GraceFrames;
        int over = 0, overActive = 0, overActiveNear = 0, under = 0, underActive = 0;
        for (var f = 1; f <= Subset; f++)
        {
            var gt = Persons(f).Count(p => Centre.Contains(p.Foot));
            if (gt > N)
            {
                over++;
                overActive += active[f] ? 1 : 0;
                overActiveNear += Enumerable.Range(Math.Max(1, f - k), Math.Min(Subset, f + k) - Math.Max(1, f - k) + 1).Any(g => active[g]) ? 1 : 0;
            }
            else if (gt < N)
            {
                under++;
                underActive += active[f] ? 1 : 0;
            }
        }

        output.WriteLine($"detector, frames 1..{Subset}, occupancy N={N}: GT>N {over} frames, active on {overActive}, active within {k} frames on {overActiveNear}; GT<N {under} frames, active on {underActive}; firings {firings}");

        // Measured once (see docs/retail.md): 25/64 = 39 %, 50/64 = 78 %, 0/80, 1 firing (the ground truth's 1). Bounds
        // with a margin: YOLOX-Nano misses people in the group of five, so the alert rises late and drops early. With the
        // tracker's momentum default (issue 17) the one alert episode is 4 frames shorter: 21/64, 34/64, 0/80, 1 firing;
        // the within-1-s bound went from 65 % to 50 % then.
        Assert.True(over > 50 && under > 50, $"the ground truth should be on both sides of {N} ({over}, {under})");
        Assert.True(overActive >= 0.25 * over, $"active on {overActive} of {over} frames with more than {N} people");
        Assert.True(overActiveNear >= 0.5 * over, $"active within {k} frames on {overActiveNear} of {over} frames with more than {N} people");
        Assert.True(underActive <= 0.05 * under, $"active on {underActive} of {under} frames with fewer than {N} people");
        Assert.InRange(firings, 1, 2);
    }

    /// <summary>What the web host's <c>ZoneAlerts.FrameState</c> makes of a pipeline update.</summary>
    private static CameraFrameState ZoneAlertFrame(Scarlet.Tracking.Pipeline.TrackingUpdate update)
    {
        var persons = new PersonInView[update.Persons.Count];
        for (var i = 0; i < persons.Length; i++)
        {
            var foot = Zone.FootPoint(update.Persons[i].Box);
            persons[i] = new PersonInView(update.Persons[i].TrackId, "track-" + update.Persons[i].TrackId.ToString(System.Globalization.CultureInfo.InvariantCulture), new PointF(foot.X / update.FrameWidth, foot.Y / update.FrameHeight), false);
        }

        return new CameraFrameState(update.CameraId, update.Timestamp, persons, update.ZoneOccupants);
    }

    /// <summary>The ground-truth person whose foot is nearest (within 40 px) to a normalised foot point, or -1.</summary>
    private static int NearestGroundTruth(int frame, PointF foot)
    {
        var best = -1;
        var bestDistance = 40.0;
        foreach (var p in Persons(frame))
        {
            var d = Math.Sqrt(Math.Pow((p.Foot.X - foot.X) * Width, 2) + Math.Pow((p.Foot.Y - foot.Y) * Height, 2));
            if (d < bestDistance)
            {
                (best, bestDistance) = (p.Id, d);
            }
        }

        return best;
    }

    private static AlertRuleEvaluator Evaluator(AlertRule rule)
    {
        var evaluator = new AlertRuleEvaluator();
        evaluator.SetRules([rule]);
        evaluator.SetZones("pets", [Centre]);
        return evaluator;
    }

    private static CameraFrameState[] Track()
    {
        var detections = new List<TrackerDetection>[Frames];
        for (var i = 0; i < Frames; i++)
        {
            detections[i] = [];
        }

        foreach (var r in MotChallengeFormat.ReadFile(TestAssets.Data("mot15/train/PETS09-S2L1/det/det.txt")))
        {
            detections[r.Frame - 1].Add(new TrackerDetection(r.Box, (float)r.Confidence));
        }

        var tracker = new MultiObjectTracker(new TrackerOptions { FrameRate = 1 / FrameTime.TotalSeconds });
        var monitor = new ZoneMonitor("pets", [Centre.ToZone(Width, Height)]);
        var frames = new CameraFrameState[Frames];
        for (var f = 1; f <= Frames; f++)
        {
            var at = T0 + ((f - 1) * FrameTime);
            var tracks = tracker.Update([.. detections[f - 1]]);
            monitor.Update(tracks, at);
            var occupants = new List<ZoneOccupant>();
            monitor.CopyOccupants(occupants);
            var persons = new PersonInView[tracks.Count];
            for (var i = 0; i < tracks.Count; i++)
            {
                var foot = Zone.FootPoint(tracks[i].Box);
                persons[i] = new PersonInView(tracks[i].Id, "track-" + tracks[i].Id.ToString(System.Globalization.CultureInfo.InvariantCulture), new PointF(foot.X / Width, foot.Y / Height), false);
            }

            frames[f - 1] = new CameraFrameState("pets", at, persons, occupants);
        }

        return frames;
    }
}
