using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Scarlet.Testing;

namespace Scarlet.WebHost.Tests;

/// <summary>A host with the Server-Timing header on and one request at a time through the models.</summary>
public sealed class ServerTimingHostFixture : HostFixture
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Scarlet:Telemetry:ServerTiming", "true");
        builder.UseSetting("Scarlet:Inference:MaxConcurrentRequests", "1");

        // Every face refined: the photo's org has no customers, so by default its face (far from every boundary) skips the refiner.
        builder.UseSetting("Scarlet:Recognition:RefinementMargin", "2");
    }
}

public sealed class ServerTimingTests(ServerTimingHostFixture timed) : IClassFixture<ServerTimingHostFixture>
{
    private static readonly string Photo = Convert.ToBase64String(File.ReadAllBytes(Path.Combine(TestAssets.Lfw, "images", "Amelia_Vega", "Amelia_Vega_0002.jpg")));

    [Fact]
    public async Task Face_requests_report_their_stages_and_inference_is_detect_refine_embed()
    {
        using var client = await timed.KeyClientAsync("device");

        // Three at once through one slot: all answered, the later ones report their wait as queue time.
        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => client.PostAsJsonAsync("/recognize", new { face_image_b64 = Photo })));
        foreach (var res in responses)
        {
            using (res)
            {
                Assert.Equal(HttpStatusCode.OK, res.StatusCode);
                var stages = Parse(Assert.Single(res.Headers.GetValues("Server-Timing")));
                foreach (var name in new[] { "read", "queue", "decode", "detect", "refine", "align", "quality", "embed", "identify", "store", "serialise", "inference", "total" })
                {
                    Assert.True(stages.ContainsKey(name), name);
                }

                Assert.True(stages["detect"] > 0 && stages["refine"] > 0 && stages["embed"] > 0);
                Assert.Equal(stages["detect"] + stages["refine"] + stages["embed"], stages["inference"], 0.01);
                Assert.True(stages["total"] >= stages["inference"]);
            }
        }
    }

    [Fact]
    public async Task The_header_is_off_by_default()
    {
        using var host = new HostFixture();
        using var client = await host.KeyClientAsync("device");
        using var res = await client.PostAsJsonAsync("/recognize", new { face_image_b64 = Photo });
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.False(res.Headers.Contains("Server-Timing"));
    }

    private static Dictionary<string, double> Parse(string header) =>
        header.Split(',', StringSplitOptions.TrimEntries).Select(e => e.Split(";dur=")).ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
}
