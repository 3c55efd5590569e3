using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Scarlet.Testing;

namespace Scarlet.WebHost.Tests;

/// <summary>What the API adds at run time survives a restart of the host; finished exports do not outlive their retention.</summary>
public sealed class DurableStateTests
{
    [Fact]
    public async Task Webhooks_runtime_cameras_processing_tasks_and_export_jobs_survive_a_restart()
    {
        var dir = Path.Combine(Path.GetTempPath(), "scarlet-webhost-durable-" + Guid.NewGuid().ToString("N"));
        string hookId, taskId, jobId, bKey;
        byte[] exported;
        using (var first = new HostFixture { DataDirectory = dir, KeepData = true })
        {
            using var admin = await first.AdminClientAsync();
            using (var hook = await admin.PostAsJsonAsync("/api/webhooks", new { url = "https://93.184.215.14/hook", secret = "durable-secret-0123456789", topics = new[] { "action-events" } }))
            {
                Assert.Equal(HttpStatusCode.Created, hook.StatusCode);
                hookId = (await hook.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            }

            using (var cam = await admin.PostAsJsonAsync("/api/cameras", new { id = "durable-cam", name = "Back door", source = TestAssets.VtestVideo, zone = "back", start = false }))
            {
                Assert.Equal(HttpStatusCode.Created, cam.StatusCode);
            }

            using (var task = await admin.PostAsJsonAsync("/api/processing-tasks/start", new { camera_ids = new[] { "durable-cam" } }))
            {
                Assert.Equal(HttpStatusCode.OK, task.StatusCode);
                taskId = (await task.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetString()!;
            }

            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync("/api/processing-tasks/stop", new { task_id = taskId })).StatusCode);
            jobId = await ExportAsync(admin);
            exported = await admin.GetByteArrayAsync($"/api/export/jobs/{jobId}/download");

            // Another organisation's camera and key: they stay that organisation's after the restart.
            using var org = await admin.PostAsJsonAsync("/api/organizations", new { id = "durable-b", admin = new { username = "durable-b-admin", password = "durable-b-password" } });
            Assert.Equal(HttpStatusCode.Created, org.StatusCode);
            using var b = first.CreateClient();
            b.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(b, "durable-b-admin", "durable-b-password"));
            Assert.Equal(HttpStatusCode.Created, (await b.PostAsJsonAsync("/api/cameras", new { id = "durable-b-cam", source = TestAssets.VtestVideo, start = false })).StatusCode);
            bKey = (await HostFixture.CreateKeyAsync(b, "b till", "device")).Key;
        }

        using (var second = new HostFixture { DataDirectory = dir, KeepData = true })
        {
            using var again = await second.AdminClientAsync();
            var hooks = await again.GetStringAsync("/api/webhooks");
            var listed = Assert.Single(JsonDocument.Parse(hooks).RootElement.EnumerateArray(), h => h.GetProperty("id").GetString() == hookId);
            Assert.Equal("https://93.184.215.14/hook", listed.GetProperty("url").GetString());
            Assert.Equal(["action-events"], listed.GetProperty("topics").EnumerateArray().Select(t => t.GetString()));
            Assert.DoesNotContain("durable-secret", hooks, StringComparison.Ordinal);

            var camera = await again.GetFromJsonAsync<JsonElement>("/api/cameras/durable-cam");
            Assert.Equal("Back door", camera.GetProperty("name").GetString());

            var task = await again.GetFromJsonAsync<JsonElement>($"/api/processing-tasks/{taskId}");
            Assert.Equal("stopped", task.GetProperty("status").GetString());
            Assert.Equal(["durable-cam"], task.GetProperty("camera_ids").EnumerateArray().Select(c => c.GetString()));

            var job = await again.GetFromJsonAsync<JsonElement>($"/api/export/jobs/{jobId}/status");
            Assert.Equal("completed", job.GetProperty("status").GetString());
            Assert.Equal(exported, await again.GetByteArrayAsync($"/api/export/jobs/{jobId}/download"));

            using var b = second.CreateClient();
            b.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(b, "durable-b-admin", "durable-b-password"));
            Assert.Equal(HttpStatusCode.OK, (await b.GetAsync("/api/cameras/durable-b-cam")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await again.GetAsync("/api/cameras/durable-b-cam")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync("/api/cameras/durable-cam")).StatusCode);
            using var bTill = second.CreateClient();
            bTill.DefaultRequestHeaders.Add("X-Api-Key", bKey);
            Assert.Equal(HttpStatusCode.OK, (await bTill.PostAsJsonAsync("/recognize", new { face_image_b64 = Photos.Base64(Photos.Lfw("Colin_Powell", 0)) })).StatusCode);
            Assert.Single((await b.GetFromJsonAsync<JsonElement>("/api/keys")).EnumerateArray());
            Assert.DoesNotContain("b till", await again.GetStringAsync("/api/keys"), StringComparison.Ordinal);

            // A removed webhook and camera stay removed (checked by a third host on the same data).
            Assert.Equal(HttpStatusCode.NoContent, (await again.DeleteAsync($"/api/webhooks/{hookId}")).StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await again.DeleteAsync("/api/cameras/durable-cam")).StatusCode);
        }

        using var third = new HostFixture { DataDirectory = dir };
        using var last = await third.AdminClientAsync();
        Assert.DoesNotContain(hookId, await last.GetStringAsync("/api/webhooks"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await last.GetAsync("/api/cameras/durable-cam")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await last.GetAsync($"/api/processing-tasks/{taskId}")).StatusCode);
    }

    [Fact]
    public async Task A_finished_export_and_its_file_are_deleted_after_the_retention_period()
    {
        using var host = new ShortRetentionHost();
        using var admin = await host.AdminClientAsync();
        var jobId = await ExportAsync(admin);
        var file = Path.Combine(host.DataDirectory, "exports", jobId);
        Assert.True(File.Exists(file));

        // Retention 0.001 h is 3.6 s; the sweep runs every second.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (File.Exists(file) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.False(File.Exists(file));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/export/jobs/{jobId}/status")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/export/jobs/{jobId}/download")).StatusCode);
    }

    private static async Task<string> ExportAsync(HttpClient admin)
    {
        using var started = await admin.PostAsJsonAsync("/api/export/tracking-data", new { format = "csv" });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string? status;
        do
        {
            await Task.Delay(100);
            status = (await admin.GetFromJsonAsync<JsonElement>($"/api/export/jobs/{id}/status")).GetProperty("status").GetString();
        }
        while (status == "running" && DateTime.UtcNow < deadline);
        Assert.Equal("completed", status);
        return id;
    }

    private sealed class ShortRetentionHost : HostFixture
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Scarlet:Exports:RetentionHours", "0.001");
        }
    }
}
