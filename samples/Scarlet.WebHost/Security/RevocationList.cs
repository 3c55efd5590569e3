using System.Collections.Concurrent;

namespace Scarlet.WebHost.Security;

/// <summary>Revoked token ids until their expiry, in memory and persisted (so a restart keeps logouts).</summary>
internal sealed class RevocationList(AdminStore store, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        foreach (var (jti, exp) in await store.LoadRevokedAsync(time.GetUtcNow(), cancellationToken))
        {
            _revoked[jti] = exp;
        }
    }

    public bool IsRevoked(string tokenId) => _revoked.ContainsKey(tokenId);

    public async Task RevokeAsync(string tokenId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        _revoked[tokenId] = expiresAt;
        await store.AddRevokedAsync(tokenId, expiresAt, cancellationToken);
        var now = time.GetUtcNow();
        foreach (var (k, v) in _revoked)
        {
            if (v < now)
            {
                _revoked.TryRemove(k, out _);
            }
        }
    }
}
