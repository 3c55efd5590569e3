using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Playwright;

namespace Scarlet.WebHost.Tests;

/// <summary>The looping demo camera, its MJPEG stream and tracking, and the dashboard in a real browser.</summary>
[Collection("live")]
public sealed class LiveTests(LiveHostFixture host)
{
    private async Task<JsonElement> WaitForDemoFramesAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var cams = await client.GetFromJsonAsync<JsonElement>("/cameras");
            var demo = cams.EnumerateArray().Single(c => c.GetProperty("id").GetString() == "demo");
            if (demo.GetProperty("frames_processed").GetInt64() >= 3 || DateTime.UtcNow > deadline)
            {
                return demo;
            }

            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task Demo_camera_streams_mjpeg_and_tracks_people()
    {
        using var client = await host.AdminClientAsync();
        var demo = await WaitForDemoFramesAsync(client);
        Assert.Equal("running", demo.GetProperty("status").GetString());

        // The first MJPEG part is a complete JPEG.
        using var req = new HttpRequestMessage(HttpMethod.Get, "/cameras/demo/stream");
        using var res = await client.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
        Assert.StartsWith("multipart/x-mixed-replace", res.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        await using var stream = await res.Content.ReadAsStreamAsync();
        var buffer = new byte[256 * 1024];
        var total = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (total < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(total), cts.Token);
            total += n;
            var soi = buffer.AsSpan(0, total).IndexOf((ReadOnlySpan<byte>)[0xFF, 0xD8]);
            if (n == 0 || (soi >= 0 && buffer.AsSpan(soi, total - soi).IndexOf((ReadOnlySpan<byte>)[0xFF, 0xD9]) > 0))
            {
                break;
            }
        }

        Assert.Contains("Content-Type: image/jpeg", Encoding.ASCII.GetString(buffer, 0, Math.Min(total, 200)), StringComparison.OrdinalIgnoreCase);

        // Tracking: people are tracked on PETS09 (several pedestrians per frame), over the socket and the REST view.
        // A promotion screen's display key, sent as a header (non-browser clients need no ticket).
        using var socket = await host.ConnectAsync("/ws/tracking", (await host.CreateKeyAsync("screen", "display")).Key);
        var seen = 0;
        JsonElement track = default;
        for (var i = 0; i < 30 && seen == 0; i++)
        {
            var msg = await FullFlowTests.ReceiveAsync(socket, TimeSpan.FromSeconds(15));
            Assert.Equal("tracking_update", msg.GetProperty("type").GetString());
            var tracks = msg.GetProperty("payload").GetProperty("cameras").GetProperty("demo").GetProperty("tracks");
            seen = tracks.GetArrayLength();
            track = seen > 0 ? tracks[0] : default;
        }

        Assert.True(seen > 0);

        // The camera's own track id and the cross-camera person are two fields.
        Assert.True(track.GetProperty("track_id").GetInt32() > 0);
        Assert.Equal("person-" + track.GetProperty("global_id").GetInt32(), track.GetProperty("person_id").GetString());
        var tracking = await client.GetFromJsonAsync<JsonElement>("/cameras/demo/tracking");
        var objects = tracking.GetProperty("tracked_objects");
        Assert.True(objects.GetArrayLength() > 0);
        var first = objects[0];
        Assert.Equal(4, first.GetProperty("bbox").GetArrayLength());
        var person = await client.GetFromJsonAsync<JsonElement>($"/persons/{first.GetProperty("object_id").GetString()}");
        Assert.Contains("demo", person.GetProperty("cameras").EnumerateArray().Select(c => c.GetString()));

        var metrics = await client.GetStringAsync("/metrics");
        Assert.True(FullFlowTests.Value(metrics, "scarlet_pipeline_frames_total{camera=\"demo\"}") >= 3);
    }

    [Fact]
    public async Task Cameras_can_be_added_paused_and_removed()
    {
        using var admin = await host.AdminClientAsync();
        using var add = await admin.PostAsJsonAsync("/api/cameras", new { id = "second", name = "Second", source = Scarlet.Testing.TestAssets.VtestVideo, zone = "grocery", start = false });
        Assert.Equal(HttpStatusCode.Created, add.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/cameras", new { id = "second", source = Scarlet.Testing.TestAssets.VtestVideo })).StatusCode);
        var task = await (await admin.PostAsJsonAsync("/api/processing-tasks/start", new { camera_ids = new[] { "second" } })).Content.ReadFromJsonAsync<JsonElement>();
        var taskId = task.GetProperty("task_id").GetString();
        Assert.Equal("running", (await admin.GetFromJsonAsync<JsonElement>($"/api/processing-tasks/{taskId}")).GetProperty("status").GetString());
        var paused = await (await admin.PostAsync("/api/cameras/second/pause", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("paused", paused.GetProperty("status").GetString());
        var stopped = await (await admin.PostAsJsonAsync("/api/processing-tasks/stop", new { task_id = taskId })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("stopped", stopped.GetProperty("status").GetString());
        Assert.Equal("stopped", (await admin.GetFromJsonAsync<JsonElement>("/api/cameras/second")).GetProperty("status").GetString());

        // A stopped camera starts again.
        await admin.PostAsync("/api/cameras/second/start", null);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await admin.GetFromJsonAsync<JsonElement>("/api/cameras/second")).GetProperty("status").GetString() != "running")
        {
            Assert.True(DateTime.UtcNow < deadline, "camera did not restart");
            await Task.Delay(100);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/cameras/second")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/cameras/second")).StatusCode);
    }

    [Fact]
    public async Task Camera_faults_show_in_plain_words_with_their_time()
    {
        int port;
        using (var free = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            free.Start();
            port = ((System.Net.IPEndPoint)free.LocalEndpoint).Port;
        }

        // A file camera must come from a media root: a host of this test's own with a temporary root holds the junk file.
        var media = Directory.CreateTempSubdirectory("scarlet-media-").FullName;
        var junk = Path.Combine(media, "junk.avi");
        await File.WriteAllTextAsync(junk, "not a video at all");
        using var parent = new HostFixture();
        using var factory = parent.WithWebHostBuilder(b => b.UseSetting("Scarlet:Media:Roots:0", media));
        using var admin = factory.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(admin, HostFixture.AdminUser, HostFixture.AdminPassword));
        try
        {
            Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/cameras", new { id = "gone", source = $"http://127.0.0.1:{port}/stream", start = true })).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/cameras", new { id = "junk", source = junk, start = true })).StatusCode);
            async Task<JsonElement> WhenFaulted(string id, string status)
            {
                var deadline = DateTime.UtcNow.AddSeconds(5);
                while (true)
                {
                    var all = await admin.GetFromJsonAsync<JsonElement>("/cameras");
                    var camera = all.EnumerateArray().Single(c => c.GetProperty("id").GetString() == id);
                    if (camera.GetProperty("last_error").ValueKind == JsonValueKind.String && camera.GetProperty("status").GetString() == status)
                    {
                        return camera;
                    }

                    Assert.True(DateTime.UtcNow < deadline, $"{id}: not {status} with a last_error after 5 s: {camera}");
                    await Task.Delay(50);
                }
            }

            var gone = await WhenFaulted("gone", "reconnecting");
            Assert.StartsWith("connection refused", gone.GetProperty("last_error").GetString(), StringComparison.Ordinal);
            Assert.Equal("connection_refused", gone.GetProperty("last_error_kind").GetString());
            Assert.True(gone.GetProperty("last_error_at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));

            var bad = await WhenFaulted("junk", "failed");
            Assert.StartsWith("not a video", bad.GetProperty("last_error").GetString(), StringComparison.Ordinal);
            Assert.Equal("not_a_video", bad.GetProperty("last_error_kind").GetString());
        }
        finally
        {
            await admin.DeleteAsync("/api/cameras/gone");
            await admin.DeleteAsync("/api/cameras/junk");
            Directory.Delete(media, recursive: true);
        }
    }

    [Fact]
    public async Task Exports_run_as_jobs_and_download()
    {
        using var admin = await host.AdminClientAsync();
        await WaitForDemoFramesAsync(admin);
        using var start = await admin.PostAsJsonAsync("/api/export/tracking-data", new { format = "csv" });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var jobId = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString();
        using var video = await admin.PostAsJsonAsync("/api/export/video-with-overlays", new { camera_id = "demo", seconds = 2 });
        var videoId = (await video.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString();
        foreach (var (id, type) in new[] { (jobId, "text/csv"), (videoId, "video/mp4") })
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            string? status;
            do
            {
                await Task.Delay(200);
                status = (await admin.GetFromJsonAsync<JsonElement>($"/api/export/jobs/{id}/status")).GetProperty("status").GetString();
            }
            while (status == "running" && DateTime.UtcNow < deadline);
            Assert.Equal("completed", status);
            using var file = await admin.GetAsync($"/api/export/jobs/{id}/download");
            Assert.Equal(type, file.Content.Headers.ContentType!.MediaType);
            var bytes = await file.Content.ReadAsByteArrayAsync();
            Assert.True(bytes.Length > 0);
            if (id == videoId)
            {
                // A video a browser plays: H.264 in yuv420p, at the demo camera's frame size, with frames in it.
                var path = Path.Combine(Path.GetTempPath(), $"scarlet-export-test-{Guid.NewGuid():N}.mp4");
                try
                {
                    await File.WriteAllBytesAsync(path, bytes);
                    var stream = Scarlet.Testing.Ffprobe.VideoStream(path).Split(',');
                    Assert.True(stream is ["h264", "768", "576", "yuv420p", _] && int.Parse(stream[4], System.Globalization.CultureInfo.InvariantCulture) > 0, string.Join(',', stream));
                }
                finally
                {
                    File.Delete(path);
                }
            }
        }
    }
}
