using System.Security.Cryptography;

namespace Scarlet.Retail.Tests.Conformance;

/// <summary>Admin users, revoked tokens, log-in lock-outs and API keys: the state every host sharing a database must see alike.</summary>
public abstract class AdminStateStoreConformance : StoreConformance
{
    private static AdminUser User(string name, string org, string role = "admin") => new(name, name + " Full", name + "@example.com", true, T0, role, org);

    [Fact]
    public async Task Users_round_trip_and_names_are_unique_ignoring_case_across_organisations()
    {
        Assert.True(await S.AdminUsers.AddAsync(User("Ada", OrgA), "h1"));
        Assert.False(await S.AdminUsers.AddAsync(User("ADA", OrgB), "h2"));
        Assert.True(await S.AdminUsers.AddAsync(User("bob", OrgB, "viewer"), "h3"));
        var found = await S.AdminUsers.FindAsync("aDa");
        Assert.Equal(new AdminCredentials(User("Ada", OrgA), "h1"), found);
        Assert.Null(await S.AdminUsers.FindAsync("nobody"));
        Assert.Equal(2, await S.AdminUsers.CountAsync());
        Assert.Equal(new[] { "Ada" }, (await S.AdminUsers.ListAsync(OrgA)).Select(u => u.Username));
        Assert.True(await S.AdminUsers.AnyWithRoleAsync("viewer"));
        Assert.False(await S.AdminUsers.AnyWithRoleAsync("superadmin"));
    }

    [Fact]
    public async Task Role_password_and_delete_change_only_the_named_user_of_its_organisation()
    {
        await S.AdminUsers.AddAsync(User("ada", OrgA), "h1");
        await S.AdminUsers.AddAsync(User("bob", OrgA), "h2");
        Assert.True(await S.AdminUsers.SetRoleAsync("ADA", "superadmin"));
        Assert.True(await S.AdminUsers.SetPasswordHashAsync("Ada", "h9"));
        Assert.False(await S.AdminUsers.SetRoleAsync("nobody", "admin"));
        Assert.Equal(("superadmin", "h9"), ((await S.AdminUsers.FindAsync("ada"))!.User.Role, (await S.AdminUsers.FindAsync("ada"))!.PasswordHash));
        Assert.Equal(("admin", "h2"), ((await S.AdminUsers.FindAsync("bob"))!.User.Role, (await S.AdminUsers.FindAsync("bob"))!.PasswordHash));
        Assert.False(await S.AdminUsers.DeleteAsync(OrgB, "ada"));
        Assert.True(await S.AdminUsers.DeleteAsync(OrgA, "ADA"));
        Assert.Null(await S.AdminUsers.FindAsync("ada"));
        Assert.NotNull(await S.AdminUsers.FindAsync("bob"));
    }

    [Fact]
    public async Task Unassigned_users_and_keys_are_adopted_by_one_organisation()
    {
        await S.AdminUsers.AddAsync(User("old", string.Empty), "h");
        await S.AdminUsers.AddAsync(User("new", OrgB), "h");
        await S.ApiKeys.AddAsync(Key("k-old", string.Empty), Hash("old"));
        Assert.Equal(1, await S.AdminUsers.AdoptUnassignedAsync(OrgA));
        Assert.Equal(0, await S.AdminUsers.AdoptUnassignedAsync(OrgA));
        Assert.Equal(1, await S.ApiKeys.AdoptUnassignedAsync(OrgA));
        Assert.Equal(OrgA, (await S.AdminUsers.FindAsync("old"))!.User.OrganizationId);
        Assert.Equal(OrgB, (await S.AdminUsers.FindAsync("new"))!.User.OrganizationId);
        Assert.Equal("k-old", Assert.Single(await S.ApiKeys.ListAsync(OrgA)).Id);
    }

    [Fact]
    public async Task Revoked_tokens_are_seen_and_expired_revocations_are_purged()
    {
        await S.Revocations.RevokeAsync("old", T0.AddMinutes(5), T0);
        await S.Revocations.RevokeAsync("live", T0.AddHours(1), T0);
        await S.Revocations.RevokeAsync("live", T0.AddHours(1), T0); // a second logout of the same token is no error
        Assert.True(await S.Revocations.IsRevokedAsync("old"));
        Assert.True(await S.Revocations.IsRevokedAsync("live"));
        Assert.False(await S.Revocations.IsRevokedAsync("other"));

        // Past its expiry the token is refused by its own exp; its revocation goes with the next write.
        await S.Revocations.RevokeAsync("later", T0.AddHours(2), T0.AddMinutes(10));
        Assert.False(await S.Revocations.IsRevokedAsync("old"));
        Assert.True(await S.Revocations.IsRevokedAsync("live"));
    }

    [Fact]
    public async Task The_nth_failure_locks_the_name_ignoring_case_until_the_lockout_ends()
    {
        var lockout = TimeSpan.FromMinutes(15);
        Assert.Null(await S.Lockouts.RecordFailureAsync("Ada", T0, 3, lockout));
        Assert.Null(await S.Lockouts.RecordFailureAsync("ada", T0, 3, lockout));
        Assert.False(await S.Lockouts.IsLockedAsync("ADA", T0));
        Assert.Equal(T0.AddSeconds(1) + lockout, await S.Lockouts.RecordFailureAsync("ADA", T0.AddSeconds(1), 3, lockout));
        Assert.True(await S.Lockouts.IsLockedAsync("ada", T0.AddMinutes(10)));
        Assert.False(await S.Lockouts.IsLockedAsync("bob", T0.AddMinutes(10)));
        Assert.False(await S.Lockouts.IsLockedAsync("ada", T0.AddMinutes(16)));

        // After the lock-out the count starts again: one failure does not lock at once.
        Assert.Null(await S.Lockouts.RecordFailureAsync("ada", T0.AddMinutes(16), 3, lockout));
        Assert.False(await S.Lockouts.IsLockedAsync("ada", T0.AddMinutes(16)));
    }

    [Fact]
    public async Task A_success_clears_the_failures()
    {
        await S.Lockouts.RecordFailureAsync("ada", T0, 2, TimeSpan.FromMinutes(1));
        await S.Lockouts.ClearAsync("ADA");
        Assert.Null(await S.Lockouts.RecordFailureAsync("ada", T0, 2, TimeSpan.FromMinutes(1)));
        Assert.NotNull(await S.Lockouts.RecordFailureAsync("ada", T0, 2, TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task Concurrent_failures_are_all_counted()
    {
        // Two hosts counting the same name at once: every failure counts (one write transaction each).
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => S.Lockouts.RecordFailureAsync("ada", T0, 8, TimeSpan.FromMinutes(5)))));
        Assert.Single(results, r => r is not null);
        Assert.True(await S.Lockouts.IsLockedAsync("ada", T0));
    }

    [Fact]
    public async Task Api_keys_are_found_by_hash_listed_per_organisation_revoked_and_expire()
    {
        await S.ApiKeys.AddAsync(Key("k1", OrgA), Hash("one"));
        await S.ApiKeys.AddAsync(Key("k2", OrgA) with { ExpiresAt = T0.AddDays(1), CreatedAt = T0.AddSeconds(1) }, Hash("two"));
        await S.ApiKeys.AddAsync(Key("k3", OrgB), Hash("three"));
        await Assert.ThrowsAsync<DuplicateEntityException>(() => S.ApiKeys.AddAsync(Key("k4", OrgB), Hash("one")));

        Assert.Equal(Key("k1", OrgA), await S.ApiKeys.FindByHashAsync(Hash("one")) is { } k1 ? k1 with { Scopes = s_scopes } : null);
        Assert.Equal(new[] { "device", "display" }, (await S.ApiKeys.FindByHashAsync(Hash("one")))!.Scopes);
        Assert.Null(await S.ApiKeys.FindByHashAsync(Hash("nope")));
        Assert.Equal(new[] { "k1", "k2" }, (await S.ApiKeys.ListAsync(OrgA)).Select(k => k.Id));

        await S.ApiKeys.TouchAsync("k1", T0.AddHours(1));
        Assert.Equal(T0.AddHours(1), (await S.ApiKeys.FindByHashAsync(Hash("one")))!.LastUsedAt);

        Assert.True(await S.ApiKeys.IsLiveAsync("k2", T0));
        Assert.False(await S.ApiKeys.IsLiveAsync("k2", T0.AddDays(1)));
        Assert.False(await S.ApiKeys.RevokeAsync(OrgB, "k1"));
        Assert.True(await S.ApiKeys.IsLiveAsync("k1", T0));
        Assert.True(await S.ApiKeys.RevokeAsync(OrgA, "k1"));
        Assert.False(await S.ApiKeys.IsLiveAsync("k1", T0));
        Assert.True((await S.ApiKeys.FindByHashAsync(Hash("one")))!.Revoked);
        Assert.False(await S.ApiKeys.IsLiveAsync("missing", T0));
    }

    [Fact]
    public async Task A_stream_ticket_is_granted_once_on_its_own_path_until_it_expires()
    {
        var grant = new StreamTicketGrant(OrgA, "/ws/dashboard", "{\"sub\":\"ada\"}", T0.AddMinutes(1));
        await S.Tickets.AddAsync(Hash("t1"), grant, T0);
        await S.Tickets.AddAsync(Hash("t2"), grant with { OrganizationId = OrgB }, T0);
        await S.Tickets.AddAsync(Hash("t3"), grant, T0);
        await Assert.ThrowsAsync<DuplicateEntityException>(() => S.Tickets.AddAsync(Hash("t1"), grant, T0));

        // Another path neither grants it nor uses it up; the right one does, once.
        Assert.Null(await S.Tickets.RedeemAsync(Hash("t1"), "/ws/tracking", T0.AddSeconds(1)));
        Assert.Equal(grant, await S.Tickets.RedeemAsync(Hash("t1"), "/ws/dashboard", T0.AddSeconds(1)));
        Assert.Null(await S.Tickets.RedeemAsync(Hash("t1"), "/ws/dashboard", T0.AddSeconds(2)));
        Assert.Equal(OrgB, (await S.Tickets.RedeemAsync(Hash("t2"), "/ws/dashboard", T0.AddSeconds(2)))!.OrganizationId);
        Assert.Null(await S.Tickets.RedeemAsync(Hash("nope"), "/ws/dashboard", T0));

        // At its expiry it opens nothing; a later issue purges it.
        Assert.Null(await S.Tickets.RedeemAsync(Hash("t3"), "/ws/dashboard", T0.AddMinutes(1)));
        await S.Tickets.AddAsync(Hash("t4"), grant with { ExpiresAt = T0.AddMinutes(3) }, T0.AddMinutes(2));
        Assert.Null(await S.Tickets.RedeemAsync(Hash("t3"), "/ws/dashboard", T0));
        Assert.NotNull(await S.Tickets.RedeemAsync(Hash("t4"), "/ws/dashboard", T0.AddMinutes(2)));
    }

    [Fact]
    public async Task Concurrent_redemptions_of_one_ticket_grant_it_once()
    {
        await S.Tickets.AddAsync(Hash("race"), new StreamTicketGrant(OrgA, "/ws/tracking", "{}", T0.AddMinutes(1)), T0);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => S.Tickets.RedeemAsync(Hash("race"), "/ws/tracking", T0))));
        Assert.Single(results, r => r is not null);
    }

    [Fact]
    public async Task Rate_limit_hits_count_per_bucket_in_a_window_from_its_first_hit_and_start_again_after_it()
    {
        var minute = TimeSpan.FromMinutes(1);
        Assert.Equal(1, await S.RateLimits.HitAsync("login:10.0.0.1", minute, T0));
        Assert.Equal(2, await S.RateLimits.HitAsync("login:10.0.0.1", minute, T0.AddSeconds(59.9)));
        Assert.Equal(1, await S.RateLimits.HitAsync("login:10.0.0.2", minute, T0.AddSeconds(30)));
        Assert.Equal(1, await S.RateLimits.HitAsync("login:10.0.0.1", minute, T0.AddMinutes(1)));
        Assert.Equal(2, await S.RateLimits.HitAsync("login:10.0.0.1", minute, T0.AddMinutes(1.5)));
        Assert.Equal(2, await S.RateLimits.HitAsync("login:10.0.0.2", minute, T0.AddSeconds(89)));
        Assert.Equal(1, await S.RateLimits.HitAsync("login:10.0.0.2", minute, T0.AddSeconds(90)));

        // Hits from several hosts at once are all counted.
        var counts = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => S.RateLimits.HitAsync("login:10.0.0.3", minute, T0))));
        Assert.Equal(Enumerable.Range(1, 10), counts.Order());
    }

    private static readonly string[] s_scopes = ["device", "display"];

    private static ApiKeyInfo Key(string id, string org) => new(id, "till " + id, s_scopes, T0, null, null, false, org);

    private static byte[] Hash(string secret) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret));
}
