using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;

namespace Scarlet.WebHost.Tests;

/// <summary>
/// The log volume of a busy host at the default levels (the shipped settings files' levels), measured on a host process's
/// console: docs/hosting.md states the bound this test keeps.
/// </summary>
public sealed class LogVolumeTests(ITestOutputHelper output)
{
    /// <summary>The stated bound (docs/hosting.md, "Logs").</summary>
    private const double MaxBytesPerRequest = 20;

    [Theory]
    [InlineData("appsettings.json")]
    [InlineData("appsettings.Production.json")]
    public void The_shipped_settings_files_carry_the_levels_set_in_code(string file)
    {
        // The files are what a new user reads and edits; the code's defaults are what a host without them runs with.
        // They must not drift apart (JSON with comments, as the configuration reader takes it).
        var config = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Scarlet.Testing.TestAssets.RepoRoot, "samples", "Scarlet.WebHost", file), optional: false)
            .Build();
        foreach (var (key, value) in HostSetup.HostDefaults.Where(d => d.Key.StartsWith("Logging:", StringComparison.Ordinal)))
        {
            Assert.Equal(value, config[key]);
        }

        Assert.Equal("Information", config["Logging:LogLevel:Default"]);
    }

    [Fact]
    public async Task A_busy_host_writes_under_20_bytes_per_request_at_the_default_levels()
    {
        using var host = await HostProcess.StartAsync();
        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var photo = Photos.Base64(Photos.Lfw("Amelia_Vega", 1));
        (await http.PostAsJsonAsync("/register", new { name = "Log Volume", face_image_b64 = Photos.Base64(Photos.Lfw("Amelia_Vega", 0)) })).EnsureSuccessStatusCode();
        await Task.Delay(500);
        var before = host.OutputBytes;

        // What a busy store sends, good and bad: look-ups, frames, reads, refusals, unknown routes, a camera without a frame.
        const int Rounds = 25;
        for (var i = 0; i < Rounds; i++)
        {
            (await http.PostAsJsonAsync("/recognize", new { face_image_b64 = photo })).Dispose();
            (await http.PostAsJsonAsync("/process-frame", new { frame_b64 = photo, camera_id = "till-1" })).Dispose();
            (await http.PostAsJsonAsync("/recognize", new { face_image_b64 = "not base64!" })).Dispose();
            (await http.GetAsync("/health")).Dispose();
            (await http.GetAsync("/metrics")).Dispose();
            (await http.GetAsync("/no-such-route")).Dispose();
            (await http.GetAsync("/api/customers")).Dispose(); // 401
        }

        await Task.Delay(1000);
        var bytes = host.OutputBytes - before;
        var perRequest = bytes / (double)(Rounds * 7);
        output.WriteLine($"{bytes} bytes of log for {Rounds * 7} requests: {perRequest:F1} bytes per request");
        output.WriteLine(host.Output[^Math.Min(host.Output.Length, 3000)..]);
        Assert.True(perRequest < MaxBytesPerRequest, $"{perRequest:F1} bytes per request; the bound is {MaxBytesPerRequest}");
    }
}
