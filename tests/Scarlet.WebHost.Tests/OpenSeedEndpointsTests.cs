using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Scarlet.WebHost.Tests;

/// <summary><c>Scarlet:Security:OpenSeedEndpoints=true</c> gives a lab the seed's anonymous access, loudly, and nothing more.</summary>
public sealed class OpenSeedEndpointsTests
{
    [Fact]
    public async Task The_lab_switch_opens_the_seed_endpoints_warns_and_says_so_on_health()
    {
        var capture = new LogCapture();
        using var parent = new HostFixture();
        using var factory = parent.WithWebHostBuilder(b =>
        {
            b.UseSetting("Scarlet:Security:OpenSeedEndpoints", "true");
            b.ConfigureLogging(l => l.AddProvider(capture));
        });
        using var anon = factory.CreateClient();

        var health = await anon.GetFromJsonAsync<JsonElement>("/health");
        Assert.True(health.GetProperty("open_endpoints").GetBoolean());
        Assert.Contains(capture.Entries, e => e.Level >= LogLevel.Warning && e.Message.Contains("OpenSeedEndpoints", StringComparison.Ordinal));

        // The seed's open endpoints answer anonymous callers again (their own answers: 200, 400 or 404).
        using (var reg = await anon.PostAsJsonAsync("/register", new { name = "Lab Person", face_image_b64 = Photos.Base64(Photos.Lfw("Colin_Powell", 0)) }))
        {
            Assert.Equal(HttpStatusCode.OK, reg.StatusCode);
        }

        var rec = await (await anon.PostAsJsonAsync("/recognize", new { face_image_b64 = Photos.Base64(Photos.Lfw("Colin_Powell", 1)) })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Lab Person", Assert.Single(rec.GetProperty("tracked_objects").EnumerateArray()).GetProperty("name").GetString());
        foreach (var path in new[] { "/customer/nobody", "/promotions/nobody", "/persons/nobody", "/cameras", "/logs", "/alerts/count", "/users/nobody/face" })
        {
            Assert.True((await anon.GetAsync(path)).StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, path);
        }

        // What the seed protected stays protected.
        foreach (var path in new[] { "/api/customers", "/api/keys", "/admin/users", "/api/detections" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync(path)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.PostAsJsonAsync("/auto-register", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.PostAsJsonAsync("/track", new { })).StatusCode);
    }

    [Fact]
    public async Task By_default_health_does_not_mention_open_endpoints_and_registration_needs_a_principal()
    {
        using var host = new HostFixture();
        using var anon = host.CreateClient();
        Assert.False((await anon.GetFromJsonAsync<JsonElement>("/health")).TryGetProperty("open_endpoints", out _));
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.PostAsJsonAsync("/register", new { name = "x" })).StatusCode);
    }
}
