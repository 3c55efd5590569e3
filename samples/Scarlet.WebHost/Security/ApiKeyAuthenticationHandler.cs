using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Scarlet.WebHost.Security;

/// <summary>Options of the <c>X-Api-Key</c> scheme (none yet beyond the framework's).</summary>
internal sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions;

/// <summary>
/// Authenticates machines by the <c>X-Api-Key</c> header against <see cref="ApiKeys"/>. The principal's name is
/// <c>key:{id}</c>, its <c>scope</c> claims are the key's scopes, its <c>org</c> the key's organisation; a missing header is no result (another scheme may
/// apply), a wrong, revoked or expired key is a failure (401 where the endpoint needs a principal).
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<ApiKeyAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeys keys)
    : AuthenticationHandler<ApiKeyAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Request.Headers[Header].ToString();
        if (string.IsNullOrEmpty(presented))
        {
            return AuthenticateResult.NoResult();
        }

        // The failure text never repeats the presented key (it may reach a log line).
        var key = await keys.ValidateAsync(presented, Context.RequestAborted);
        if (key is null)
        {
            return AuthenticateResult.Fail("Unknown, revoked or expired API key.");
        }

        List<Claim> claims = [new(ScarletClaims.Subject, "key:" + key.Id), new(ScarletClaims.KeyName, key.Name), new(ScarletClaims.Organization, key.OrganizationId)];
        claims.AddRange(key.Scopes.Select(s => new Claim(ScarletClaims.Scope, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, ScarletClaims.Subject, ScarletClaims.Role));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }
}
