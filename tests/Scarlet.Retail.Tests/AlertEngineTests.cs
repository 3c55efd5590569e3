using Scarlet.Retail.Events;
using Scarlet.Retail.Tests.Support;

namespace Scarlet.Retail.Tests;

public sealed class AlertEngineTests
{
    private static readonly DateTimeOffset T = RetailHarness.Start; // 09:00 UTC

    private static RetailHarness Harness() => new(o =>
    {
        o.ZoneRules.Add(new ZoneRule { Zone = "checkout", MaxDwell = TimeSpan.FromMinutes(10), MaxOccupancy = 2 });
        var stock = new ZoneRule { Zone = "stockroom" };
        stock.ClosedWindows.Add(new DailyTimeWindow(new TimeOnly(8, 0), new TimeOnly(10, 0)));
        o.ZoneRules.Add(stock);
        o.ZoneRules.Add(new ZoneRule { Zone = "vault", IsClosed = true, ClosedLevel = AlertLevel.Warning });
    });

    private static ZoneEnteredEvent In(string org, string zone, string person, DateTimeOffset? at = null) => new() { OrganizationId = org, Timestamp = at ?? T, Zone = zone, PersonId = person };

    [Fact]
    public async Task Dwell_over_the_limit_raises_a_warning_in_virtual_time_unless_the_person_left()
    {
        await using var h = Harness();
        var org = await h.OrgAsync();
        await h.Alerts.HandleEnteredAsync(In(org, "checkout", "stayer"));
        await h.Alerts.HandleEnteredAsync(In(org, "checkout", "leaver"));
        h.Scheduler.AdvanceBy(TimeSpan.FromMinutes(5));
        h.Alerts.HandleExited(new ZoneExitedEvent { OrganizationId = org, Timestamp = T.AddMinutes(5), Zone = "checkout", PersonId = "leaver" });
        var raised = h.NextAsync<AlertRaisedEvent>();
        h.Scheduler.AdvanceBy(TimeSpan.FromMinutes(4));
        Assert.False(raised.IsCompleted);
        h.Scheduler.AdvanceBy(TimeSpan.FromMinutes(1));
        var alert = (await raised).Alert;
        Assert.Equal((AlertKind.DwellExceeded, AlertLevel.Warning, "stayer"), (alert.Kind, alert.Level, alert.PersonId));
        h.Scheduler.AdvanceBy(TimeSpan.FromHours(1));
        SpinWait.SpinUntil(() => h.Alerts.CountActiveAsync(org).Result == 1, 2000);
        Assert.Single(await h.Alerts.ListAsync(org));
    }

    [Fact]
    public async Task Occupancy_over_the_limit_raises_once_per_crossing()
    {
        await using var h = Harness();
        var org = await h.OrgAsync();
        Assert.Empty(await h.Alerts.HandleEnteredAsync(In(org, "checkout", "a")));
        Assert.Empty(await h.Alerts.HandleEnteredAsync(In(org, "checkout", "b")));
        var over = Assert.Single(await h.Alerts.HandleEnteredAsync(In(org, "checkout", "c")));
        Assert.Equal(AlertKind.OccupancyExceeded, over.Kind);
        Assert.Empty(await h.Alerts.HandleEnteredAsync(In(org, "checkout", "d")));
        Assert.Equal(4, h.Alerts.GetOccupancy(org, "checkout"));
        h.Alerts.HandleExited(new ZoneExitedEvent { OrganizationId = org, Timestamp = T, Zone = "checkout", PersonId = "d" });
        h.Alerts.HandleExited(new ZoneExitedEvent { OrganizationId = org, Timestamp = T, Zone = "checkout", PersonId = "c" });
        Assert.Single(await h.Alerts.HandleEnteredAsync(In(org, "checkout", "e")));

        // Another organisation's zone of the same name is counted apart.
        var other = await h.OrgAsync("org-b");
        Assert.Empty(await h.Alerts.HandleEnteredAsync(In(other, "checkout", "a")));
        Assert.Equal(1, h.Alerts.GetOccupancy(other, "checkout"));
    }

    [Fact]
    public async Task Presence_in_a_closed_zone_raises_at_the_rule_level_and_an_admin_acknowledges_it()
    {
        await using var h = Harness();
        var org = await h.OrgAsync();
        var closed = Assert.Single(await h.Alerts.HandleEnteredAsync(In(org, "stockroom", "p1")));
        Assert.Equal((AlertKind.ClosedZonePresence, AlertLevel.Critical), (closed.Kind, closed.Level));
        Assert.Empty(await h.Alerts.HandleEnteredAsync(In(org, "stockroom", "p2", T.AddHours(2)))); // 11:00: open
        Assert.Equal(AlertLevel.Warning, Assert.Single(await h.Alerts.HandleEnteredAsync(In(org, "vault", "p3"))).Level);
        Assert.Empty(await h.Alerts.HandleEnteredAsync(In(org, "no-rules", "p4")));
        Assert.Equal(2, await h.Alerts.CountActiveAsync(org));

        var acked = h.NextAsync<AlertAcknowledgedEvent>();
        h.Time.Advance(TimeSpan.FromMinutes(3));
        var a = await h.Alerts.AcknowledgeAsync(org, closed.Id, "admin");
        Assert.Equal(("admin", T.AddMinutes(3)), (a.AcknowledgedBy, a.AcknowledgedAt));
        Assert.Equal(closed.Id, (await acked).Alert.Id);
        Assert.Equal(1, await h.Alerts.CountActiveAsync(org));
        var other = await h.OrgAsync("org-b");
        await Assert.ThrowsAsync<RetailNotFoundException>(() => h.Alerts.AcknowledgeAsync(other, closed.Id, "admin"));
    }
}
