using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ScarletStore;

/// <summary>
/// Secure by default: every endpoint needs the store's API key in <c>X-Api-Key</c> (<c>Store:ApiKey</c>, generated when
/// the app was created from the template). Tills, kiosks and screens get the key; nobody else can enrol or look up faces.
/// Replace it with your identity provider (JwtBearer, OpenID Connect) when the store has one.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptions<StoreOptions> store)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "ApiKey";

    /// <inheritdoc />
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue("X-Api-Key", out var sent) || sent.Count != 1 || string.IsNullOrEmpty(sent[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        // Constant-time comparison: the time taken says nothing about how much of the key was right.
        var expected = Encoding.UTF8.GetBytes(store.Value.ApiKey);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent[0]!), expected))
        {
            return Task.FromResult(AuthenticateResult.Fail("Invalid API key"));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "device")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
