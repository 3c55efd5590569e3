using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Scarlet.Retail;
using Scarlet.Retail.Events;

namespace Scarlet.WebHost.Tests;

/// <summary>
/// Visit analytics over HTTP: visits recorded through the host's own <see cref="VisitAnalytics"/> (a person on two
/// cameras, an anonymous one, the first one back after the timeout, a zone stay) in a store and zone of this test's own,
/// within the last three hours (the host's minute sweep ends visits by the wall clock); the routes' numbers, shapes, roles
/// and 400s.
/// </summary>
[Collection("host")]
public sealed class VisitAnalyticsApiTests(HostFixture host)
{
    [Fact]
    public async Task Visits_zones_and_occupancy_by_period_with_unique_returning_and_dwell()
    {
        var visits = host.Services.GetRequiredService<VisitAnalytics>();
        const string org = "default";
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (store, zone, first, second) = ("store-" + tag, "checkout-" + tag, "person-a-" + tag, "person-b-" + tag);

        // A half-hour boundary 90 to 120 minutes ago (its next step ends before now), not in the last hour of a day (the occupancy steps below are that day's).
        var now = DateTimeOffset.UtcNow;
        var t = now.AddMinutes(-90);
        t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute >= 30 ? 30 : 0, 0, TimeSpan.Zero);
        if (t.Hour == 23)
        {
            t = t.AddHours(-1);
        }

        // first: door camera, then also the aisle camera, out of both at t+3: one visit of 3 minutes; a stay in the zone.
        await visits.HandleEnteredAsync(Entered(org, store, first, "door", t));
        await visits.HandleEnteredAsync(Entered(org, store, first, "aisle", t.AddMinutes(1)));
        await visits.HandleZoneEnteredAsync(new ZoneEnteredEvent { OrganizationId = org, Timestamp = t.AddMinutes(1), Zone = zone, PersonId = first, CameraId = "aisle" });
        await visits.HandleExitedAsync(Exited(org, store, first, "door", t.AddMinutes(2)));
        await visits.HandleZoneExitedAsync(new ZoneExitedEvent { OrganizationId = org, Timestamp = t.AddMinutes(3), Zone = zone, PersonId = first, CameraId = "aisle" });
        await visits.HandleExitedAsync(Exited(org, store, first, "aisle", t.AddMinutes(3)));

        // first again 17 minutes later (a second, returning visit of 2 minutes); second from t+30 to t+34.
        await visits.HandleEnteredAsync(Entered(org, store, first, "door", t.AddMinutes(20)));
        await visits.HandleExitedAsync(Exited(org, store, first, "door", t.AddMinutes(22)));
        await visits.HandleEnteredAsync(Entered(org, store, second, "door", t.AddMinutes(30)));
        await visits.HandleExitedAsync(Exited(org, store, second, "door", t.AddMinutes(34)));

        using var admin = await host.AdminClientAsync();
        var from = Uri.EscapeDataString(t.AddHours(-1).ToString("O"));
        var to = Uri.EscapeDataString(t.AddHours(1).ToString("O"));
        var hours = await admin.GetFromJsonAsync<JsonElement>($"/api/analytics/visits?period=hour&from={from}&to={to}&store_id={store}");
        Assert.Equal("hour", hours.GetProperty("period").GetString());
        Assert.Equal(3, hours.GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("visits").GetInt32()));
        Assert.Equal(1, hours.GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("returning_visits").GetInt32()));
        var summary = hours.GetProperty("summary");
        Assert.Equal((3, 2, 1, 2), (summary.GetProperty("visits").GetInt32(), summary.GetProperty("unique_visitors").GetInt32(), summary.GetProperty("returning_visitors").GetInt32(), summary.GetProperty("new_visitors").GetInt32()));
        Assert.Equal((3 + 2 + 4) * 60 / 3.0, summary.GetProperty("average_dwell_seconds").GetDouble(), 3);
        var days = await admin.GetFromJsonAsync<JsonElement>($"/api/analytics/visits?granularity=day&from={from}&to={to}&store_id={store}");
        Assert.Equal(3, days.GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("visits").GetInt32()));

        var zones = await admin.GetFromJsonAsync<JsonElement>($"/api/analytics/visits/zones?from={from}&to={to}");
        var stay = Assert.Single(zones.GetProperty("zones").EnumerateArray(), z => z.GetProperty("zone").GetString() == zone);
        Assert.Equal((1, 1, 120.0), (stay.GetProperty("stays").GetInt32(), stay.GetProperty("visits").GetInt32(), stay.GetProperty("total_dwell_seconds").GetDouble()));

        // Per camera: grouped, the row names its camera; filtered to another camera, the zone has no stays.
        var byCamera = await admin.GetFromJsonAsync<JsonElement>($"/api/analytics/visits/zones?from={from}&to={to}&group_by=camera");
        Assert.Equal("aisle", Assert.Single(byCamera.GetProperty("zones").EnumerateArray(), z => z.GetProperty("zone").GetString() == zone).GetProperty("camera_id").GetString());
        var aisle = await admin.GetFromJsonAsync<JsonElement>($"/api/analytics/visits/zones?from={from}&to={to}&camera_id=aisle");
        Assert.Single(aisle.GetProperty("zones").EnumerateArray(), z => z.GetProperty("zone").GetString() == zone);
        var door = await admin.GetFromJsonAsync<JsonElement>($"/api/analytics/visits/zones?from={from}&to={to}&camera_id=door");
        Assert.DoesNotContain(door.GetProperty("zones").EnumerateArray(), z => z.GetProperty("zone").GetString() == zone);

        // Occupancy of the store day (UTC here) in 30-minute steps: the step at t has 3 + 2 of 30 minutes, the next 4.
        var date = t.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var occupancy = await admin.GetFromJsonAsync<JsonElement>($"/api/analytics/visits/occupancy?date={date}&interval_minutes=30&store_id={store}");
        Assert.Equal((date, 30), (occupancy.GetProperty("date").GetString(), occupancy.GetProperty("interval_minutes").GetInt32()));
        var points = occupancy.GetProperty("points").EnumerateArray().ToList();
        var k = (t.Hour * 2) + (t.Minute / 30);
        Assert.Equal(t, points[k].GetProperty("period_start").GetDateTimeOffset());
        Assert.Equal((5 / 30.0, 1), (points[k].GetProperty("average").GetDouble(), points[k].GetProperty("peak").GetInt32()));
        Assert.Equal((4 / 30.0, 1), (points[k + 1].GetProperty("average").GetDouble(), points[k + 1].GetProperty("peak").GetInt32()));
        if (k > 0)
        {
            Assert.Equal(0, points[k - 1].GetProperty("peak").GetInt32());
        }

        // Bad input is a 400 with a detail; anonymous callers are refused.
        foreach (var bad in new[] { "?period=fortnight", "/occupancy?date=06-01-2020", "/occupancy?interval_minutes=0", $"/zones?from={to}&to={from}", "/zones?group_by=shelf" })
        {
            using var r = await admin.GetAsync("/api/analytics/visits" + bad);
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.False(string.IsNullOrEmpty((await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()));
        }

        using var anonymous = host.CreateClient();
        foreach (var path in new[] { "/api/analytics/visits", "/api/analytics/visits/zones", "/api/analytics/visits/occupancy" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);
        }
    }

    private static PersonEnteredStoreEvent Entered(string org, string store, string person, string camera, DateTimeOffset at) =>
        new() { OrganizationId = org, Timestamp = at, StoreId = store, PersonId = person, CameraId = camera };

    private static PersonExitedStoreEvent Exited(string org, string store, string person, string camera, DateTimeOffset at) =>
        new() { OrganizationId = org, Timestamp = at, StoreId = store, PersonId = person, CameraId = camera };
}
