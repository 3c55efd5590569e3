using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scarlet.Tracking.Identity;

namespace Scarlet.WebHost.Tests;

/// <summary>A host whose presence window outlasts a slow test machine (the default is 2 s).</summary>
public sealed class LivePeopleHostFixture : HostFixture
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Scarlet:People:PresenceWindow", "00:10:00");
    }
}

/// <summary>The one live person registry (the library's <see cref="IdentityTracker"/>) behind every API that lists people present.</summary>
public sealed class LivePeopleTests(LivePeopleHostFixture host) : IClassFixture<LivePeopleHostFixture>
{
    [Fact]
    public async Task People_present_are_one_count_the_registry_the_list_and_the_dashboard_agree_on()
    {
        using var admin = await host.AdminClientAsync();
        using var device = await host.KeyClientAsync(admin, "device");
        var at = DateTimeOffset.UtcNow;
        using var posted = await device.PostAsJsonAsync("/track", new
        {
            camera_id = "till-cam",
            timestamp = at,
            objects = new object[]
            {
                new { object_id = "till-1", bbox = new[] { 10f, 20f, 50f, 120f } },
                new { object_id = "till-2", bbox = new[] { 60f, 20f, 100f, 120f } },
                new { person_id = "till-3", bbox = new[] { 110f, 20f, 150f, 120f } },
            },
        });
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);

        var registry = host.Services.GetRequiredService<IdentityTracker>();
        var inRegistry = registry.Present(DateTimeOffset.UtcNow).Count(p => p.LastPosition.CameraId == "till-cam");
        var listed = await admin.GetFromJsonAsync<JsonElement>("/api/analytics/active-persons");
        var present = listed.GetProperty("present").EnumerateArray().ToList();
        var stats = await admin.GetFromJsonAsync<JsonElement>("/admin/dashboard/stats");
        Assert.Equal(3, inRegistry);
        Assert.Equal(inRegistry, present.Count);
        Assert.Equal(inRegistry, listed.GetProperty("active_persons").GetInt32());
        Assert.Equal(inRegistry, stats.GetProperty("people_present").GetInt32());
        Assert.Equal(["till-1", "till-2", "till-3"], present.Select(p => p.GetProperty("person_id").GetString()).Order(StringComparer.Ordinal));
        Assert.All(present, p => Assert.Equal("till-cam", p.GetProperty("camera_id").GetString()));

        // The seed's person view reads the same registry: the foot point of the box.
        var person = await admin.GetFromJsonAsync<JsonElement>("/persons/till-1");
        Assert.Equal(["till-cam"], person.GetProperty("cameras").EnumerateArray().Select(c => c.GetString()));
        var position = person.GetProperty("positions")[0].GetProperty("position");
        Assert.Equal(30, position.GetProperty("x").GetSingle());
        Assert.Equal(120, position.GetProperty("y").GetSingle());

        // The registry is pruned by the library's hosted service, not only in tests.
        Assert.Contains(host.Services.GetServices<IHostedService>(), s => s.GetType().Name == "IdentityTrackerPruner");
    }
}
