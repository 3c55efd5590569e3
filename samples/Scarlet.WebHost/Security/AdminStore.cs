using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Scarlet.WebHost.Security;

/// <summary>An admin user as the API shows it (the seed's user object; never the hash); it belongs to one organisation.</summary>
internal sealed record AdminUser(string Username, string FullName, string Email, bool IsActive, DateTimeOffset CreatedAt, string Role, string OrganizationId);

/// <summary>
/// Admin users and revoked token ids, in host-owned tables of the same SQLite file as the retail data. User names are
/// unique across organisations (a log-in names no organisation).
/// </summary>
internal sealed class AdminStore
{
    private const string Columns = "username, full_name, email, is_active, created_at, role, organization_id";
    private readonly HostDatabase _db;

    /// <param name="databasePath">The SQLite file.</param>
    /// <param name="defaultOrganization">The organisation users from before organisations belong to.</param>
    public AdminStore(string databasePath, string defaultOrganization)
    {
        _db = new HostDatabase(databasePath);
        using var c = Open();
        Exec(c, """
            CREATE TABLE IF NOT EXISTS host_admin_users(
                username TEXT PRIMARY KEY COLLATE NOCASE, password_hash TEXT NOT NULL, full_name TEXT NOT NULL,
                email TEXT NOT NULL, is_active INTEGER NOT NULL, created_at INTEGER NOT NULL, role TEXT NOT NULL DEFAULT 'admin');
            CREATE TABLE IF NOT EXISTS host_revoked_tokens(jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
            """);

        // Databases from before roles: every existing admin could do everything, so they keep that as role admin.
        using var columns = Cmd(c, "SELECT COUNT(*) FROM pragma_table_info('host_admin_users') WHERE name = 'role'");
        if (Convert.ToInt32(columns.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
        {
            Exec(c, "ALTER TABLE host_admin_users ADD COLUMN role TEXT NOT NULL DEFAULT 'admin'");
        }

        // Databases from before organisations: every user worked in the one configured organisation.
        using var orgColumn = Cmd(c, "SELECT COUNT(*) FROM pragma_table_info('host_admin_users') WHERE name = 'organization_id'");
        if (Convert.ToInt32(orgColumn.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
        {
            Exec(c, "ALTER TABLE host_admin_users ADD COLUMN organization_id TEXT NOT NULL DEFAULT ''");
        }

        using var migrate = Cmd(c, "UPDATE host_admin_users SET organization_id = $o WHERE organization_id = ''", ("$o", defaultOrganization));
        migrate.ExecuteNonQuery();
    }

    /// <summary>Whether any superadmin exists (the bootstrap admin of a database from before organisations becomes one).</summary>
    public async Task<bool> AnySuperAdminAsync(CancellationToken ct)
    {
        await using var c = Open();
        using var cmd = Cmd(c, "SELECT COUNT(*) FROM host_admin_users WHERE role = $r", ("$r", Roles.SuperAdmin));
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>Gives a user another role (its tokens stop working: they carry the old one).</summary>
    public async Task<bool> SetRoleAsync(string username, string role, CancellationToken ct)
    {
        await using var c = Open();
        using var cmd = Cmd(c, "UPDATE host_admin_users SET role = $r WHERE username = $u", ("$r", role), ("$u", username));
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task SetPasswordHashAsync(string username, string passwordHash, CancellationToken ct)
    {
        await using var c = Open();
        using var cmd = Cmd(c, "UPDATE host_admin_users SET password_hash = $h WHERE username = $u", ("$h", passwordHash), ("$u", username));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<int> CountAsync(CancellationToken ct)
    {
        await using var c = Open();
        using var cmd = Cmd(c, "SELECT COUNT(*) FROM host_admin_users");
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    /// <returns><see langword="false"/> when the user name is taken.</returns>
    public async Task<bool> AddAsync(AdminUser user, string passwordHash, CancellationToken ct)
    {
        await using var c = Open();
        using var cmd = Cmd(c, "INSERT OR IGNORE INTO host_admin_users(username, password_hash, full_name, email, is_active, created_at, role, organization_id) VALUES ($u, $h, $f, $e, $a, $t, $r, $o)",
            ("$u", user.Username), ("$h", passwordHash), ("$f", user.FullName), ("$e", user.Email), ("$a", user.IsActive ? 1 : 0), ("$t", user.CreatedAt.ToUnixTimeMilliseconds()), ("$r", user.Role), ("$o", user.OrganizationId));
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<(AdminUser User, string Hash)?> FindAsync(string username, CancellationToken ct)
    {
        await using var c = Open();
        using var cmd = Cmd(c, $"SELECT {Columns}, password_hash FROM host_admin_users WHERE username = $u", ("$u", username));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (Read(r), r.GetString(7)) : null;
    }

    public async Task<IReadOnlyList<AdminUser>> ListAsync(string organizationId, CancellationToken ct)
    {
        await using var c = Open();
        using var cmd = Cmd(c, $"SELECT {Columns} FROM host_admin_users WHERE organization_id = $o ORDER BY username", ("$o", organizationId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<AdminUser>();
        while (await r.ReadAsync(ct))
        {
            list.Add(Read(r));
        }

        return list;
    }

    public async Task<bool> DeleteAsync(string organizationId, string username, CancellationToken ct)
    {
        await using var c = Open();
        using var cmd = Cmd(c, "DELETE FROM host_admin_users WHERE username = $u AND organization_id = $o", ("$u", username), ("$o", organizationId));
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task AddRevokedAsync(string jti, DateTimeOffset expiresAt, CancellationToken ct)
    {
        await using var c = Open();
        using var cmd = Cmd(c, "INSERT OR REPLACE INTO host_revoked_tokens VALUES ($j, $x)", ("$j", jti), ("$x", expiresAt.ToUnixTimeMilliseconds()));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<(string Jti, DateTimeOffset ExpiresAt)>> LoadRevokedAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var c = Open();
        using (var del = Cmd(c, "DELETE FROM host_revoked_tokens WHERE expires_at < $n", ("$n", now.ToUnixTimeMilliseconds())))
        {
            await del.ExecuteNonQueryAsync(ct);
        }

        using var cmd = Cmd(c, "SELECT jti, expires_at FROM host_revoked_tokens");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<(string, DateTimeOffset)>();
        while (await r.ReadAsync(ct))
        {
            list.Add((r.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1))));
        }

        return list;
    }

    private static AdminUser Read(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3) != 0, DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)), r.GetString(5), r.GetString(6));

    private SqliteConnection Open() => _db.Open();

    private static void Exec(SqliteConnection c, string sql) => HostDatabase.Exec(c, sql);

    private static SqliteCommand Cmd(SqliteConnection c, string sql, params (string Name, object? Value)[] args) => HostDatabase.Cmd(c, sql, args);
}
