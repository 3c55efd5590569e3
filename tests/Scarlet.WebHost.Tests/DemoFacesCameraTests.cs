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

        // Both demo customers are enrolled (the README promises Tony and Silvio).
        var customers = (await client.GetFromJsonAsync<JsonElement>("/api/customers?limit=1000")).GetProperty("items").EnumerateArray()
            .Select(c => c.GetProperty("name").GetString() ?? string.Empty).Where(n => n.EndsWith("(demo customer)", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(new List<string> { "Silvio (demo customer)", "Tony (demo customer)" }, customers);
    }

    [Fact]
    public async Task The_demo_faces_clip_shows_its_people_on_an_empty_street()
    {
        // Built at start; over the moving street clip every loop brought that clip's walkers back as new visitors.
        using var client = await host.AdminClientAsync();
        var clip = Path.Combine(host.DataDirectory, "demo-faces");
        using var detector = new Scarlet.Vision.YoloxPersonDetector(TestAssets.YoloxNano);
        var gapFrames = new[] { 62, 80, 98, 160, 178, 196, 260, 278, 296 }; // the empty gaps after each person
        var walkers = 0;
        foreach (var f in gapFrames)
        {
            using var frame = OpenCvSharp.Cv2.ImRead(Path.Combine(clip, $"{f:D5}.jpg"));
            Assert.False(frame.Empty(), $"frame {f} of the demo faces clip");
            walkers += detector.Detect(frame).Count(d => d.Score >= 0.5f);
        }

        Assert.Equal(0, walkers);

        // A frame with a person shown holds that person (the pasted photo) and nobody else.
        using var shown = OpenCvSharp.Cv2.ImRead(Path.Combine(clip, "00030.jpg"));
        Assert.InRange(detector.Detect(shown).Count(d => d.Score >= 0.5f), 0, 1);
    }
}
