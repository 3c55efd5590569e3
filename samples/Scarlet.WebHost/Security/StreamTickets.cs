using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Scarlet.Retail.Storage;

namespace Scarlet.WebHost.Security;

/// <summary>What a ticket carries: the one path it opens and the principal that asked for it.</summary>
internal sealed record StreamTicket(string Path, string Subject, string? TokenId, string? KeyId, string[] Roles, string[] Scopes, string Organization);

/// <summary>
/// Short-lived tickets for what a browser cannot send a header with (an <c>&lt;img&gt;</c> MJPEG view, a WebSocket):
/// <c>?ticket=</c> instead of the long-lived admin token in a URL. A ticket is the caller's principal and one path,
/// encrypted and signed by ASP.NET Data Protection's time-limited protector. The keys are ephemeral (in memory): a ticket
/// lives a minute, so nothing needs to outlive the process or be written to disk.
/// </summary>
internal sealed class StreamTickets
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);
    private readonly ITimeLimitedDataProtector _protector;

    public StreamTickets(ILoggerFactory loggers)
    {
        _protector = new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider(loggers)
            .CreateProtector("Scarlet.WebHost.StreamTicket.v1")
            .ToTimeLimitedDataProtector();
    }

    public string Issue(ClaimsPrincipal user, string path)
    {
        var key = user.FindFirstValue(ScarletClaims.Subject) is { } sub && sub.StartsWith("key:", StringComparison.Ordinal) ? sub[4..] : null;
        var ticket = new StreamTicket(
            path,
            user.FindFirstValue(ScarletClaims.Subject) ?? throw new UnauthorizedException(),
            user.FindFirstValue(ScarletClaims.TokenId),
            key,
            [.. user.FindAll(ScarletClaims.Role).Select(c => c.Value)],
            [.. user.FindAll(ScarletClaims.Scope).Select(c => c.Value)],
            user.FindFirstValue(ScarletClaims.Organization) ?? throw new UnauthorizedException());
        return _protector.Protect(JsonSerializer.Serialize(ticket), Lifetime);
    }

    /// <returns>The ticket, or <see langword="null"/> when it is forged, expired or not readable.</returns>
    public StreamTicket? Read(string protectedTicket)
    {
        try
        {
            return JsonSerializer.Deserialize<StreamTicket>(_protector.Unprotect(protectedTicket));
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException or FormatException)
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

        var ticket = tickets.Read(presented);
        if (ticket is null || !string.Equals(ticket.Path, Request.Path.Value, StringComparison.Ordinal))
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
