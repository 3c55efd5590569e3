using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Scarlet.WebHost.Security;

/// <summary>The scopes an API key can hold: what kind of machine it is.</summary>
internal static class Scopes
{
    /// <summary>Cameras, kiosks, tills: registration, look-ups, frames, tracking updates.</summary>
    public const string Device = "device";

    /// <summary>Promotion screens: a customer's promotions and the tracking socket.</summary>
    public const string Display = "display";

    /// <summary>Back-office systems: read customers, detections, analytics; webhooks.</summary>
    public const string Integration = "integration";

    public static IReadOnlyList<string> All { get; } = [Device, Display, Integration];

    public static bool IsValid(string? scope) => scope is Device or Display or Integration;
}

/// <summary>An API key of one organisation as listed: never the key, never its hash.</summary>
internal sealed record ApiKeyInfo(string Id, string Name, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, bool Revoked, string OrganizationId);

/// <summary>
/// API keys for machines, in a host-owned table of the same SQLite file as the retail data. A key is 256 random bits and
/// is stored only as its SHA-256: with that much entropy a fast hash cannot be brute-forced, and a salted slow hash (as for
/// passwords) would cost every request a key derivation for nothing.
/// </summary>
internal sealed class ApiKeyStore
{
    private const string Prefix = "sck_";
    private static readonly TimeSpan s_lastUsedResolution = TimeSpan.FromMinutes(1);
    private readonly HostDatabase _db;
    private readonly TimeProvider _time;

    /// <param name="databasePath">The SQLite file.</param>
    /// <param name="defaultOrganization">The organisation keys from before organisations belong to.</param>
    /// <param name="time">The clock.</param>
    public ApiKeyStore(string databasePath, string defaultOrganization, TimeProvider time)
    {
        _time = time;
        _db = new HostDatabase(databasePath);
        using var c = Open();
        using var cmd = Cmd(c, """
            CREATE TABLE IF NOT EXISTS host_api_keys(
                id TEXT PRIMARY KEY, name TEXT NOT NULL, key_hash BLOB NOT NULL UNIQUE, scopes TEXT NOT NULL,
                created_at INTEGER NOT NULL, expires_at INTEGER NULL, last_used_at INTEGER NULL, revoked INTEGER NOT NULL DEFAULT 0,
                organization_id TEXT NOT NULL DEFAULT '');
            """);
        cmd.ExecuteNonQuery();

        // Databases from before organisations: every key worked in the one configured organisation.
        using var column = Cmd(c, "SELECT COUNT(*) FROM pragma_table_info('host_api_keys') WHERE name = 'organization_id'");
        if (Convert.ToInt32(column.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
        {
            HostDatabase.Exec(c, "ALTER TABLE host_api_keys ADD COLUMN organization_id TEXT NOT NULL DEFAULT ''");
        }

        using var migrate = Cmd(c, "UPDATE host_api_keys SET organization_id = $o WHERE organization_id = ''", ("$o", defaultOrganization));
        migrate.ExecuteNonQuery();
    }

    /// <summary>Creates a key of an organisation; the returned secret exists only in this result.</summary>
    public async Task<(ApiKeyInfo Info, string Key)> CreateAsync(string organizationId, string name, IReadOnlyList<string> scopes, DateTimeOffset? expiresAt, CancellationToken ct)
    {
        var key = Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var info = new ApiKeyInfo(Guid.NewGuid().ToString("N"), name, scopes, _time.GetUtcNow(), expiresAt, null, false, organizationId);
        await using var c = Open();
        using var cmd = Cmd(c, "INSERT INTO host_api_keys(id, name, key_hash, scopes, created_at, expires_at, organization_id) VALUES ($i, $n, $h, $s, $c, $x, $o)",
            ("$i", info.Id), ("$n", name), ("$h", Hash(key)), ("$s", string.Join(' ', scopes)), ("$c", info.CreatedAt.ToUnixTimeMilliseconds()), ("$x", (object?)expiresAt?.ToUnixTimeMilliseconds() ?? DBNull.Value), ("$o", organizationId));
        await cmd.ExecuteNonQueryAsync(ct);
        return (info, key);
    }

    /// <summary>Finds the live key (not revoked, not expired) for a presented secret, and records its use.</summary>
    public async Task<ApiKeyInfo?> ValidateAsync(string presented, CancellationToken ct)
    {
        if (!presented.StartsWith(Prefix, StringComparison.Ordinal) || presented.Length > 128)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        await using var c = Open();
        ApiKeyInfo? info;

        // Looked up by hash: the secret itself is never compared, so there is nothing to time.
        using (var cmd = Cmd(c, $"{Select} WHERE key_hash = $h", ("$h", Hash(presented))))
        {
            await using var r = await cmd.ExecuteReaderAsync(ct);
            info = await r.ReadAsync(ct) ? Read(r) : null;
        }

        if (info is null || info.Revoked || info.ExpiresAt <= now)
        {
            return null;
        }

        // last_used_at to the minute: a busy camera does not turn every request into a write.
        if (info.LastUsedAt is not { } used || now - used >= s_lastUsedResolution)
        {
            using var touch = Cmd(c, "UPDATE host_api_keys SET last_used_at = $n WHERE id = $i", ("$n", now.ToUnixTimeMilliseconds()), ("$i", info.Id));
            await touch.ExecuteNonQueryAsync(ct);
        }

        return info;
    }

    /// <summary>Whether the key still exists, unrevoked and unexpired (for tickets issued to it).</summary>
    public async Task<bool> IsLiveAsync(string id, CancellationToken ct)
    {
        await using var c = Open();
        using var cmd = Cmd(c, "SELECT COUNT(*) FROM host_api_keys WHERE id = $i AND revoked = 0 AND (expires_at IS NULL OR expires_at > $n)", ("$i", id), ("$n", _time.GetUtcNow().ToUnixTimeMilliseconds()));
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) == 1;
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(string organizationId, CancellationToken ct)
    {
        await using var c = Open();
        using var cmd = Cmd(c, $"{Select} WHERE organization_id = $o ORDER BY created_at, id", ("$o", organizationId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<ApiKeyInfo>();
        while (await r.ReadAsync(ct))
        {
            list.Add(Read(r));
        }

        return list;
    }

    /// <returns><see langword="false"/> when the organisation has no such key.</returns>
    public async Task<bool> RevokeAsync(string organizationId, string id, CancellationToken ct)
    {
        await using var c = Open();
        using var cmd = Cmd(c, "UPDATE host_api_keys SET revoked = 1 WHERE id = $i AND organization_id = $o", ("$i", id), ("$o", organizationId));
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    private const string Select = "SELECT id, name, scopes, created_at, expires_at, last_used_at, revoked, organization_id FROM host_api_keys";

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static ApiKeyInfo Read(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2).Split(' ', StringSplitOptions.RemoveEmptyEntries),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)),
        r.IsDBNull(4) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)),
        r.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)),
        r.GetInt64(6) != 0,
        r.GetString(7));

    private SqliteConnection Open() => _db.Open();

    private static SqliteCommand Cmd(SqliteConnection c, string sql, params (string Name, object? Value)[] args) => HostDatabase.Cmd(c, sql, args);
}
