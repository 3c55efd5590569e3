namespace Scarlet.Retail.Storage;

/// <summary>
/// Admin users, in the retail database so that every host sharing it sees the same users. User names are unique
/// across organisations, ignoring (ASCII) case: a log-in names no organisation.
/// </summary>
public interface IAdminUserStore
{
    /// <summary>Adds a user.</summary>
    /// <param name="user">User.</param>
    /// <param name="passwordHash">The password hash.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns><see langword="false"/> when the user name is taken.</returns>
    Task<bool> AddAsync(AdminUser user, string passwordHash, CancellationToken cancellationToken = default);

    /// <summary>Finds a user by name, ignoring case.</summary>
    /// <param name="username">User name.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The user and its hash, or <see langword="null"/>.</returns>
    Task<AdminCredentials?> FindAsync(string username, CancellationToken cancellationToken = default);

    /// <summary>Lists an organisation's users by name.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The users.</returns>
    Task<IReadOnlyList<AdminUser>> ListAsync(string organizationId, CancellationToken cancellationToken = default);

    /// <summary>Deletes a user of an organisation.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="username">User name.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Whether it existed in that organisation.</returns>
    Task<bool> DeleteAsync(string organizationId, string username, CancellationToken cancellationToken = default);

    /// <summary>Gives a user another role.</summary>
    /// <param name="username">User name.</param>
    /// <param name="role">Role.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Whether the user exists.</returns>
    Task<bool> SetRoleAsync(string username, string role, CancellationToken cancellationToken = default);

    /// <summary>Replaces a user's password hash.</summary>
    /// <param name="username">User name.</param>
    /// <param name="passwordHash">The new hash.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Whether the user exists.</returns>
    Task<bool> SetPasswordHashAsync(string username, string passwordHash, CancellationToken cancellationToken = default);

    /// <summary>Counts the users of every organisation.</summary>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The count.</returns>
    Task<int> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>Whether any user of any organisation has a role.</summary>
    /// <param name="role">Role.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns><see langword="true"/> when one does.</returns>
    Task<bool> AnyWithRoleAsync(string role, CancellationToken cancellationToken = default);

    /// <summary>Gives the users imported from before organisations (organisation id empty) to an organisation.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>How many were adopted.</returns>
    Task<int> AdoptUnassignedAsync(string organizationId, CancellationToken cancellationToken = default);
}

/// <summary>Revoked admin token ids (logout, refresh), kept until the token's own expiry.</summary>
public interface ITokenRevocationStore
{
    /// <summary>Revokes a token id; expired revocations are purged on the way.</summary>
    /// <param name="tokenId">The token's <c>jti</c>.</param>
    /// <param name="expiresAt">The token's expiry (after it the token is refused anyway).</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task RevokeAsync(string tokenId, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Whether a token id was revoked.</summary>
    /// <param name="tokenId">The token's <c>jti</c>.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns><see langword="true"/> when it was.</returns>
    Task<bool> IsRevokedAsync(string tokenId, CancellationToken cancellationToken = default);
}

/// <summary>Failed log-ins per user name and the resulting lock-outs (counted per name, ignoring case, so a rotating client or another host cannot dodge them).</summary>
public interface ILoginLockoutStore
{
    /// <summary>Whether a user name is locked out now.</summary>
    /// <param name="username">User name.</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns><see langword="true"/> while locked.</returns>
    Task<bool> IsLockedAsync(string username, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Counts a failed log-in; the <paramref name="maxFailures"/>-th locks the name for <paramref name="lockout"/>. A lock-out that has ended starts the count again.</summary>
    /// <param name="username">User name.</param>
    /// <param name="now">The current time.</param>
    /// <param name="maxFailures">Failures that lock (at least 1).</param>
    /// <param name="lockout">How long a lock-out lasts.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The end of the lock-out, or <see langword="null"/> when not locked.</returns>
    Task<DateTimeOffset?> RecordFailureAsync(string username, DateTimeOffset now, int maxFailures, TimeSpan lockout, CancellationToken cancellationToken = default);

    /// <summary>Forgets a user name's failures (a successful log-in).</summary>
    /// <param name="username">User name.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task ClearAsync(string username, CancellationToken cancellationToken = default);
}

/// <summary>API keys for machines, stored only as a hash of the secret (the host makes and hashes the secret).</summary>
public interface IApiKeyStore
{
    /// <summary>Adds a key.</summary>
    /// <param name="key">The key as listed.</param>
    /// <param name="keyHash">The hash of the secret (unique).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    /// <exception cref="DuplicateEntityException">The id or the hash exists.</exception>
    Task AddAsync(ApiKeyInfo key, byte[] keyHash, CancellationToken cancellationToken = default);

    /// <summary>Finds a key by the hash of its secret, whether or not it is live.</summary>
    /// <param name="keyHash">The hash.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The key, or <see langword="null"/>.</returns>
    Task<ApiKeyInfo?> FindByHashAsync(byte[] keyHash, CancellationToken cancellationToken = default);

    /// <summary>Records a key's use.</summary>
    /// <param name="id">Key id.</param>
    /// <param name="at">Time of use.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task TouchAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Whether the key exists, unrevoked and unexpired at <paramref name="now"/>.</summary>
    /// <param name="id">Key id.</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns><see langword="true"/> when live.</returns>
    Task<bool> IsLiveAsync(string id, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Lists an organisation's keys, oldest first.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The keys.</returns>
    Task<IReadOnlyList<ApiKeyInfo>> ListAsync(string organizationId, CancellationToken cancellationToken = default);

    /// <summary>Revokes a key of an organisation.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="id">Key id.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns><see langword="false"/> when the organisation has no such key.</returns>
    Task<bool> RevokeAsync(string organizationId, string id, CancellationToken cancellationToken = default);

    /// <summary>Gives the keys imported from before organisations (organisation id empty) to an organisation.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>How many were adopted.</returns>
    Task<int> AdoptUnassignedAsync(string organizationId, CancellationToken cancellationToken = default);
}

/// <summary>
/// Short-lived, single-use tickets for what a browser cannot send a header with (a WebSocket, an MJPEG view), in the
/// shared database so a ticket issued by one host opens the path on any host, once.
/// </summary>
public interface IStreamTicketStore
{
    /// <summary>Stores a ticket; tickets that have expired are purged on the way.</summary>
    /// <param name="ticketHash">A hash of the ticket's secret (unique).</param>
    /// <param name="grant">What it grants.</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    /// <exception cref="DuplicateEntityException">The hash exists.</exception>
    Task AddAsync(byte[] ticketHash, StreamTicketGrant grant, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Uses a ticket up: it is deleted when it matches, so of two hosts presenting it at once one gets it.</summary>
    /// <param name="ticketHash">The hash of the presented secret.</param>
    /// <param name="path">The request path it is presented on (a ticket for another path is neither granted nor used up).</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The grant, or <see langword="null"/> when unknown, used, expired or for another path.</returns>
    Task<StreamTicketGrant?> RedeemAsync(byte[] ticketHash, string path, DateTimeOffset now, CancellationToken cancellationToken = default);
}

/// <summary>Fixed-window hit counters shared by every host on the database (the log-in rate limit of a cluster).</summary>
public interface IRateLimitStore
{
    /// <summary>Counts a hit of <paramref name="bucket"/> in its current window: a window starts at the bucket's first hit and lasts <paramref name="window"/>; the first hit after it starts the next one.</summary>
    /// <param name="bucket">What is limited (e.g. <c>login:</c> and the client address).</param>
    /// <param name="window">The window's length (at least a millisecond).</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The hits of the bucket in this window, this one included.</returns>
    Task<int> HitAsync(string bucket, TimeSpan window, DateTimeOffset now, CancellationToken cancellationToken = default);
}

/// <summary>
/// A host's run-time documents (webhook subscriptions, cameras added through an API, jobs), each a JSON text under a
/// kind and an id, in the retail database so that a restart finds them again. The library never reads inside them.
/// </summary>
public interface IHostStateStore
{
    /// <summary>Inserts or replaces a document.</summary>
    /// <param name="kind">The document's kind.</param>
    /// <param name="id">Its id within the kind.</param>
    /// <param name="json">The document.</param>
    /// <param name="updatedAt">The time of the change (orders <see cref="ListAsync"/>).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task PutAsync(string kind, string id, string json, DateTimeOffset updatedAt, CancellationToken cancellationToken = default);

    /// <summary>Deletes a document.</summary>
    /// <param name="kind">The document's kind.</param>
    /// <param name="id">Its id within the kind.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Whether it existed.</returns>
    Task<bool> DeleteAsync(string kind, string id, CancellationToken cancellationToken = default);

    /// <summary>Every document of a kind, oldest change first.</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The documents.</returns>
    Task<IReadOnlyList<string>> ListAsync(string kind, CancellationToken cancellationToken = default);
}
