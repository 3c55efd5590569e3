using System.Text.Json;
using Scarlet.Retail.Events;
using Scarlet.Tracking.Geometry;
using Scarlet.Vision;

namespace Scarlet.Retail.Tests.Conformance;

/// <summary>Zones per camera and alert rules: kept per organisation, replaced whole, never one organisation's in another's.</summary>
public abstract class ZoneAndAlertRuleStoreConformance : StoreConformance
{
    private static readonly CameraZone s_door = new("door", ZoneKind.Entrance, [new PointF(0, 0), new PointF(0.5f, 0), new PointF(0.5f, 0.5f)]);
    private static readonly CameraZone s_till = new("till", ZoneKind.Checkout, [new PointF(0.5f, 0.5f), new PointF(1, 0.5f), new PointF(1, 1), new PointF(0.5f, 1)]);

    private static AlertRule Rule(string id, double threshold = 3) => new()
    {
        Id = id,
        Name = "Busy till " + id,
        Kind = AlertRuleKind.ZoneOccupancy,
        Level = AlertLevel.Critical,
        CameraId = "cam-1",
        Zone = "till",
        Threshold = threshold,
        Duration = TimeSpan.FromSeconds(4),
        Cooldown = TimeSpan.FromMinutes(2),
        Schedule = new AlertSchedule { Days = [DayOfWeek.Monday], Windows = [new DailyTimeWindow(new TimeOnly(9, 0), new TimeOnly(17, 30))] },
    };

    // Records holding lists compare the lists by reference: compare what is stored, the JSON.
    private static string Json(AlertRule? rule) => JsonSerializer.Serialize(rule, ScarletJson.Options);

    [Fact]
    public async Task Zones_round_trip_per_organisation_and_camera_and_are_replaced_whole()
    {
        Assert.Empty(await S.Zones.GetAsync(OrgA, "cam-1"));
        await S.Zones.SetAsync(OrgA, "cam-1", [s_door, s_till]);
        await S.Zones.SetAsync(OrgB, "cam-1", [s_till]);
        var a = await S.Zones.GetAsync(OrgA, "cam-1");
        Assert.Equal(CameraZone.ToJson([s_door, s_till]), CameraZone.ToJson(a));
        Assert.Equal(["door", "till"], a.Select(z => z.Name));
        Assert.Equal(ZoneKind.Checkout, a[1].Kind);
        Assert.Equal(["till"], (await S.Zones.GetAsync(OrgB, "cam-1")).Select(z => z.Name));
        Assert.Empty(await S.Zones.GetAsync(OrgA, "cam-2"));

        await S.Zones.SetAsync(OrgA, "cam-1", [s_till]);
        Assert.Equal(["till"], (await S.Zones.GetAsync(OrgA, "cam-1")).Select(z => z.Name));
        Assert.Equal([(OrgA, "cam-1", 1), (OrgB, "cam-1", 1)], (await S.Zones.ListAllAsync()).Select(s => (s.OrganizationId, s.CameraId, s.Zones.Count)));

        Assert.False(await S.Zones.DeleteAsync(OrgB, "cam-2"));
        Assert.True(await S.Zones.DeleteAsync(OrgA, "cam-1"));
        Assert.Empty(await S.Zones.GetAsync(OrgA, "cam-1"));
        Assert.Single(await S.Zones.GetAsync(OrgB, "cam-1"));
    }

    [Fact]
    public async Task Alert_rules_round_trip_replace_and_delete_only_in_their_organisation()
    {
        Assert.True(await S.AlertRules.PutAsync(OrgA, Rule("r2")));
        Assert.True(await S.AlertRules.PutAsync(OrgA, Rule("r1")));
        Assert.True(await S.AlertRules.PutAsync(OrgB, Rule("rb")));
        Assert.Equal(Json(Rule("r1")), Json(await S.AlertRules.GetAsync(OrgA, "r1")));
        Assert.Equal(["r1", "r2"], (await S.AlertRules.ListAsync(OrgA)).Select(r => r.Id));
        Assert.Null(await S.AlertRules.GetAsync(OrgB, "r1"));

        // Replacing keeps one row; another organisation can neither replace nor delete it.
        Assert.True(await S.AlertRules.PutAsync(OrgA, Rule("r1", threshold: 7)));
        Assert.Equal(7, (await S.AlertRules.GetAsync(OrgA, "r1"))!.Threshold);
        Assert.False(await S.AlertRules.PutAsync(OrgB, Rule("r1", threshold: 9)));
        Assert.Equal(7, (await S.AlertRules.GetAsync(OrgA, "r1"))!.Threshold);
        Assert.False(await S.AlertRules.DeleteAsync(OrgB, "r1"));
        Assert.Equal(
            [(OrgA, "r1"), (OrgA, "r2"), (OrgB, "rb")],
            (await S.AlertRules.ListAllAsync()).Select(r => (r.OrganizationId, r.Rule.Id)));

        Assert.True(await S.AlertRules.DeleteAsync(OrgA, "r1"));
        Assert.False(await S.AlertRules.DeleteAsync(OrgA, "r1"));
        Assert.Equal(["r2"], (await S.AlertRules.ListAsync(OrgA)).Select(r => r.Id));
    }
}
