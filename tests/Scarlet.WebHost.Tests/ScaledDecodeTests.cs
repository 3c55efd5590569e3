using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Scarlet.Testing;

namespace Scarlet.WebHost.Tests;

/// <summary>A host that decodes every JPEG over 0.3 Mpx at reduced scale.</summary>
public sealed class ScaledDecodeHostFixture : HostFixture
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Scarlet:Images:MaxFullScaleJpegPixels", "300000");
        builder.UseSetting("Scarlet:Security:OpenSeedEndpoints", "true");
    }
}

public sealed class ScaledDecodeTests(ScaledDecodeHostFixture scaled) : IClassFixture<ScaledDecodeHostFixture>
{
    [Fact]
    public async Task Boxes_of_a_jpeg_decoded_at_half_scale_are_in_the_photos_pixels()
    {
        var photo = Convert.ToBase64String(File.ReadAllBytes(TestAssets.Data("images/ultralytics/zidane.jpg"))); // 1280x720
        using var full = new HostFixture();
        using var fullClient = await full.KeyClientAsync("device");
        using var scaledClient = scaled.CreateClient();

        var reference = await BoxesAsync(fullClient, photo);
        var halved = await BoxesAsync(scaledClient, photo);
        Assert.NotEmpty(reference);
        Assert.Equal(reference.Count, halved.Count);
        for (var i = 0; i < reference.Count; i++)
        {
            // The same face: corners within a few pixels of the full-scale ones (one decoded pixel is two source pixels).
            for (var k = 0; k < 4; k++)
            {
                Assert.InRange(halved[i][k], reference[i][k] - 12, reference[i][k] + 12);
            }
        }

        // Far right of the 640-pixel decoded width: the box was mapped back.
        Assert.Contains(halved, b => b[2] > 640);
    }

    private static async Task<List<float[]>> BoxesAsync(HttpClient client, string photo)
    {
        using var res = await client.PostAsJsonAsync("/process-frame", new { frame_b64 = photo, camera_id = "scaled" });
        res.EnsureSuccessStatusCode();
        var body = await res.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("detections").EnumerateArray()
            .Select(d => d.GetProperty("bbox").EnumerateArray().Select(v => v.GetSingle()).ToArray())
            .OrderBy(b => b[0])
            .ToList();
    }
}
