using System.Data.Common;
using static Scarlet.Retail.Storage.Sql.SqlDatabase;

namespace Scarlet.Retail.Storage.Sql;

/// <summary>SQL (SQLite or PostgreSQL) <see cref="IAdminUserStore"/>. Names compare through <c>lower()</c>, which the unique index is on (names are ASCII).</summary>
/// <param name="db">The database.</param>
public sealed class SqlAdminUserStore(SqlDatabase db) : IAdminUserStore
{
    private const string Columns = "username, full_name, email, is_active, created_at, role, organization_id";

    /// <inheritdoc/>
    public async Task<bool> AddAsync(AdminUser user, string passwordHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentException.ThrowIfNullOrWhiteSpace(passwordHash);
        try
        {
            await db.WriteAsync(
                (c, tx) => Execute(c, "INSERT INTO admin_users(username, password_hash, full_name, email, is_active, created_at, role, organization_id) VALUES (@u, @h, @f, @e, @a, @t, @r, @o)", tx,
                    ("@u", user.Username), ("@h", passwordHash), ("@f", user.FullName), ("@e", user.Email), ("@a", user.IsActive ? 1 : 0), ("@t", ToUnixMs(user.CreatedAt)), ("@r", user.Role), ("@o", user.OrganizationId)),
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DuplicateEntityException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public Task<AdminCredentials?> FindAsync(string username, CancellationToken cancellationToken = default) =>
        db.ReadAsync(
            c => Query(c, null, $"SELECT {Columns}, password_hash FROM admin_users WHERE lower(username) = lower(@u)", r => new AdminCredentials(Read(r), r.GetString(7)), ("@u", username)).FirstOrDefault(),
            cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<AdminUser>> ListAsync(string organizationId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<AdminUser>>(c => Query(c, null, $"SELECT {Columns} FROM admin_users WHERE organization_id = @o ORDER BY lower(username)", Read, ("@o", organizationId)), cancellationToken);

    /// <inheritdoc/>
    public Task<bool> DeleteAsync(string organizationId, string username, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => Execute(c, "DELETE FROM admin_users WHERE lower(username) = lower(@u) AND organization_id = @o", tx, ("@u", username), ("@o", organizationId)) == 1, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> SetRoleAsync(string username, string role, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => Execute(c, "UPDATE admin_users SET role = @r WHERE lower(username) = lower(@u)", tx, ("@r", role), ("@u", username)) == 1, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> SetPasswordHashAsync(string username, string passwordHash, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => Execute(c, "UPDATE admin_users SET password_hash = @h WHERE lower(username) = lower(@u)", tx, ("@h", passwordHash), ("@u", username)) == 1, cancellationToken);

    /// <inheritdoc/>
    public Task<int> CountAsync(CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => (int)Scalar(c, null, "SELECT COUNT(*) FROM admin_users"), cancellationToken);

    /// <inheritdoc/>
    public Task<bool> AnyWithRoleAsync(string role, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => Scalar(c, null, "SELECT COUNT(*) FROM admin_users WHERE role = @r", ("@r", role)) > 0, cancellationToken);

    /// <inheritdoc/>
    public Task<int> AdoptUnassignedAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        return db.WriteAsync((c, tx) => Execute(c, "UPDATE admin_users SET organization_id = @o WHERE organization_id = ''", tx, ("@o", organizationId)), cancellationToken);
    }

    private static AdminUser Read(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3) != 0, FromUnixMs(r.GetInt64(4)), r.GetString(5), r.GetString(6));
}

/// <summary>SQL (SQLite or PostgreSQL) <see cref="ITokenRevocationStore"/>.</summary>
/// <param name="db">The database.</param>
public sealed class SqlTokenRevocationStore(SqlDatabase db) : ITokenRevocationStore
{
    /// <inheritdoc/>
    public Task RevokeAsync(string tokenId, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tokenId);
        return db.WriteAsync(
            (c, tx) =>
            {
                Execute(c, "INSERT INTO revoked_tokens(jti, expires_at) VALUES (@j, @x) ON CONFLICT(jti) DO UPDATE SET expires_at = excluded.expires_at", tx, ("@j", tokenId), ("@x", ToUnixMs(expiresAt)));
                return Execute(c, "DELETE FROM revoked_tokens WHERE expires_at < @n", tx, ("@n", ToUnixMs(now)));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> IsRevokedAsync(string tokenId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => Scalar(c, null, "SELECT COUNT(*) FROM revoked_tokens WHERE jti = @j", ("@j", tokenId)) > 0, cancellationToken);
}

/// <summary>SQL (SQLite or PostgreSQL) <see cref="ILoginLockoutStore"/>: one row per lower-cased user name, counted in one write transaction.</summary>
/// <param name="db">The database.</param>
public sealed class SqlLoginLockoutStore(SqlDatabase db) : ILoginLockoutStore
{
    /// <inheritdoc/>
    public Task<bool> IsLockedAsync(string username, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => Scalar(c, null, "SELECT COUNT(*) FROM login_failures WHERE name_key = @k AND locked_until > @n", ("@k", Key(username)), ("@n", ToUnixMs(now))) > 0, cancellationToken);

    /// <inheritdoc/>
    public Task<DateTimeOffset?> RecordFailureAsync(string username, DateTimeOffset now, int maxFailures, TimeSpan lockout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFailures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(lockout, TimeSpan.Zero);
        var key = Key(username);
        return db.WriteAsync<DateTimeOffset?>(
            (c, tx) =>
            {
                var row = Query(c, tx, "SELECT failures, locked_until FROM login_failures WHERE name_key = @k", r => (Failures: r.GetInt32(0), LockedUntil: r.IsDBNull(1) ? (long?)null : r.GetInt64(1)), ("@k", key)).FirstOrDefault();

                // A lock-out that has ended starts the count again.
                var (failures, lockedUntil) = row.LockedUntil is { } until && until <= ToUnixMs(now) ? (0, null) : row;
                failures++;
                if (failures >= maxFailures)
                {
                    lockedUntil = ToUnixMs(now + lockout);
                }

                Execute(c, "INSERT INTO login_failures(name_key, failures, locked_until) VALUES (@k, @f, @l) ON CONFLICT(name_key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until", tx, ("@k", key), ("@f", failures), ("@l", lockedUntil));
                return lockedUntil is { } l && l > ToUnixMs(now) ? FromUnixMs(l) : null;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task ClearAsync(string username, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => Execute(c, "DELETE FROM login_failures WHERE name_key = @k", tx, ("@k", Key(username))), cancellationToken);

    private static string Key(string username) => username.Trim().ToLowerInvariant();
}

/// <summary>SQL (SQLite or PostgreSQL) <see cref="IApiKeyStore"/>.</summary>
/// <param name="db">The database.</param>
public sealed class SqlApiKeyStore(SqlDatabase db) : IApiKeyStore
{
    private const string Select = "SELECT id, name, scopes, created_at, expires_at, last_used_at, revoked, organization_id FROM api_keys";

    /// <inheritdoc/>
    public Task AddAsync(ApiKeyInfo key, byte[] keyHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(keyHash);
        return db.WriteAsync(
            (c, tx) => Execute(c, "INSERT INTO api_keys(id, organization_id, name, key_hash, scopes, created_at, expires_at, last_used_at, revoked) VALUES (@i, @o, @n, @h, @s, @c, @x, @u, @r)", tx,
                ("@i", key.Id), ("@o", key.OrganizationId), ("@n", key.Name), ("@h", keyHash), ("@s", string.Join(' ', key.Scopes)), ("@c", ToUnixMs(key.CreatedAt)), ("@x", Nullable(key.ExpiresAt)), ("@u", Nullable(key.LastUsedAt)), ("@r", key.Revoked ? 1 : 0)),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ApiKeyInfo?> FindByHashAsync(byte[] keyHash, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => Query(c, null, $"{Select} WHERE key_hash = @h", Read, ("@h", keyHash)).FirstOrDefault(), cancellationToken);

    /// <inheritdoc/>
    public Task TouchAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => Execute(c, "UPDATE api_keys SET last_used_at = @n WHERE id = @i", tx, ("@n", ToUnixMs(at)), ("@i", id)), cancellationToken);

    /// <inheritdoc/>
    public Task<bool> IsLiveAsync(string id, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => Scalar(c, null, "SELECT COUNT(*) FROM api_keys WHERE id = @i AND revoked = 0 AND (expires_at IS NULL OR expires_at > @n)", ("@i", id), ("@n", ToUnixMs(now))) == 1, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<ApiKeyInfo>> ListAsync(string organizationId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<ApiKeyInfo>>(c => Query(c, null, $"{Select} WHERE organization_id = @o ORDER BY created_at, id", Read, ("@o", organizationId)), cancellationToken);

    /// <inheritdoc/>
    public Task<bool> RevokeAsync(string organizationId, string id, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => Execute(c, "UPDATE api_keys SET revoked = 1 WHERE id = @i AND organization_id = @o", tx, ("@i", id), ("@o", organizationId)) == 1, cancellationToken);

    /// <inheritdoc/>
    public Task<int> AdoptUnassignedAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        return db.WriteAsync((c, tx) => Execute(c, "UPDATE api_keys SET organization_id = @o WHERE organization_id = ''", tx, ("@o", organizationId)), cancellationToken);
    }

    private static ApiKeyInfo Read(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2).Split(' ', StringSplitOptions.RemoveEmptyEntries),
        FromUnixMs(r.GetInt64(3)),
        r.IsDBNull(4) ? null : FromUnixMs(r.GetInt64(4)),
        r.IsDBNull(5) ? null : FromUnixMs(r.GetInt64(5)),
        r.GetInt32(6) != 0,
        r.GetString(7));
}

/// <summary>SQL (SQLite or PostgreSQL) <see cref="IStreamTicketStore"/>: a ticket is used up by deleting its row, in one write transaction.</summary>
/// <param name="db">The database.</param>
public sealed class SqlStreamTicketStore(SqlDatabase db) : IStreamTicketStore
{
    /// <inheritdoc/>
    public Task AddAsync(byte[] ticketHash, StreamTicketGrant grant, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ticketHash);
        ArgumentNullException.ThrowIfNull(grant);
        return db.WriteAsync(
            (c, tx) =>
            {
                Execute(c, "DELETE FROM stream_tickets WHERE expires_at <= @n", tx, ("@n", ToUnixMs(now)));
                return Execute(c, "INSERT INTO stream_tickets(ticket_hash, organization_id, path, principal, expires_at) VALUES (@h, @o, @p, @s, @x)", tx,
                    ("@h", ticketHash), ("@o", grant.OrganizationId), ("@p", grant.Path), ("@s", grant.Principal), ("@x", ToUnixMs(grant.ExpiresAt)));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<StreamTicketGrant?> RedeemAsync(byte[] ticketHash, string path, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ticketHash);
        ArgumentNullException.ThrowIfNull(path);
        return db.WriteAsync(
            (c, tx) => Query(c, tx, "DELETE FROM stream_tickets WHERE ticket_hash = @h AND path = @p AND expires_at > @n RETURNING organization_id, path, principal, expires_at",
                r => new StreamTicketGrant(r.GetString(0), r.GetString(1), r.GetString(2), FromUnixMs(r.GetInt64(3))), ("@h", ticketHash), ("@p", path), ("@n", ToUnixMs(now))).FirstOrDefault(),
            cancellationToken);
    }
}

/// <summary>SQL (SQLite or PostgreSQL) <see cref="IRateLimitStore"/>: one row per bucket, counted by one upsert.</summary>
/// <param name="db">The database.</param>
public sealed class SqlRateLimitStore(SqlDatabase db) : IRateLimitStore
{
    private static readonly long s_dayMs = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    /// <inheritdoc/>
    public Task<int> HitAsync(string bucket, TimeSpan window, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.FromMilliseconds(1));
        var n = ToUnixMs(now);
        var ended = n - (long)window.TotalMilliseconds;
        return db.WriteAsync(
            (c, tx) =>
            {
                // Rows a day old go here; a bucket's own ended window is restarted by its next hit. Purging every ended
                // window in every hit would make concurrent hosts' transactions collide (and retry) on PostgreSQL.
                Execute(c, "DELETE FROM rate_limits WHERE window_start < @old", tx, ("@old", n - s_dayMs));
                return (int)Scalar(
                    c,
                    tx,
                    """
                    INSERT INTO rate_limits(bucket, window_start, hits) VALUES (@b, @n, 1)
                    ON CONFLICT(bucket) DO UPDATE SET
                        hits = CASE WHEN rate_limits.window_start <= @ended THEN 1 ELSE rate_limits.hits + 1 END,
                        window_start = CASE WHEN rate_limits.window_start <= @ended THEN @n ELSE rate_limits.window_start END
                    RETURNING hits
                    """,
                    ("@b", bucket),
                    ("@n", n),
                    ("@ended", ended));
            },
            cancellationToken);
    }
}

/// <summary>SQL (SQLite or PostgreSQL) <see cref="IHostStateStore"/>: the <c>host_state</c> table of migration 14.</summary>
/// <param name="db">The database.</param>
public sealed class SqlHostStateStore(SqlDatabase db) : IHostStateStore
{
    /// <inheritdoc/>
    public Task PutAsync(string kind, string id, string json, DateTimeOffset updatedAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(json);
        return db.WriteAsync(
            (c, tx) => Execute(c, "INSERT INTO host_state(kind, id, data, updated_at) VALUES (@k, @i, @d, @t) ON CONFLICT(kind, id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at", tx, ("@k", kind), ("@i", id), ("@d", json), ("@t", ToUnixMs(updatedAt))),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> DeleteAsync(string kind, string id, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => Execute(c, "DELETE FROM host_state WHERE kind = @k AND id = @i", tx, ("@k", kind), ("@i", id)) == 1, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<string>> ListAsync(string kind, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<string>>(c => Query(c, null, "SELECT data FROM host_state WHERE kind = @k ORDER BY updated_at, id", r => r.GetString(0), ("@k", kind)), cancellationToken);
}
