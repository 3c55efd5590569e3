using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Scarlet.Retail;

namespace Scarlet.WebHost.Security;

/// <summary>An issued admin token.</summary>
internal sealed record IssuedToken(string Token, string TokenId, DateTimeOffset ExpiresAt);

/// <summary>
/// Issues the admin bearer tokens that <c>JwtBearer</c> validates (see <see cref="ScarletAuthentication"/>): HS256 with
/// <c>sub</c>, <c>jti</c>, <c>role</c>, <c>org</c>, <c>iat</c>, <c>nbf</c>, <c>exp</c>, <c>iss</c>. Signing is IdentityModel's, so
/// issuance and validation share one implementation and one key.
/// </summary>
internal sealed class AdminTokens(SymmetricSecurityKey key, string issuer, TimeSpan lifetime, TimeProvider time)
{
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SigningCredentials _credentials = new(key, SecurityAlgorithms.HmacSha256);

    public TimeSpan Lifetime => lifetime;

    public IssuedToken Issue(AdminUser user)
    {
        // Whole seconds, as in the token, so the stored revocation expiry equals the token's.
        var now = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds());
        var exp = now + lifetime;
        var jti = Guid.NewGuid().ToString("N");
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Subject = new ClaimsIdentity([new Claim(ScarletClaims.Subject, user.Username), new Claim(ScarletClaims.TokenId, jti), new Claim(ScarletClaims.Role, user.Role), new Claim(ScarletClaims.Organization, user.OrganizationId)]),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = exp.UtcDateTime,
            SigningCredentials = _credentials,
        });
        return new IssuedToken(token, jti, exp);
    }
}
