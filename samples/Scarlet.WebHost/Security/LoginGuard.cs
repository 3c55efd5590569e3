using System.Collections.Concurrent;

namespace Scarlet.WebHost.Security;

/// <summary>Locks a user name out after repeated failed logins (counted per name, so a rotating client cannot dodge it).</summary>
internal sealed class LoginGuard(int maxFailures, TimeSpan lockout, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset? LockedUntil)> _state = new(StringComparer.OrdinalIgnoreCase);

    public bool IsLocked(string username) =>
        _state.TryGetValue(username, out var s) && s.LockedUntil is { } until && until > time.GetUtcNow();

    public void Failed(string username) =>
        _state.AddOrUpdate(
            username,
            _ => (1, maxFailures <= 1 ? time.GetUtcNow() + lockout : null),
            (_, s) =>
            {
                if (s.LockedUntil is { } until && until <= time.GetUtcNow())
                {
                    s = (0, null);
                }

                var n = s.Failures + 1;
                return (n, n >= maxFailures ? time.GetUtcNow() + lockout : s.LockedUntil);
            });

    public void Succeeded(string username) => _state.TryRemove(username, out _);
}
