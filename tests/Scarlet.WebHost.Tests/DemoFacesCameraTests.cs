using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Scarlet.Testing;

namespace Scarlet.WebHost.Tests;

/// <summary>The host with both demo cameras on: the one built from LFW photos of enrolled demo customers.</summary>
public sealed class DemoFacesHostFixture : HostFixture
{
    protected override bool DemoEnabled => true;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Scarlet:Demo:Customers", "true");
        builder.UseSetting("Scarlet:Demo:Photos", Path.Combine(TestAssets.Lfw, "images"));
    }
}

/// <summary>The main job shows recognition: the demo faces camera identifies an enrolled demo customer on a track.</summary>
public sealed class DemoFacesCameraTests(DemoFacesHostFixture host) : IClassFixture<DemoFacesHostFixture>
{
    [Fact]
    public async Task The_demo_faces_camera_identifies_a_demo_customer_on_a_track()
    {
        using var client = await host.AdminClientAsync();
        string? name = null;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (name is null && DateTime.UtcNow < deadline)
        {
            var tracking = await client.GetFromJsonAsync<JsonElement>("/cameras/demo-faces/tracking");
            name = tracking.GetProperty("tracked_objects").EnumerateArray()
                .Select(o => o.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null)
                .FirstOrDefault(n => n is not null);
            await Task.Delay(500);
        }

        Assert.NotNull(name);
        Assert.EndsWith("(demo customer)", name, StringComparison.Ordinal);
    }
}
