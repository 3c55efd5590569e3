namespace Scarlet.Retail;

/// <summary>An admin user of one organisation as the API shows it (never the password hash). User names are unique across organisations, ignoring case.</summary>
/// <param name="Username">Log-in name (ASCII; unique ignoring case).</param>
/// <param name="FullName">Display name.</param>
/// <param name="Email">E-mail address, or empty.</param>
/// <param name="IsActive">Whether the user may log in.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="Role">The host's role name (e.g. <c>admin</c>, <c>viewer</c>).</param>
/// <param name="OrganizationId">The organisation the user belongs to.</param>
public sealed record AdminUser(string Username, string FullName, string Email, bool IsActive, DateTimeOffset CreatedAt, string Role, string OrganizationId);

/// <summary>An admin user with the stored password hash, for a log-in check.</summary>
/// <param name="User">The user.</param>
/// <param name="PasswordHash">The stored hash (the host's hasher's format).</param>
public sealed record AdminCredentials(AdminUser User, string PasswordHash);

/// <summary>An API key as listed: never the key, never its hash.</summary>
/// <param name="Id">Key id.</param>
/// <param name="Name">What the key is for.</param>
/// <param name="Scopes">Scopes granted (the host's names).</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="ExpiresAt">Expiry, or <see langword="null"/> for none.</param>
/// <param name="LastUsedAt">Last use (to about a minute), or <see langword="null"/>.</param>
/// <param name="Revoked">Whether it was revoked.</param>
/// <param name="OrganizationId">The organisation the key belongs to.</param>
public sealed record ApiKeyInfo(string Id, string Name, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, bool Revoked, string OrganizationId);

/// <summary>
/// What a stream ticket grants, as stored (the ticket itself is only stored as a hash): one path, for a principal the
/// host serialised, in one organisation, until <paramref name="ExpiresAt"/>.
/// </summary>
/// <param name="OrganizationId">The organisation of the principal that asked for it.</param>
/// <param name="Path">The one request path it opens.</param>
/// <param name="Principal">The principal, as the host wrote it (opaque to the store).</param>
/// <param name="ExpiresAt">After this it opens nothing.</param>
public sealed record StreamTicketGrant(string OrganizationId, string Path, string Principal, DateTimeOffset ExpiresAt);
