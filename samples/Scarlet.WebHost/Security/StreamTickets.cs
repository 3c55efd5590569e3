using System.Security.Claims;
using System.Security.Cryptography;
using System.Buffers.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Scarlet.Retail;
using Scarlet.Retail.Storage;

namespace Scarlet.WebHost.Security;

/// <summary>What a ticket carries: the one path it opens and the principal that asked for it.</summary>
internal sealed record StreamTicket(string Path, string Subject, string? TokenId, string? KeyId, string[] Roles, string[] Scopes, string Organization);

/// <summary>
/// Short-lived, single-use tickets for what a browser cannot send a header with (an <c>&lt;img&gt;</c> MJPEG view, a
/// WebSocket): <c>?ticket=</c> instead of the long-lived admin token in a URL. A ticket is 32 random bytes; the database
/// keeps only their SHA-256 with the caller's principal, organisation and path (<see cref="IStreamTicketStore"/>), so a
/// ticket issued by one host of a cluster opens its path on any host sharing the database, once, for a minute.
/// </summary>
internal sealed class StreamTickets(IStreamTicketStore store, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);
    private const int SecretBytes = 32;

    public async Task<string> IssueAsync(ClaimsPrincipal user, string path, CancellationToken cancellationToken)
    {
        var subject = user.FindFirstValue(ScarletClaims.Subject) ?? throw new UnauthorizedException();
        var ticket = new StreamTicket(
            path,
            subject,
            user.FindFirstValue(ScarletClaims.TokenId),
            subject.StartsWith("key:", StringComparison.Ordinal) ? subject[4..] : null,
            [.. user.FindAll(ScarletClaims.Role).Select(c => c.Value)],
            [.. user.FindAll(ScarletClaims.Scope).Select(c => c.Value)],
            user.FindFirstValue(ScarletClaims.Organization) ?? throw new UnauthorizedException());
        var secret = RandomNumberGenerator.GetBytes(SecretBytes);
        var now = clock.GetUtcNow();
        await store.AddAsync(SHA256.HashData(secret), new StreamTicketGrant(ticket.Organization, path, JsonSerializer.Serialize(ticket), now + Lifetime), now, cancellationToken);
        return Base64Url.EncodeToString(secret);
    }

    /// <summary>Uses a ticket up on <paramref name="path"/>.</summary>
    /// <returns>The ticket, or <see langword="null"/> when it is forged, used, expired, for another path or not readable.</returns>
    public async Task<StreamTicket?> RedeemAsync(string presented, string path, CancellationToken cancellationToken)
    {
        Span<byte> secret = stackalloc byte[SecretBytes + 1];
        if (presented.Length > 64 || !Base64Url.TryDecodeFromChars(presented, secret, out var written) || written != SecretBytes)
        {
            return null;
        }

        var grant = await store.RedeemAsync(SHA256.HashData(secret[..SecretBytes]), path, clock.GetUtcNow(), cancellationToken);
        try
        {
            return grant is null ? null : JsonSerializer.Deserialize<StreamTicket>(grant.Principal) is { } t && t.Organization == grant.OrganizationId && t.Path == path ? t : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Options of the ticket scheme (none beyond the framework's).</summary>
internal sealed class TicketAuthenticationOptions : AuthenticationSchemeOptions;

/// <summary>
/// Authenticates a <c>?ticket=</c> for the one path it was issued for, as the principal that asked for it, in its
/// organisation (so the endpoint's policy and organisation still decide), unless that admin token was revoked or that key revoked meanwhile.
/// </summary>
internal sealed class TicketAuthenticationHandler(IOptionsMonitor<TicketAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder, StreamTickets tickets, ITokenRevocationStore revoked, ApiKeys keys)
    : AuthenticationHandler<TicketAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "Ticket";
    public const string QueryName = "ticket";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Request.Query[QueryName].ToString();
        if (string.IsNullOrEmpty(presented))
        {
            return AuthenticateResult.NoResult();
        }

        var ticket = await tickets.RedeemAsync(presented, Request.Path.Value ?? string.Empty, Context.RequestAborted);
        if (ticket is null)
        {
            return AuthenticateResult.Fail("Invalid or expired ticket, or a ticket for another path.");
        }

        if ((ticket.TokenId is { } jti && await revoked.IsRevokedAsync(jti, Context.RequestAborted)) || (ticket.KeyId is { } id && !await keys.IsLiveAsync(id, Context.RequestAborted)))
        {
            return AuthenticateResult.Fail("The ticket's principal is no longer valid.");
        }

        List<Claim> claims = [new(ScarletClaims.Subject, ticket.Subject), new(ScarletClaims.Organization, ticket.Organization)];
        claims.AddRange(ticket.Roles.Select(r => new Claim(ScarletClaims.Role, r)));
        claims.AddRange(ticket.Scopes.Select(s => new Claim(ScarletClaims.Scope, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, ScarletClaims.Subject, ScarletClaims.Role));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }
}
