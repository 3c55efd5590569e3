using System.Globalization;
using Scarlet.Retail.Events;
using Scarlet.Retail.Tests.Support;
using Scarlet.Testing;
using Scarlet.Tracking.Geometry;
using Scarlet.Evaluation.MotChallenge;
using Scarlet.Vision;

namespace Scarlet.Retail.Tests;

/// <summary>
/// Visits on real video with known counts: PETS09-S2L1 (vtest.avi, 768x576, 10 fps, 795 frames) ground truth, 19
/// people. The frame is watched by two overlapping virtual cameras (left: foot x &lt; 0.55, right: x &gt; 0.45), each of
/// which opens a track when a person comes into its half and ends it when the person leaves: people crossing the road go
/// in and out of each camera's view several times, under one cross-camera id (the ground-truth id). The visit logic must
/// turn those tracks into one visit per person lasting from the person's first to last frame; zone stays from the camera
/// pipeline's <see cref="ZoneMonitor"/> give the dwell per zone, and the visits the occupancy over the clip.
/// Expectations are computed from the ground truth alone.
/// </summary>
public sealed class PetsVisitTests
{
    private const int Width = 768;
    private const int Height = 576;
    private const int Frames = 795;
    private static readonly TimeSpan FrameTime = TimeSpan.FromMilliseconds(100);
    private static readonly DateTimeOffset T0 = RetailHarness.Start;

    // The same lawn box as the alert tests (PetsZoneAlertTests), chosen there for its spread of people, not tuned here.
    private static readonly CameraZone Centre = new("centre", ZoneKind.Aisle, [new(0.25f, 0.35f), new(0.75f, 0.35f), new(0.75f, 0.9f), new(0.25f, 0.9f)]);

    [Fact]
    public async Task Ground_truth_tracks_on_two_cameras_give_one_visit_per_person_with_its_dwell_zone_dwell_and_occupancy()
    {
        var gt = LoadGroundTruth();
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        var v = h.Visits;
        var cameras = new[] { ("left", (Func<float, bool>)(x => x < 0.55f)), ("right", x => x > 0.45f) };
        var inView = new HashSet<(string Camera, int Id)>();
        var monitor = new ZoneMonitor("pets", [Centre.ToZone(Width, Height)]);
        var tracks = 0;
        for (var f = 1; f <= Frames; f++)
        {
            var at = At(f);
            var persons = gt.GetValueOrDefault(f) ?? [];
            foreach (var (camera, sees) in cameras)
            {
                foreach (var (id, foot) in persons)
                {
                    if (sees(foot.X) && inView.Add((camera, id)))
                    {
                        tracks++;
                        await v.HandleEnteredAsync(new PersonEnteredStoreEvent { OrganizationId = org, Timestamp = at, StoreId = "pets", PersonId = Person(id), CameraId = camera });
                    }
                }

                // A track ends at the last frame its person was in the camera's half.
                foreach (var (c, id) in inView.Where(k => k.Camera == camera).ToList())
                {
                    if (!persons.Any(p => p.Id == id && sees(p.Foot.X)))
                    {
                        inView.Remove((c, id));
                        await v.HandleExitedAsync(new PersonExitedStoreEvent { OrganizationId = org, Timestamp = At(f - 1), StoreId = "pets", PersonId = Person(id), CameraId = camera });
                    }
                }
            }

            foreach (var e in monitor.UpdateSubjects([.. persons.Select(p => new ZoneSubject(p.Id, new PointF(p.Foot.X * Width, p.Foot.Y * Height)))], at))
            {
                var person = Person(e.TrackId);
                await (e.Kind == ZoneEventKind.Entered
                    ? v.HandleZoneEnteredAsync(new ZoneEnteredEvent { OrganizationId = org, Timestamp = e.Timestamp, Zone = e.Zone, PersonId = person })
                    : v.HandleZoneExitedAsync(new ZoneExitedEvent { OrganizationId = org, Timestamp = e.Timestamp, Zone = e.Zone, PersonId = person }));
            }
        }

        foreach (var (camera, id) in inView)
        {
            await v.HandleExitedAsync(new PersonExitedStoreEvent { OrganizationId = org, Timestamp = At(Frames), StoreId = "pets", PersonId = Person(id), CameraId = camera });
        }

        // Ground truth: each person's first and last frame.
        var span = gt.SelectMany(kv => kv.Value.Select(p => (p.Id, Frame: kv.Key)))
            .GroupBy(p => p.Id)
            .ToDictionary(g => g.Key, g => (First: g.Min(p => p.Frame), Last: g.Max(p => p.Frame)));
        Assert.Equal(19, span.Count);
        Assert.True(tracks >= 2 * span.Count, $"the two cameras should split people into several tracks ({tracks} tracks)");

        // One visit per person: dwell exact to the frame (tolerance 0: visit times are frame times).
        var ended = await v.CompleteEndedVisitsAsync(At(Frames) + TimeSpan.FromMinutes(11));
        Assert.Equal(span.Count, ended.Count);
        foreach (var visit in ended)
        {
            var id = int.Parse(visit.VisitorId!["person-".Length..], CultureInfo.InvariantCulture);
            Assert.Equal((At(span[id].First), At(span[id].Last)), (visit.EntryAt, visit.ExitAt!.Value));
        }

        var from = At(1);
        var to = At(Frames) + FrameTime;
        var summary = await v.GetSummaryAsync(org, "pets", from, to);
        Assert.Equal((19, 19, 0, 19), (summary.Visits, summary.UniqueVisitors, summary.ReturningVisitors, summary.NewVisitors));
        var meanDwell = span.Values.Average(s => (s.Last - s.First) * FrameTime.TotalSeconds);
        Assert.Equal(meanDwell, summary.AverageDwellSeconds, 3);

        // Dwell in the centre zone: the monitor's stays (1 s exit grace) against stays computed from the ground truth with
        // the same grace; tolerance one frame (0.1 s) per stay.
        var (stays, seconds) = CentreStays(gt, span);
        var zone = Assert.Single(await v.GetZoneDwellAsync(org, from, to + TimeSpan.FromSeconds(2)));
        Assert.Equal(stays, zone.Stays);
        Assert.InRange(zone.TotalDwellSeconds, seconds - (0.1 * stays), seconds + (0.1 * stays));

        // Occupancy in 10 s steps: peak within +1 of the ground truth's most people in a frame of the step (two
        // people, one leaving and one arriving at the same frame time, count together); mean within 0.2 people.
        var occupancy = await v.GetOccupancyAsync(org, "pets", from, to, TimeSpan.FromSeconds(10));
        Assert.Equal(8, occupancy.Count);
        foreach (var point in occupancy)
        {
            var first = 1 + (int)((point.PeriodStart - from) / FrameTime);
            var frames = Enumerable.Range(first, 100).Where(f => f <= Frames).ToList();
            var counts = frames.Select(f => span.Values.Count(s => s.First <= f && f <= s.Last)).ToList();
            Assert.InRange(point.Peak, counts.Max(), counts.Max() + 1);
            Assert.InRange(point.Average, counts.Average() - 0.2, counts.Average() + 0.2);
        }
    }

    // Stays in the centre zone from the ground truth: inside from the first frame in, until the first frame out that is
    // not followed by a return within the 1 s grace (10 frames); a stay still going at the end of the clip is not ended.
    private static (int Stays, double Seconds) CentreStays(Dictionary<int, List<(int Id, PointF Foot)>> gt, Dictionary<int, (int First, int Last)> span)
    {
        var grace = (int)(ZoneMonitor.DefaultExitGrace / FrameTime);
        var (stays, seconds) = (0, 0.0);
        foreach (var id in span.Keys)
        {
            var inside = Enumerable.Range(1, Frames).Where(f => (gt.GetValueOrDefault(f) ?? []).Any(p => p.Id == id && Centre.Contains(p.Foot))).ToList();
            var i = 0;
            while (i < inside.Count)
            {
                var start = inside[i];
                while (i + 1 < inside.Count && inside[i + 1] - inside[i] <= grace)
                {
                    i++;
                }

                var left = inside[i] + 1;
                if (left + grace - 1 <= Frames)
                {
                    stays++;
                    seconds += (left - start) * FrameTime.TotalSeconds;
                }

                i++;
            }
        }

        return (stays, seconds);
    }

    private static DateTimeOffset At(int frame) => T0 + ((frame - 1) * FrameTime);

    private static string Person(int id) => "person-" + id.ToString(CultureInfo.InvariantCulture);

    private static Dictionary<int, List<(int Id, PointF Foot)>> LoadGroundTruth()
    {
        var byFrame = new Dictionary<int, List<(int, PointF)>>();
        foreach (var r in MotChallengeFormat.ReadFile(TestAssets.Data("video/vtest_annotations/gt_mot.txt")))
        {
            var foot = Zone.FootPoint(r.Box);
            if (!byFrame.TryGetValue(r.Frame, out var list))
            {
                byFrame[r.Frame] = list = [];
            }

            list.Add((r.Id, new PointF(foot.X / Width, foot.Y / Height)));
        }

        return byFrame;
    }
}
