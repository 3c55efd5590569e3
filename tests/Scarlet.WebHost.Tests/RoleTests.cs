using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost.Tests;

/// <summary>Admin users carry a role in their token; admin-only endpoints refuse the other roles with 403.</summary>
[Collection("host")]
public sealed class RoleTests(HostFixture host)
{
    [Fact]
    public async Task The_bootstrap_admin_is_superadmin_of_the_default_organisation_and_new_users_default_to_viewer()
    {
        using var admin = await host.AdminClientAsync();
        var me = await admin.GetFromJsonAsync<JsonElement>("/admin/me");
        Assert.Equal("superadmin", me.GetProperty("role").GetString());
        Assert.Equal("default", me.GetProperty("organization_id").GetString());

        using (var created = await admin.PostAsJsonAsync("/admin/users", new { username = "vic-viewer", password = "viewer-password-123" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("viewer", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("role").GetString());
        }

        using (var bad = await admin.PostAsJsonAsync("/admin/users", new { username = "root2", password = "viewer-password-123", role = "superuser" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        using var viewer = host.CreateClient();
        viewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(viewer, "vic-viewer", "viewer-password-123"));
        using var forbidden = await viewer.GetAsync("/admin/users");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.False(string.IsNullOrEmpty((await forbidden.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()));
        Assert.Equal("viewer", (await viewer.GetFromJsonAsync<JsonElement>("/admin/me")).GetProperty("role").GetString());

        // Deleting the user ends the session at once, not when the token expires.
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync("/admin/users/vic-viewer")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await viewer.GetAsync("/admin/me")).StatusCode);
    }
}

/// <summary>
/// A database from before roles and organisations: its admin users become role <c>admin</c> of the default organisation
/// and still log in; the configured bootstrap admin becomes superadmin.
/// </summary>
public sealed class RoleMigrationTests
{
    [Fact]
    public async Task Existing_admin_rows_get_the_admin_role_and_the_default_organisation()
    {
        using var parent = new HostFixture();
        Directory.CreateDirectory(Path.GetDirectoryName(parent.DatabasePath)!);
        await using (var c = new SqliteConnection($"Data Source={parent.DatabasePath};Pooling=False"))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE host_admin_users(
                    username TEXT PRIMARY KEY COLLATE NOCASE, password_hash TEXT NOT NULL, full_name TEXT NOT NULL,
                    email TEXT NOT NULL, is_active INTEGER NOT NULL, created_at INTEGER NOT NULL);
                INSERT INTO host_admin_users VALUES ('old-admin', $h, 'Old Admin', 'old@example.com', 1, 0);
                INSERT INTO host_admin_users VALUES ($boot, $bh, 'Bootstrap', '', 1, 0);
                """;
            cmd.Parameters.AddWithValue("$h", LegacyHash("old-admin-password-1"));
            cmd.Parameters.AddWithValue("$boot", HostFixture.AdminUser);
            cmd.Parameters.AddWithValue("$bh", LegacyHash(HostFixture.AdminPassword));
            await cmd.ExecuteNonQueryAsync();
        }

        using var client = parent.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(client, "old-admin", "old-admin-password-1"));
        var users = (await client.GetFromJsonAsync<JsonElement>("/admin/users")).EnumerateArray().ToDictionary(u => u.GetProperty("username").GetString()!);
        Assert.Equal(2, users.Count);
        Assert.Equal("admin", users["old-admin"].GetProperty("role").GetString());
        Assert.Equal("superadmin", users[HostFixture.AdminUser].GetProperty("role").GetString());
        Assert.All(users.Values, u => Assert.Equal("default", u.GetProperty("organization_id").GetString()));

        // The hash of that day verified once and was rewritten in ASP.NET Core Identity's format; it still logs in.
        await using (var c = new SqliteConnection($"Data Source={parent.DatabasePath};Pooling=False"))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT password_hash FROM admin_users WHERE username = 'old-admin'";
            var upgraded = (string)(await cmd.ExecuteScalarAsync())!;
            Assert.False(upgraded.StartsWith("pbkdf2-sha256$", StringComparison.Ordinal), upgraded);
            Assert.Equal(1, Convert.FromBase64String(upgraded)[0]); // Identity's format marker V3
        }

        using var again = parent.CreateClient();
        Assert.False(string.IsNullOrEmpty(await HostFixture.LoginAsync(again, "old-admin", "old-admin-password-1")));
    }

    /// <summary>A hash as the host wrote them before it used ASP.NET Core Identity's hasher.</summary>
    private static string LegacyHash(string password)
    {
        var salt = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
        var hash = System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(password, salt, 1000, System.Security.Cryptography.HashAlgorithmName.SHA256, 32);
        return $"pbkdf2-sha256$1000${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }
}
