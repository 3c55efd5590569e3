using Scarlet.Evaluation.MotChallenge;
using Scarlet.Testing;
using Scarlet.Tracking.Geometry;
using Scarlet.Vision;

namespace Scarlet.Retail.Tests.Alerts;

/// <summary>
/// Zone rules on real video: PETS09-S2L1 (vtest.avi, 768x576, 10 fps) ground-truth boxes fed frame by frame through the
/// same <see cref="ZoneMonitor"/> the camera pipeline runs (default exit grace) and the <see cref="AlertRuleEvaluator"/>.
/// The expectations are computed from the ground truth independently of the monitor.
/// </summary>
public sealed class PetsZoneAlertTests
{
    internal const int Width = 768;
    internal const int Height = 576;
    internal const int Frames = 795;
    internal static readonly DateTimeOffset T0 = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
    internal static readonly TimeSpan FrameTime = TimeSpan.FromMilliseconds(100);

    // A fixed box in the middle of the lawn (chosen for its spread of 1 to 7 people, not tuned to any result).
    internal static readonly CameraZone Centre = new("centre", ZoneKind.Aisle, [new(0.25f, 0.35f), new(0.75f, 0.35f), new(0.75f, 0.9f), new(0.25f, 0.9f)]);

    // The monitor's exit grace in frames: a drop in occupancy may show up to this late (entries show at once).
    internal static readonly int GraceFrames = (int)(ZoneMonitor.DefaultExitGrace / FrameTime);

    private static readonly Lazy<Dictionary<int, List<(int Id, PointF Foot)>>> s_gt = new(LoadGroundTruth);

    [Fact]
    public void OccupancyRule_IsActiveExactlyWhereTheGroundTruthHasMoreThanNPeople()
    {
        const int N = 4;
        var rule = new AlertRule { Id = "crowded-centre", Kind = AlertRuleKind.ZoneOccupancy, Zone = "centre", Threshold = N, Cooldown = TimeSpan.FromSeconds(30) };
        var (evaluator, monitor) = Setup(rule);
        var active = new bool[Frames + 1];
        var counts = new int[Frames + 1];
        var firings = new List<int>();
        for (var f = 1; f <= Frames; f++)
        {
            var persons = Persons(f);
            counts[f] = persons.Count(p => Centre.Contains(p.Foot));
            var state = Step(monitor, f, persons);
            if (evaluator.Observe(state).Count > 0)
            {
                firings.Add(f);
            }

            active[f] = evaluator.IsActive(rule.Id, "pets");
        }

        var over = 0;
        var rises = new List<int>();
        for (var f = 1; f <= Frames; f++)
        {
            if (counts[f] > N)
            {
                over++;
                Assert.True(active[f], $"frame {f}: {counts[f]} people in the zone but the alert is not active");
            }

            // At most N different people inside over the last grace: whoever left is out by now, so the alert must be off.
            var recent = Enumerable.Range(Math.Max(1, f - GraceFrames), Math.Min(f, GraceFrames + 1))
                .SelectMany(g => Persons(g).Where(p => Centre.Contains(p.Foot)).Select(p => p.Id)).Distinct().Count();
            if (recent <= N)
            {
                Assert.False(active[f], $"frame {f}: at most {N} people were in the zone during the last {GraceFrames} frames but the alert is active");
            }

            if (active[f] && (f == 1 || !active[f - 1]))
            {
                rises.Add(f);
            }
        }

        Assert.True(over > 100, $"the ground truth should exceed {N} people often ({over} frames)");

        // One alert per rise of the condition, except rises within the 30 s cool-down of the last alert.
        var expected = new List<int>();
        foreach (var r in rises)
        {
            if (expected.Count == 0 || (r - expected[^1]) * FrameTime >= rule.Cooldown)
            {
                expected.Add(r);
            }
        }

        Assert.Equal(expected, firings);
    }

    [Fact]
    public void DwellRule_FiresForEveryPersonWhoStaysLongerThanTAtEntryPlusT()
    {
        var dwell = TimeSpan.FromSeconds(8);
        var rule = new AlertRule { Id = "long-stay", Kind = AlertRuleKind.ZoneDwell, Zone = "centre", Duration = dwell, Cooldown = TimeSpan.FromMinutes(10) };
        var (evaluator, monitor) = Setup(rule);
        var fired = new Dictionary<string, int>();
        for (var f = 1; f <= Frames; f++)
        {
            foreach (var a in evaluator.Observe(Step(monitor, f, Persons(f))))
            {
                Assert.True(fired.TryAdd(a.PersonId!, f), $"{a.PersonId} fired twice within the cool-down");
            }
        }

        var expected = ExpectedDwellAlerts(dwell).ToDictionary(e => Person(e.Key), e => e.Value);
        Assert.True(expected.Count >= 5, $"several people should stay {dwell.TotalSeconds} s ({expected.Count})");
        Assert.Equal(expected.Keys.Order(), fired.Keys.Order());
        foreach (var (person, frame) in expected)
        {
            Assert.InRange(fired[person], frame - 1, frame + 1); // one frame of rounding between 100 ms steps and the limit
        }
    }

    /// <summary>
    /// The dwell alerts the ground truth alone calls for, per person id: the frame of entry + <paramref name="dwell"/>.
    /// A stay starts at the first frame inside and lasts while the person is back inside within the exit grace.
    /// </summary>
    internal static Dictionary<int, int> ExpectedDwellAlerts(TimeSpan dwell)
    {
        var dwellFrames = (int)(dwell / FrameTime);
        var expected = new Dictionary<int, int>();
        foreach (var id in s_gt.Value.Values.SelectMany(v => v).Select(p => p.Id).Distinct())
        {
            int? start = null;
            var lastInside = 0;
            for (var f = 1; f <= Frames; f++)
            {
                var inside = Persons(f).Any(p => p.Id == id && Centre.Contains(p.Foot));
                if (inside)
                {
                    start ??= f;
                    lastInside = f;
                }
                else if (start is not null && f - lastInside >= GraceFrames)
                {
                    start = null;
                }

                if (start is { } s && f - s == dwellFrames && !expected.ContainsKey(id))
                {
                    expected[id] = f;
                }
            }
        }

        return expected;
    }

    private static (AlertRuleEvaluator Evaluator, ZoneMonitor Monitor) Setup(AlertRule rule)
    {
        var evaluator = new AlertRuleEvaluator();
        evaluator.SetRules([rule]);
        evaluator.SetZones("pets", [Centre]);
        return (evaluator, new ZoneMonitor("pets", [Centre.ToZone(Width, Height)]));
    }

    private static CameraFrameState Step(ZoneMonitor monitor, int frame, IReadOnlyList<(int Id, PointF Foot)> persons)
    {
        var at = T0 + ((frame - 1) * FrameTime);
        monitor.UpdateSubjects([.. persons.Select(p => new ZoneSubject(p.Id, new PointF(p.Foot.X * Width, p.Foot.Y * Height)))], at);
        var occupants = new List<ZoneOccupant>();
        monitor.CopyOccupants(occupants);
        return new CameraFrameState("pets", at, [.. persons.Select(p => new PersonInView(p.Id, Person(p.Id), p.Foot, false))], occupants);
    }

    internal static string Person(int id) => "person-" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal static IReadOnlyList<(int Id, PointF Foot)> Persons(int frame) => s_gt.Value.TryGetValue(frame, out var list) ? list : [];

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
