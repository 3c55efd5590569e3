using Microsoft.Extensions.Options;
using Scarlet.Retail;
using Scarlet.Retail.Storage;

namespace Scarlet.WebHost.Security;

/// <summary>Admin log-in, users and the configured bootstrap admin (users, logouts and lock-outs in the library's stores, shared by hosts on one database).</summary>
internal sealed class AdminAccounts(IAdminUserStore store, IApiKeyStore keys, PasswordHasher hasher, LoginGuard guard, AdminTokens tokens, ITokenRevocationStore revoked, TimeProvider time, IOptions<ScarletHostOptions> options, ILogger<AdminAccounts> logger)
{
    /// <summary>The one error text of a failed log-in: it does not say which part was wrong or whether the name exists.</summary>
    public const string LoginFailed = "Incorrect username or password";

    public const int MinPasswordLength = 12;

    public async Task BootstrapAsync(CancellationToken ct)
    {
        // Users and keys of a database from before organisations (imported with no organisation by the schema
        // migration): every one worked in the one configured organisation.
        await store.AdoptUnassignedAsync(options.Value.Organization, ct);
        await keys.AdoptUnassignedAsync(options.Value.Organization, ct);
        var a = options.Value.Admin;
        if (await store.CountAsync(ct) > 0)
        {
            // A database from before organisations has no superadmin: the configured bootstrap admin of the default
            // organisation becomes it (so someone may create organisations), as a fresh install would have it.
            if (!string.IsNullOrWhiteSpace(a.Username) && !await store.AnyWithRoleAsync(Roles.SuperAdmin, ct)
                && await store.FindAsync(a.Username.Trim(), ct) is { User: { Role: Roles.Admin } user } && user.OrganizationId == options.Value.Organization
                && await store.SetRoleAsync(user.Username, Roles.SuperAdmin, ct))
            {
                logger.LogInformation("The bootstrap admin {User} of organisation {Organization} is now superadmin.", user.Username, user.OrganizationId);
            }

            return;
        }

        if (string.IsNullOrWhiteSpace(a.Username) || string.IsNullOrEmpty(a.Password))
        {
            logger.LogWarning("No admin user exists. Set Scarlet__Admin__Username and Scarlet__Admin__Password (at least {Min} characters) and restart to create the first admin.", MinPasswordLength);
            return;
        }

        ValidateNew(a.Username, a.Password);
        await store.AddAsync(new AdminUser(a.Username.Trim(), a.Username.Trim(), string.Empty, true, time.GetUtcNow(), Roles.SuperAdmin, options.Value.Organization), hasher.Hash(a.Password), ct);
        logger.LogInformation("Created the bootstrap admin {User} (superadmin of organisation {Organization}) from configuration.", a.Username, options.Value.Organization);
    }

    public async Task<(IssuedToken Token, AdminUser User)?> LoginAsync(string username, string password, CancellationToken ct)
    {
        if (await guard.IsLockedAsync(username, ct))
        {
            hasher.Dummy(password);
            return null;
        }

        var found = await store.FindAsync(username, ct);
        if (found is null)
        {
            hasher.Dummy(password);
            await guard.FailedAsync(username, ct);
            return null;
        }

        var check = hasher.Verify(password, found.PasswordHash);
        if (check == Microsoft.AspNetCore.Identity.PasswordVerificationResult.Failed || !found.User.IsActive)
        {
            await guard.FailedAsync(username, ct);
            return null;
        }

        if (check == Microsoft.AspNetCore.Identity.PasswordVerificationResult.SuccessRehashNeeded)
        {
            // An older format or fewer iterations than configured: upgraded now that the password is known.
            await store.SetPasswordHashAsync(found.User.Username, hasher.Hash(password), ct);
        }

        await guard.SucceededAsync(username, ct);
        return (tokens.Issue(found.User), found.User);
    }

    public Task LogoutAsync(string tokenId, DateTimeOffset expiresAt, CancellationToken ct) => revoked.RevokeAsync(tokenId, expiresAt, time.GetUtcNow(), ct);

    /// <summary>Revokes the current token and issues a new one with the user's current role.</summary>
    public async Task<IssuedToken> RefreshAsync(string username, string tokenId, DateTimeOffset expiresAt, CancellationToken ct)
    {
        var found = await store.FindAsync(username, ct);
        if (found is null || !found.User.IsActive)
        {
            throw new UnauthorizedException();
        }

        await revoked.RevokeAsync(tokenId, expiresAt, time.GetUtcNow(), ct);
        return tokens.Issue(found.User);
    }

    /// <summary>Creates a user in an organisation (the caller's; a new organisation's first admin).</summary>
    public async Task<AdminUser> CreateAsync(string organizationId, string username, string password, string? fullName, string? email, string role, CancellationToken ct)
    {
        ValidateNew(username, password);
        if (!Roles.IsValid(role))
        {
            throw new ArgumentException("role must be admin, operator or viewer (superadmin: only a superadmin may give it)");
        }

        var user = new AdminUser(username.Trim(), fullName?.Trim() ?? string.Empty, email?.Trim() ?? string.Empty, true, time.GetUtcNow(), role, organizationId);
        if (!await store.AddAsync(user, hasher.Hash(password), ct))
        {
            throw new ArgumentException("Username already exists");
        }

        return user;
    }

    public Task<IReadOnlyList<AdminUser>> ListAsync(string organizationId, CancellationToken ct) => store.ListAsync(organizationId, ct);

    public Task<bool> DeleteAsync(string organizationId, string username, CancellationToken ct) => store.DeleteAsync(organizationId, username, ct);

    public Task<AdminCredentials?> FindAsync(string username, CancellationToken ct) => store.FindAsync(username, ct);

    private static void ValidateNew(string username, string password)
    {
        if (string.IsNullOrWhiteSpace(username) || username.Trim().Length > 64 || !username.Trim().All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '-' or '@'))
        {
            throw new ArgumentException("username must be 1-64 characters of letters, digits, '.', '_', '-' or '@'");
        }

        if (password is null || password.Length < MinPasswordLength || password.Length > 1024)
        {
            throw new ArgumentException($"password must be {MinPasswordLength} to 1024 characters");
        }
    }
}

/// <summary>The caller is not (or no longer) authenticated.</summary>
internal sealed class UnauthorizedException : Exception
{
    public UnauthorizedException()
        : base("Not authenticated")
    {
    }
}
