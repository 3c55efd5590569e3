using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using OpenCvSharp;
using Scarlet.Testing;
using Scarlet.Vision;

namespace Scarlet.WebHost.Tests;

/// <summary>Editing a camera (<c>PUT/PATCH /api/cameras/{id}</c>), its health, and the emergency stop, through HTTP only.</summary>
public sealed class CameraEditTests(LivePeopleHostFixture host) : IClassFixture<LivePeopleHostFixture>
{
    [Fact]
    public async Task A_camera_is_edited_restarted_with_its_health_shown_and_stopped_by_the_emergency_stop()
    {
        using var admin = await host.AdminClientAsync();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/cameras", new { id = "edit-me", name = "Front", source = TestAssets.VtestVideo, zone = "entrance", start = false })).StatusCode);
        try
        {
            // PATCH changes what it is given and keeps the rest (and the stopped state).
            var patched = await ReadAsync(await admin.PatchAsJsonAsync("/api/cameras/edit-me", new { name = "Door" }), HttpStatusCode.OK);
            Assert.Equal("Door", patched.GetProperty("name").GetString());
            Assert.Equal("entrance", patched.GetProperty("zone").GetString());
            Assert.Equal("stopped", patched.GetProperty("status").GetString());

            // Bad edits are 400 with a detail and change nothing.
            await ReadAsync(await admin.PutAsJsonAsync("/api/cameras/edit-me", new { name = "No source" }), HttpStatusCode.BadRequest);
            await ReadAsync(await admin.PatchAsJsonAsync("/api/cameras/edit-me", new { source = "ftp://example.com/cam" }), HttpStatusCode.BadRequest);
            await ReadAsync(await admin.PatchAsJsonAsync("/api/cameras/edit-me", new { source = Path.Combine(Path.GetTempPath(), "no-such-video-" + Guid.NewGuid().ToString("N") + ".avi") }), HttpStatusCode.BadRequest);
            using (var notJson = new StringContent("{", System.Text.Encoding.UTF8, "application/json"))
            {
                Assert.Equal(HttpStatusCode.BadRequest, (await admin.PatchAsync("/api/cameras/edit-me", notJson)).StatusCode);
            }

            Assert.Equal(HttpStatusCode.NotFound, (await admin.PatchAsJsonAsync("/api/cameras/nobody", new { name = "x" })).StatusCode);
            Assert.Equal("Door", (await admin.GetFromJsonAsync<JsonElement>("/api/cameras/edit-me")).GetProperty("name").GetString());

            // PUT replaces the fields and (enabled by default) runs the camera; its health fills in.
            var put = await ReadAsync(await admin.PutAsJsonAsync("/api/cameras/edit-me", new { name = "Door 2", source = TestAssets.VtestVideo, zone = "aisle" }), HttpStatusCode.OK);
            Assert.Equal("aisle", put.GetProperty("zone").GetString());
            JsonElement health;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            do
            {
                await Task.Delay(250);
                health = (await admin.GetFromJsonAsync<JsonElement>("/api/cameras/edit-me")).GetProperty("health");
            }
            while (!(health.GetProperty("state").GetString() == "running" && health.GetProperty("frames_processed").GetInt64() >= 3 && health.GetProperty("fps_in").GetDouble() > 0) && DateTime.UtcNow < deadline);

            Assert.Equal("running", health.GetProperty("state").GetString());
            Assert.True(health.GetProperty("fps_in").GetDouble() > 0);
            Assert.True(health.GetProperty("frames_captured").GetInt64() >= health.GetProperty("frames_processed").GetInt64());
            Assert.InRange(health.GetProperty("last_frame_age_seconds").GetDouble(), 0, 30);
            Assert.Equal(0, health.GetProperty("reconnects").GetInt64());
            Assert.Equal(JsonValueKind.Null, health.GetProperty("last_error").ValueKind);

            // The emergency stop is an admin's: an integration key may not, the admin stops every camera.
            using (var reader = await host.KeyClientAsync(admin, "integration"))
            {
                Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync("/api/cameras/stop-all", null)).StatusCode);
            }

            var stop = await ReadAsync(await admin.PostAsync("/api/cameras/stop-all", null), HttpStatusCode.OK);
            Assert.True(stop.GetProperty("stopped").GetInt32() >= 1);
            Assert.All(stop.GetProperty("cameras").EnumerateArray(), c => Assert.Equal("stopped", c.GetProperty("status").GetString()));
            Assert.Equal("stopped", (await admin.GetFromJsonAsync<JsonElement>("/api/cameras/edit-me")).GetProperty("health").GetProperty("state").GetString());
        }
        finally
        {
            await admin.DeleteAsync("/api/cameras/edit-me");
        }
    }

    [Fact]
    public async Task A_camera_that_drops_and_comes_back_counts_a_reconnect_and_its_last_frame_ages_while_it_is_silent()
    {
        // A real MJPEG camera on 127.0.0.1 with frames of the demo video: its first connection sends three and closes
        // (the camera drops), the next ones send three and then stay open without a frame (a silent camera).
        var frames = new List<Mat>();
        using (var capture = new VideoCapture(TestAssets.VtestVideo))
        {
            for (var i = 0; i < 3; i++)
            {
                var mat = new Mat();
                Assert.True(capture.Read(mat));
                frames.Add(mat);
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var silent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var serving = ServeMjpegAsync(listener, frames, silent, stop.Token);
        var id = "flaky-" + Guid.NewGuid().ToString("N")[..8];
        using var admin = await host.AdminClientAsync();
        try
        {
            Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/cameras", new { id, source = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/stream", start = true })).StatusCode);

            // The drop is counted once the source reopens (the server sees a second connection and goes silent).
            await silent.Task.WaitAsync(TimeSpan.FromSeconds(30));
            JsonElement health;
            var deadline = DateTime.UtcNow.AddSeconds(30);
            do
            {
                await Task.Delay(100);
                health = (await admin.GetFromJsonAsync<JsonElement>($"/api/cameras/{id}")).GetProperty("health");
            }
            while (health.GetProperty("frames_captured").GetInt64() < 6 && DateTime.UtcNow < deadline);

            Assert.Equal(1, health.GetProperty("reconnects").GetInt64());
            Assert.Equal(6, health.GetProperty("frames_captured").GetInt64());
            Assert.Equal("connection_lost", health.GetProperty("last_error").GetProperty("kind").GetString());
            var listed = (await admin.GetFromJsonAsync<JsonElement>("/api/cameras")).EnumerateArray().Single(c => c.GetProperty("id").GetString() == id);
            Assert.Equal(1, listed.GetProperty("health").GetProperty("reconnects").GetInt64());

            // No frame arrives any more: the last frame's age grows with the time waited.
            var before = health.GetProperty("last_frame_age_seconds").GetDouble();
            await Task.Delay(1500);
            var after = (await admin.GetFromJsonAsync<JsonElement>($"/api/cameras/{id}")).GetProperty("health");
            Assert.Equal(6, after.GetProperty("frames_captured").GetInt64());
            Assert.InRange(after.GetProperty("last_frame_age_seconds").GetDouble() - before, 1.4, 10);
        }
        finally
        {
            await admin.DeleteAsync($"/api/cameras/{id}");
            await stop.CancelAsync();
            listener.Stop();
            await serving;
            foreach (var f in frames)
            {
                f.Dispose();
            }
        }
    }

    private static async Task ServeMjpegAsync(TcpListener listener, List<Mat> frames, TaskCompletionSource silent, CancellationToken ct)
    {
        var connections = new List<Task>();
        try
        {
            for (var index = 0; ; index++)
            {
                var client = await listener.AcceptTcpClientAsync(ct);
                var first = index == 0;
                connections.Add(Task.Run(async () =>
                {
                    using (client)
                    {
                        try
                        {
                            var stream = client.GetStream();
                            var head = new byte[4096];
                            var read = 0;
                            while (!Encoding.ASCII.GetString(head, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
                            {
                                var n = await stream.ReadAsync(head.AsMemory(read), ct);
                                if (n == 0)
                                {
                                    return;
                                }

                                read += n;
                            }

                            var writer = new MjpegStreamWriter(stream);
                            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: {writer.ContentType}\r\nConnection: close\r\n\r\n"), ct);
                            foreach (var frame in frames)
                            {
                                await writer.WriteFrameAsync(frame, ct);
                                await Task.Delay(50, ct);
                            }

                            if (!first)
                            {
                                silent.TrySetResult();
                                await Task.Delay(Timeout.Infinite, ct);
                            }
                        }
                        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
                        {
                            // The camera was removed or the test ended.
                        }
                    }
                }, CancellationToken.None));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The test ended.
        }

        await Task.WhenAll(connections);
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage res, HttpStatusCode expected)
    {
        using (res)
        {
            var body = await res.Content.ReadAsStringAsync();
            Assert.True(res.StatusCode == expected, $"{(int)res.StatusCode}: {body}");
            var json = JsonDocument.Parse(body).RootElement.Clone();
            if (expected == HttpStatusCode.BadRequest)
            {
                Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("detail").GetString()));
            }

            return json;
        }
    }
}
