using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Scarlet.WebHost.Security;

/// <summary>The claims of a validated admin token.</summary>
internal sealed record AdminPrincipal(string Username, string TokenId, DateTimeOffset ExpiresAt);

/// <summary>An issued token.</summary>
internal sealed record IssuedToken(string Token, string TokenId, DateTimeOffset ExpiresAt);

/// <summary>
/// HS256 JSON Web Tokens for admins: <c>sub</c>, <c>jti</c>, <c>iat</c>, <c>exp</c>, <c>iss</c>. Only HS256 is accepted
/// (no <c>alg: none</c>, no key confusion); revoked token ids are refused.
/// </summary>
internal sealed class JwtService(byte[] key, string issuer, TimeSpan lifetime, TimeProvider time, RevocationList revoked)
{
    private static readonly string s_header = Base64Url.EncodeToString("""{"alg":"HS256","typ":"JWT"}"""u8);

    public TimeSpan Lifetime => lifetime;

    public IssuedToken Issue(string username)
    {
        var now = time.GetUtcNow();
        var exp = now + lifetime;
        var jti = Guid.NewGuid().ToString("N");
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = username,
            ["jti"] = jti,
            ["iss"] = issuer,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = exp.ToUnixTimeSeconds(),
        });
        var unsigned = s_header + "." + Base64Url.EncodeToString(payload);
        var sig = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(unsigned));
        return new IssuedToken(unsigned + "." + Base64Url.EncodeToString(sig), jti, DateTimeOffset.FromUnixTimeSeconds(exp.ToUnixTimeSeconds()));
    }

    public AdminPrincipal? Validate(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 4096)
        {
            return null;
        }

        var parts = token.Split('.');
        if (parts.Length != 3 || !string.Equals(parts[0], s_header, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var expected = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
            if (!CryptographicOperations.FixedTimeEquals(expected, Base64Url.DecodeFromChars(parts[2])))
            {
                return null;
            }

            using var doc = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
            var root = doc.RootElement;
            var sub = root.GetProperty("sub").GetString();
            var jti = root.GetProperty("jti").GetString();
            var exp = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("exp").GetInt64());
            if (sub is null || jti is null || exp <= time.GetUtcNow() || root.GetProperty("iss").GetString() != issuer || revoked.IsRevoked(jti))
            {
                return null;
            }

            return new AdminPrincipal(sub, jti, exp);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }
}
