using Scarlet.Retail.Storage;

namespace Scarlet.WebHost.Security;

/// <summary>
/// Locks a user name out after repeated failed logins (counted per name, so a rotating client cannot dodge it). The
/// count is in the library's <see cref="ILoginLockoutStore"/>, so hosts sharing a database share the lock-out.
/// </summary>
internal sealed class LoginGuard(ILoginLockoutStore store, int maxFailures, TimeSpan lockout, TimeProvider time)
{
    public Task<bool> IsLockedAsync(string username, CancellationToken ct) => store.IsLockedAsync(username, time.GetUtcNow(), ct);

    public Task FailedAsync(string username, CancellationToken ct) => store.RecordFailureAsync(username, time.GetUtcNow(), maxFailures, lockout, ct);

    public Task SucceededAsync(string username, CancellationToken ct) => store.ClearAsync(username, ct);
}
