using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scarlet.Testing;

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
