using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Scarlet.Retail;
using Scarlet.Retail.Storage;

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

/// <summary>
/// API keys for machines: makes the secrets and checks presented ones against the library's <see cref="IApiKeyStore"/>
/// (shared by hosts on one database). A key is 256 random bits and is stored only as its SHA-256: with that much entropy
/// a fast hash cannot be brute-forced, and a salted slow hash (as for passwords) would cost every request a key
/// derivation for nothing.
/// </summary>
internal sealed class ApiKeys(IApiKeyStore store, TimeProvider time)
{
    private const string Prefix = "sck_";
    private static readonly TimeSpan s_lastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>Creates a key of an organisation; the returned secret exists only in this result.</summary>
    public async Task<(ApiKeyInfo Info, string Key)> CreateAsync(string organizationId, string name, IReadOnlyList<string> scopes, DateTimeOffset? expiresAt, CancellationToken ct)
    {
        var key = Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var info = new ApiKeyInfo(Guid.NewGuid().ToString("N"), name, scopes, time.GetUtcNow(), expiresAt, null, false, organizationId);
        await store.AddAsync(info, Hash(key), ct);
        return (info, key);
    }

    /// <summary>Finds the live key (not revoked, not expired) for a presented secret, and records its use.</summary>
    public async Task<ApiKeyInfo?> ValidateAsync(string presented, CancellationToken ct)
    {
        if (!presented.StartsWith(Prefix, StringComparison.Ordinal) || presented.Length > 128)
        {
            return null;
        }

        // Looked up by hash: the secret itself is never compared, so there is nothing to time.
        var now = time.GetUtcNow();
        var info = await store.FindByHashAsync(Hash(presented), ct);
        if (info is null || info.Revoked || info.ExpiresAt <= now)
        {
            return null;
        }

        // last_used_at to the minute: a busy camera does not turn every request into a write.
        if (info.LastUsedAt is not { } used || now - used >= s_lastUsedResolution)
        {
            await store.TouchAsync(info.Id, now, ct);
        }

        return info;
    }

    /// <summary>Whether the key still exists, unrevoked and unexpired (for tickets issued to it).</summary>
    public Task<bool> IsLiveAsync(string id, CancellationToken ct) => store.IsLiveAsync(id, time.GetUtcNow(), ct);

    public Task<IReadOnlyList<ApiKeyInfo>> ListAsync(string organizationId, CancellationToken ct) => store.ListAsync(organizationId, ct);

    /// <returns><see langword="false"/> when the organisation has no such key.</returns>
    public Task<bool> RevokeAsync(string organizationId, string id, CancellationToken ct) => store.RevokeAsync(organizationId, id, ct);

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
