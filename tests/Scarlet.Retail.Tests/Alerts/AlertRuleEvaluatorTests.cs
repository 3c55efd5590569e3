using Scarlet.Tracking.Geometry;
using Scarlet.Vision;

namespace Scarlet.Retail.Tests.Alerts;

/// <summary>The rule kinds, cool-down and schedule of <see cref="AlertRuleEvaluator"/> on hand-made frames (virtual time).</summary>
public sealed class AlertRuleEvaluatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero); // a Monday
    private static readonly CameraZone Back = new("back", ZoneKind.Restricted, [new(0, 0), new(0.2f, 0), new(0.2f, 0.2f), new(0, 0.2f)]);
    private static readonly CameraZone Office = new("office", ZoneKind.Staff, [new(0.8f, 0.8f), new(1, 0.8f), new(1, 1), new(0.8f, 1)]);

    private static AlertRuleEvaluator With(params AlertRule[] rules)
    {
        var e = new AlertRuleEvaluator();
        e.SetRules(rules);
        e.SetZones("cam", [Back, Office]);
        return e;
    }

    private static CameraFrameState Frame(double seconds, params (int Id, string Zone, double Since, bool Identified)[] people) =>
        new("cam", T0.AddSeconds(seconds),
            [.. people.Select(p => new PersonInView(p.Id, "person-" + p.Id, new PointF(0.1f, 0.1f), p.Identified))],
            [.. people.Where(p => p.Zone.Length > 0).Select(p => new ZoneOccupant(p.Zone, p.Id, T0.AddSeconds(p.Since)))]);

    [Fact]
    public void RestrictedEntry_FiresOncePerPersonInEveryRestrictedZone_AndRespectsTheCooldown()
    {
        var e = With(new AlertRule { Id = "r", Kind = AlertRuleKind.RestrictedEntry, Level = AlertLevel.Critical, Cooldown = TimeSpan.FromMinutes(1) });
        var first = Assert.Single(e.Observe(Frame(0, (1, "back", 0, false))));
        Assert.Equal(("cam", "back", "person-1"), (first.CameraId, first.Zone, first.PersonId));
        Assert.Empty(e.Observe(Frame(1, (1, "back", 0, false))));
        Assert.Empty(e.Observe(Frame(2)));                                  // left
        Assert.Empty(e.Observe(Frame(30, (1, "back", 30, false))));         // back within the cool-down
        Assert.Empty(e.Observe(Frame(31)));
        Assert.Single(e.Observe(Frame(100, (1, "back", 100, false))));      // after it
        Assert.Empty(e.Observe(Frame(101, (2, "office", 101, false))));     // a staff zone is not restricted
    }

    [Fact]
    public void UnidentifiedInStaffZone_WaitsItsDuration_AndIgnoresIdentifiedPeople()
    {
        var e = With(new AlertRule { Id = "s", Kind = AlertRuleKind.UnidentifiedInStaffZone, Duration = TimeSpan.FromSeconds(5) });
        Assert.Empty(e.Observe(Frame(0, (1, "office", 0, false), (2, "office", 0, true))));
        Assert.Empty(e.Observe(Frame(4, (1, "office", 0, false), (2, "office", 0, true))));
        var a = Assert.Single(e.Observe(Frame(5, (1, "office", 0, false), (2, "office", 0, true))));
        Assert.Equal("person-1", a.PersonId);
        Assert.True(e.IsActive("s", "cam", "office"));
    }

    [Fact]
    public void Loitering_NeedsToStayWithinTheRadius()
    {
        var e = With(new AlertRule { Id = "l", Kind = AlertRuleKind.Loitering, Duration = TimeSpan.FromSeconds(10), Radius = 0.05 });
        CameraFrameState At(double s, float x) => new("cam", T0.AddSeconds(s), [new PersonInView(7, "person-7", new PointF(x, 0.5f), false)], []);
        Assert.Empty(e.Observe(At(0, 0.50f)));
        Assert.Empty(e.Observe(At(6, 0.60f)));   // moved 0.10: the clock starts again
        Assert.Empty(e.Observe(At(15, 0.62f)));  // 9 s near the new spot
        Assert.Single(e.Observe(At(16, 0.63f)));
    }

    [Fact]
    public void CrowdAndOccupancy_CountPeopleInTheZone()
    {
        // "back" is 4 % of the frame: 2 people there are 50 per frame area.
        var e = With(
            new AlertRule { Id = "crowd", Kind = AlertRuleKind.Crowd, Zone = "back", Threshold = 40 },
            new AlertRule { Id = "occ", Kind = AlertRuleKind.ZoneOccupancy, Zone = "back", Threshold = 2 });
        Assert.Empty(e.Observe(Frame(0, (1, "back", 0, false))));
        var fired = e.Observe(Frame(1, (1, "back", 0, false), (2, "back", 1, false)));
        Assert.Equal(["crowd"], fired.Select(f => f.Rule.Id));
        Assert.Equal(["occ"], e.Observe(Frame(2, (1, "back", 0, false), (2, "back", 1, false), (3, "back", 2, false))).Select(f => f.Rule.Id));
    }

    [Fact]
    public void Schedule_LimitsTheRuleToItsDaysAndHours()
    {
        var rule = new AlertRule
        {
            Id = "night",
            Kind = AlertRuleKind.RestrictedEntry,
            Schedule = new AlertSchedule { Days = [DayOfWeek.Monday], Windows = [new DailyTimeWindow(new TimeOnly(22, 0), new TimeOnly(6, 0))] },
        };
        var e = With(rule);
        Assert.Empty(e.Observe(Frame(0, (1, "back", 0, false))));                    // Monday 10:00
        Assert.Single(e.Observe(Frame(13 * 3600, (2, "back", 13 * 3600, false))));   // Monday 23:00
    }

    [Fact]
    public void CameraRules_FireOnSilenceAndDrops_AndClearWhenFramesFlowAgain()
    {
        var e = With(
            new AlertRule { Id = "off", Kind = AlertRuleKind.CameraOffline, Duration = TimeSpan.FromSeconds(30), Level = AlertLevel.Critical, Cooldown = TimeSpan.Zero },
            new AlertRule { Id = "drops", Kind = AlertRuleKind.FrameDrops, Threshold = 0.5, Duration = TimeSpan.FromSeconds(10) });
        Assert.Empty(e.CheckCameras(T0.AddSeconds(20), [new CameraHealth("cam", T0, 0.1)]));
        Assert.Equal(["off"], e.CheckCameras(T0.AddSeconds(30), [new CameraHealth("cam", T0, 0.1)]).Select(f => f.Rule.Id));
        Assert.Empty(e.CheckCameras(T0.AddSeconds(40), [new CameraHealth("cam", T0, 0.1)]));
        Assert.Empty(e.CheckCameras(T0.AddSeconds(41), [new CameraHealth("cam", T0.AddSeconds(41), 0.6)])); // back; drops start
        Assert.False(e.IsActive("off", "cam"));
        Assert.Equal(["drops"], e.CheckCameras(T0.AddSeconds(51), [new CameraHealth("cam", T0.AddSeconds(51), 0.6)]).Select(f => f.Rule.Id));
    }

    [Fact]
    public void InvalidRules_SayWhatIsWrong()
    {
        Assert.Empty(new AlertRule { Id = "ok", Kind = AlertRuleKind.ZoneOccupancy, Zone = "z", Threshold = 3 }.Validate());
        Assert.Contains("zone is required for this kind", new AlertRule { Id = "x", Kind = AlertRuleKind.ZoneDwell, Duration = TimeSpan.FromSeconds(1) }.Validate());
        Assert.Contains("threshold must be positive", new AlertRule { Id = "x", Kind = AlertRuleKind.ZoneOccupancy, Zone = "z" }.Validate());
        Assert.Contains("duration_seconds must be positive and at most a day", new AlertRule { Id = "x", Kind = AlertRuleKind.CameraOffline }.Validate());
        Assert.Throws<ArgumentException>(() => CameraZone.ParseJson("""{"zones":[{"name":"a","kind":"aisle","points":[[0,0],[2,0],[1,1]]}]}"""));
        Assert.Throws<ArgumentException>(() => CameraZone.ParseJson("""{"zones":[{"name":"a","kind":"lobby","points":[[0,0],[1,0],[1,1]]}]}"""));
        var zones = CameraZone.ParseJson("""{"zones":[{"name":"a","kind":"staff","points":[[0,0],[1,0],[1,1]]}]}""");
        Assert.Equal(zones.Single().Name, CameraZone.ParseJson(CameraZone.ToJson(zones)).Single().Name);
    }
}
