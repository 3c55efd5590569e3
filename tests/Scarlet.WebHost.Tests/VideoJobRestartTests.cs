using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Storage.Sql;
using Scarlet.Retail.Storage.Sqlite;
using Scarlet.Testing;

namespace Scarlet.WebHost.Tests;

/// <summary>
/// Video jobs across a restart of the host on the same data folder (schema migration 15): a completed job keeps its
/// results and overlay video; one running or queued when the host stopped, or left "running" by a crash, is failed as
/// interrupted and its files deleted; a damaged row does not stop the host; a deleted job is gone with its files and its row.
/// </summary>
public sealed class VideoJobRestartTests
{
    private const string Interrupted = "interrupted by a host restart; upload the video again";

    [Fact]
    public async Task A_completed_job_keeps_its_results_and_overlay_after_a_restart_and_unfinished_ones_fail_as_interrupted()
    {
        var dir = Path.Combine(Path.GetTempPath(), "scarlet-webhost-videojobs-" + Guid.NewGuid().ToString("N"));
        var clip = VideoHostFixture.CutClip();
        var work = Path.Combine(dir, "videos");
        try
        {
            string done, running, queued, results;
            byte[] overlay;
            using (var first = new HostFixture { DataDirectory = dir, KeepData = true })
            {
                using var admin = await first.AdminClientAsync();
                done = await UploadAsync(admin, clip, "clip.mp4");
                Assert.Equal("completed", (await VideoUploadTests.WaitForEndAsync(admin, done)).GetProperty("status").GetString());
                results = await admin.GetStringAsync($"/api/videos/{done}/results");
                overlay = await admin.GetByteArrayAsync($"/api/videos/{done}/video");

                // The whole of vtest.avi (795 frames, a minute's work here) is still running, and one job (one at a time) waits, when the host stops.
                running = await UploadAsync(admin, TestAssets.VtestVideo, "vtest.avi");
                queued = await UploadAsync(admin, clip, "second.mp4");
                Assert.Equal("queued", (await admin.GetFromJsonAsync<JsonElement>($"/api/videos/{queued}")).GetProperty("status").GetString());
                Assert.True(Directory.Exists(Path.Combine(work, running)));
            }

            // A crash leaves a row that says running with its upload, and an upload cut off before its job had a row.
            var crashed = Guid.NewGuid().ToString("N");
            var orphan = Path.Combine(work, Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path.Combine(work, crashed));
            await File.WriteAllBytesAsync(Path.Combine(work, crashed, "input"), [1, 2, 3]);
            Directory.CreateDirectory(orphan);
            await File.WriteAllBytesAsync(Path.Combine(orphan, "input"), [1, 2, 3]);
            // And a damaged row (its probe is not JSON): the host starts all the same and leaves it for an operator.
            var damaged = Guid.NewGuid().ToString("N");
            Directory.CreateDirectory(Path.Combine(work, damaged));
            using (var db = new SqliteDatabase(Path.Combine(dir, "scarlet.db")))
            {
                var store = new SqlVideoJobStore(db);
                await store.SaveAsync(new VideoJobRecord(
                    crashed, "default", "cam", "crash.mp4", "running", 7, 30, DateTimeOffset.UtcNow, null, null,
                    """{"container":"mp4","width":768,"height":576,"fps":10,"frames":30}""", null, crashed));
                await store.SaveAsync(new VideoJobRecord(damaged, "default", "cam", "bad.mp4", "completed", 1, 1, DateTimeOffset.UtcNow, null, null, "{not json", null, damaged));
            }

            SqliteConnection.ClearAllPools();
            using (var second = new HostFixture { DataDirectory = dir, KeepData = true })
            {
                using var admin = await second.AdminClientAsync();
                var listed = await admin.GetStringAsync("/api/videos");
                Assert.DoesNotContain(dir, listed, StringComparison.Ordinal); // no server path in an answer

                var job = await admin.GetFromJsonAsync<JsonElement>($"/api/videos/{done}");
                Assert.Equal("completed", job.GetProperty("status").GetString());
                Assert.Equal(30, job.GetProperty("progress").GetProperty("frames_done").GetInt64());
                Assert.Equal(results, await admin.GetStringAsync(job.GetProperty("results_url").GetString()));
                Assert.Equal(overlay, await admin.GetByteArrayAsync(job.GetProperty("video_url").GetString()));

                foreach (var id in new[] { running, queued, crashed })
                {
                    var failed = await admin.GetFromJsonAsync<JsonElement>($"/api/videos/{id}");
                    Assert.Equal(("failed", Interrupted), (failed.GetProperty("status").GetString(), failed.GetProperty("error").GetString()));
                    Assert.NotNull(failed.GetProperty("finished_at").GetString());
                    using var noResults = await admin.GetAsync($"/api/videos/{id}/results");
                    Assert.Equal(HttpStatusCode.Conflict, noResults.StatusCode);
                    Assert.Contains("interrupted", (await noResults.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
                }

                Assert.Equal(7, (await admin.GetFromJsonAsync<JsonElement>($"/api/videos/{crashed}")).GetProperty("progress").GetProperty("frames_done").GetInt64());
                Assert.False(Directory.Exists(Path.Combine(work, crashed)), "the interrupted job's upload is deleted");
                Assert.False(File.Exists(Path.Combine(work, running, "input")), "the stopped job's upload is deleted");
                Assert.False(Directory.Exists(orphan), "a folder without a job is deleted");
                Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/videos/{damaged}")).StatusCode);
                Assert.True(Directory.Exists(Path.Combine(work, damaged)), "a damaged job's folder is kept");

                // Deleted: gone with its files, and not back after the next start.
                Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/videos/{done}")).StatusCode);
                Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/videos/{done}")).StatusCode);
                Assert.False(Directory.Exists(Path.Combine(work, done)));
            }

            SqliteConnection.ClearAllPools();
            using (var db = new SqliteDatabase(Path.Combine(dir, "scarlet.db")))
            {
                var rows = await new SqlVideoJobStore(db).ListAsync();
                Assert.DoesNotContain(rows, r => r.Id == done);
                Assert.All(rows.Where(r => r.Id != damaged), r => Assert.Equal(("failed", Interrupted), (r.State, r.Error)));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(Path.GetDirectoryName(clip)!, recursive: true);
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private static async Task<string> UploadAsync(HttpClient client, string path, string fileName)
    {
        var (status, body) = await VideoUploadTests.UploadAsync(client, await File.ReadAllBytesAsync(path), fileName);
        Assert.True(status == HttpStatusCode.Accepted, $"{status} {body}");
        return body.GetProperty("job_id").GetString()!;
    }
}
