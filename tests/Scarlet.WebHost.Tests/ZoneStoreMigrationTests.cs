using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Scarlet.Testing;

namespace Scarlet.WebHost.Tests;

/// <summary>
/// Zones and alert rules live in the library's stores (the retail database): what a host before them kept in its own
/// <c>host_state</c> table is moved there once at start, and what the API sets survives a restart.
/// </summary>
public sealed class ZoneStoreMigrationTests
{
    [Fact]
    public async Task Zones_and_rules_of_the_hosts_old_table_are_moved_once_and_kept_across_a_restart()
    {
        var dir = Path.Combine(Path.GetTempPath(), "scarlet-webhost-zones-" + Guid.NewGuid().ToString("N"));
        using (var first = new HostFixture { DataDirectory = dir, KeepData = true })
        {
            // Rows as a host before the stores wrote them (ApiJson: snake_case; the zones as CameraZone.ToJson).
            Directory.CreateDirectory(dir);
            await ExecuteAsync(first.DatabasePath, """
                CREATE TABLE host_state(kind TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY(kind, id));
                INSERT INTO host_state VALUES ('camera-zones', 'old-cam', '{"camera_id":"old-cam","organization_id":"default","json":"{\"zones\":[{\"name\":\"door\",\"kind\":\"entrance\",\"points\":[[0,0],[0.5,0],[0.5,0.5]]}]}"}', 1);
                INSERT INTO host_state VALUES ('alert-rule', 'old-rule', '{"rule":{"id":"old-rule","name":"No entry","kind":"restricted_entry","zone":"door","cooldown":"00:02:00"},"organization_id":"default"}', 1);
                """);

            using var admin = await first.AdminClientAsync();
            Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/cameras", new { id = "old-cam", source = TestAssets.VtestVideo, start = false })).StatusCode);
            var zones = (await admin.GetFromJsonAsync<JsonElement>("/api/cameras/old-cam/zones")).GetProperty("zones");
            Assert.Equal(("door", "entrance"), (zones[0].GetProperty("name").GetString(), zones[0].GetProperty("kind").GetString()));
            var rule = await admin.GetFromJsonAsync<JsonElement>("/api/alert-rules/old-rule");
            Assert.Equal(("restricted_entry", 120.0), (rule.GetProperty("kind").GetString(), rule.GetProperty("cooldown_seconds").GetDouble()));
            Assert.Equal(0L, await ScalarAsync(first.DatabasePath, "SELECT COUNT(*) FROM host_state WHERE kind IN ('camera-zones', 'alert-rule')"));
            Assert.Equal(1L, await ScalarAsync(first.DatabasePath, "SELECT COUNT(*) FROM camera_zones WHERE org_id = 'default' AND camera_id = 'old-cam'"));

            using var put = await admin.PutAsync("/api/cameras/old-cam/zones", new StringContent("""{"zones":[{"name":"till","kind":"checkout","points":[[0.5,0.5],[1,0.5],[1,1]]}]}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        // The next start finds what the API set, not the moved rows again.
        using var second = new HostFixture { DataDirectory = dir };
        using var again = await second.AdminClientAsync();
        var kept = (await again.GetFromJsonAsync<JsonElement>("/api/cameras/old-cam/zones")).GetProperty("zones");
        Assert.Equal("till", Assert.Single(kept.EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal("No entry", (await again.GetFromJsonAsync<JsonElement>("/api/alert-rules/old-rule")).GetProperty("name").GetString());
    }

    private static async Task ExecuteAsync(string path, string sql)
    {
        await using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(string path, string sql)
    {
        await using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
