using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Scarlet.WebHost.Tests;

/// <summary>API keys: created by an admin, the secret shown once, stored as a hash, listed without it, revocable.</summary>
[Collection("host")]
public sealed class ApiKeyTests(HostFixture host)
{
    [Fact]
    public async Task A_key_is_shown_once_listed_without_its_secret_and_its_use_is_recorded()
    {
        using var admin = await host.AdminClientAsync();
        using var created = await admin.PostAsJsonAsync("/api/keys", new { name = "till 3", scopes = new[] { "device" }, expires_at = DateTimeOffset.UtcNow.AddDays(30) });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetString()!;
        var key = body.GetProperty("key").GetString()!;
        Assert.True(key.Length >= 40, key.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal($"/api/keys/{id}", created.Headers.Location?.OriginalString);

        var listed = await ListedAsync(admin, id);
        var raw = listed.GetRawText();
        Assert.DoesNotContain(key, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(key[4..20], raw, StringComparison.Ordinal);
        Assert.False(listed.TryGetProperty("key", out _));
        Assert.False(listed.TryGetProperty("key_hash", out _));
        Assert.Equal("till 3", listed.GetProperty("name").GetString());
        Assert.Equal(["device"], listed.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("last_used_at").ValueKind);

        // The store holds no secret either: only its hash (the file and its write-ahead log).
        foreach (var file in new[] { host.DatabasePath, host.DatabasePath + "-wal" }.Where(File.Exists))
        {
            Assert.DoesNotContain(key, await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        }

        using var machine = host.CreateClient();
        machine.DefaultRequestHeaders.Add("X-Api-Key", key);
        Assert.Equal(HttpStatusCode.OK, (await machine.GetAsync("/health")).StatusCode);
        Assert.NotEqual(JsonValueKind.Null, (await ListedAsync(admin, id)).GetProperty("last_used_at").ValueKind);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/keys/{id}")).StatusCode);
        Assert.True((await ListedAsync(admin, id)).GetProperty("revoked").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync("/api/keys/no-such-key")).StatusCode);
    }

    [Theory]
    [InlineData("""{"scopes":["device"]}""")]
    [InlineData("""{"name":"x","scopes":[]}""")]
    [InlineData("""{"name":"x","scopes":["root"]}""")]
    [InlineData("""{"name":"x","scopes":["device"],"expires_at":"2001-01-01T00:00:00Z"}""")]
    public async Task Bad_key_requests_are_400(string json)
    {
        using var admin = await host.AdminClientAsync();
        using var res = await admin.PostAsync("/api/keys", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
    }

    [Fact]
    public async Task Keys_are_admin_only()
    {
        using var anon = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync("/api/keys")).StatusCode);
        using var device = await host.KeyClientAsync("device", "display", "integration");
        Assert.Equal(HttpStatusCode.Forbidden, (await device.GetAsync("/api/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await device.PostAsJsonAsync("/api/keys", new { name = "mine", scopes = new[] { "device" } })).StatusCode);
    }

    internal static async Task<JsonElement> ListedAsync(HttpClient admin, string id)
    {
        var list = await admin.GetFromJsonAsync<JsonElement>("/api/keys");
        return list.EnumerateArray().Single(k => k.GetProperty("id").GetString() == id);
    }
}

/// <summary>Keys live in the host's SQLite store: a restarted host knows them.</summary>
public sealed class ApiKeyRestartTests
{
    [Fact]
    public async Task Keys_survive_a_restart()
    {
        var dir = Path.Combine(Path.GetTempPath(), "scarlet-webhost-restart-" + Guid.NewGuid().ToString("N"));
        string id;
        string key;
        using (var first = new HostFixture { DataDirectory = dir, KeepData = true })
        {
            (id, key) = await first.CreateKeyAsync("camera 7", "device");
        }

        using var second = new HostFixture { DataDirectory = dir };
        using var admin = await second.AdminClientAsync();
        var listed = await ApiKeyTests.ListedAsync(admin, id);
        Assert.Equal("camera 7", listed.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("last_used_at").ValueKind);

        using var machine = second.CreateClient();
        machine.DefaultRequestHeaders.Add("X-Api-Key", key);
        Assert.Equal(HttpStatusCode.OK, (await machine.GetAsync("/health")).StatusCode);
        Assert.NotEqual(JsonValueKind.Null, (await ApiKeyTests.ListedAsync(admin, id)).GetProperty("last_used_at").ValueKind);
    }
}
