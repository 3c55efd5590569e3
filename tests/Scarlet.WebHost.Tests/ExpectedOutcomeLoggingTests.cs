using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Scarlet.WebHost.Tests;

/// <summary>Expected outcomes answer without filling the log: no stack trace for a 4xx or a camera that has no frame yet.</summary>
public sealed class ExpectedOutcomeLoggingTests
{
    [Fact]
    public async Task A_snapshot_of_a_camera_without_a_frame_is_503_with_retry_after_and_logs_no_error()
    {
        var capture = new LogCapture();
        using var parent = new HostFixture();
        using var factory = parent.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(capture)));
        using var admin = factory.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(admin, HostFixture.AdminUser, HostFixture.AdminPassword));
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/cameras", new { id = "idle", source = "rtsp://camera.example/stream1", start = false })).StatusCode);

        for (var i = 0; i < 20; i++)
        {
            using var res = await admin.GetAsync("/cameras/idle/snapshot");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, res.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(2), res.Headers.RetryAfter?.Delta);
            Assert.Contains("no frame yet", (await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/cameras/nope/snapshot")).StatusCode);
        }

        // Nothing at warning or above carries an exception, and no error mentions the snapshot.
        Assert.DoesNotContain(capture.Entries, e => e.Level >= LogLevel.Warning && e.Exception is not null);
        Assert.DoesNotContain(capture.Entries, e => e.Level >= LogLevel.Error && e.Line.Contains("snapshot", StringComparison.Ordinal));
    }
}
