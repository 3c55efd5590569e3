using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Scarlet.Retail;

namespace Scarlet.WebHost.Security;

/// <summary>
/// Admin password hashes by ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (format V3: PBKDF2-HMAC-SHA512,
/// salted, the iteration count stored in the hash). Hashes written before it (<c>pbkdf2-sha256$n$salt$hash</c>) still
/// verify, once, and are then rewritten in the Identity format (<see cref="PasswordVerificationResult.SuccessRehashNeeded"/>).
/// </summary>
internal sealed class PasswordHasher
{
    private const string LegacyPrefix = "pbkdf2-sha256$";
    private readonly PasswordHasher<AdminUser> _identity;
    private readonly string _dummyHash;

    public PasswordHasher(int iterations)
    {
        _identity = new PasswordHasher<AdminUser>(Options.Create(new PasswordHasherOptions { IterationCount = iterations }));
        _dummyHash = Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
    }

    // The default hasher does not read the user: hashes do not depend on it.
    public string Hash(string password) => _identity.HashPassword(null!, password);

    public PasswordVerificationResult Verify(string password, string hash) =>
        hash.StartsWith(LegacyPrefix, StringComparison.Ordinal)
            ? VerifyLegacy(password, hash) ? PasswordVerificationResult.SuccessRehashNeeded : PasswordVerificationResult.Failed
            : _identity.VerifyHashedPassword(null!, hash, password);

    /// <summary>Burns the same time as a real check so unknown user names cannot be told apart by timing.</summary>
    public void Dummy(string password) => _identity.VerifyHashedPassword(null!, _dummyHash, password);

    private static bool VerifyLegacy(string password, string encoded)
    {
        var parts = encoded.Split('$');
        if (parts.Length != 4 || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var n) || n < 1)
        {
            return false;
        }

        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(password, Convert.FromBase64String(parts[2]), n, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
