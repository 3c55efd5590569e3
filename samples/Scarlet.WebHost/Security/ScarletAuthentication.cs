using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using Scarlet.Retail.Storage;

namespace Scarlet.WebHost.Security;

/// <summary>The claim types the host's principals carry (JWT names, not the SOAP URIs .NET maps them to by default).</summary>
internal static class ScarletClaims
{
    public const string Subject = "sub";
    public const string TokenId = "jti";
    public const string Role = "role";
    public const string Expires = "exp";
    public const string Scope = "scope";
    public const string KeyName = "key_name";

    /// <summary>The organisation the principal belongs to: every request works inside it.</summary>
    public const string Organization = "org";
}

/// <summary>
/// The roles of admin users: <c>admin</c> everything in its organisation, <c>operator</c> day-to-day work, <c>viewer</c>
/// read-only; <c>superadmin</c> is an admin that may also create organisations (the bootstrap admin of the default one).
/// </summary>
internal static class Roles
{
    public const string SuperAdmin = "superadmin";
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string Viewer = "viewer";

    public static IReadOnlyList<string> All { get; } = [SuperAdmin, Admin, Operator, Viewer];

    /// <summary>Gets the roles that may do everything inside their organisation.</summary>
    public static IReadOnlyList<string> Admins { get; } = [SuperAdmin, Admin];

    /// <summary>Gets the roles that run the store: cameras, promotions, alerts, customer changes.</summary>
    public static IReadOnlyList<string> Operators { get; } = [SuperAdmin, Admin, Operator];

    public static bool IsValid(string? role) => role is SuperAdmin or Admin or Operator or Viewer;
}

/// <summary>
/// Authentication: admin bearer tokens through the framework's <c>JwtBearer</c> handler, API keys through
/// <see cref="ApiKeyAuthenticationHandler"/>; a request with <c>X-Api-Key</c> is judged by its key only.
/// </summary>
internal static class ScarletAuthentication
{
    public const string DefaultScheme = "Scarlet";

    public static IServiceCollection AddScarletAuthentication(this IServiceCollection services, byte[] secret, JwtOptions jwt)
    {
        var key = new SymmetricSecurityKey(secret);
        services.AddSingleton<StreamTickets>();
        services.AddSingleton(sp => new AdminTokens(key, jwt.Issuer, TimeSpan.FromMinutes(jwt.ExpiryMinutes), sp.GetRequiredService<TimeProvider>()));
        services.AddAuthentication(DefaultScheme)
            .AddPolicyScheme(DefaultScheme, "Admin token, API key or stream ticket", o => o.ForwardDefaultSelector = http =>
                http.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.Header) ? ApiKeyAuthenticationHandler.SchemeName
                : http.Request.Query.ContainsKey(TicketAuthenticationHandler.QueryName) ? TicketAuthenticationHandler.SchemeName
                : JwtBearerDefaults.AuthenticationScheme)
            .AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddScheme<TicketAuthenticationOptions, TicketAuthenticationHandler>(TicketAuthenticationHandler.SchemeName, null)
            .AddJwtBearer(o =>
            {
                // Keep "sub", "role", "jti" as issued (no mapping to SOAP claim URIs).
                o.MapInboundClaims = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwt.Issuer,
                    ValidateAudience = false,
                    IssuerSigningKey = key,

                    // Only HS256: no "alg": "none", no key confusion with another algorithm.
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    RequireSignedTokens = true,
                    RequireExpirationTime = true,

                    // The token lives exactly ExpiryMinutes (the default five minutes of skew would stretch it).
                    ClockSkew = TimeSpan.Zero,
                    NameClaimType = ScarletClaims.Subject,
                    RoleClaimType = ScarletClaims.Role,
                };

                // Only the Authorization header: the token never travels in a URL (streams and sockets use tickets).
                o.Events = new JwtBearerEvents
                {
                    OnTokenValidated = async ctx =>
                    {
                        // Logged-out and refreshed tokens stay valid cryptographically until they expire: refuse their ids.
                        var jti = ctx.Principal?.FindFirstValue(ScarletClaims.TokenId);
                        var role = ctx.Principal?.FindFirstValue(ScarletClaims.Role);
                        var sub = ctx.Principal?.FindFirstValue(ScarletClaims.Subject);
                        var org = ctx.Principal?.FindFirstValue(ScarletClaims.Organization);
                        if (string.IsNullOrEmpty(jti) || string.IsNullOrEmpty(sub) || string.IsNullOrEmpty(org) || !Roles.IsValid(role)
                            || await ctx.HttpContext.RequestServices.GetRequiredService<ITokenRevocationStore>().IsRevokedAsync(jti, ctx.HttpContext.RequestAborted))
                        {
                            ctx.Fail("The token is revoked or incomplete.");
                            return;
                        }

                        // A deleted or deactivated user, or one whose role or organisation changed, loses the token's rights at
                        // once, not in up to 30 minutes (indexed reads of the shared store per admin request, so a logout or a
                        // change on another host counts here too).
                        var user = await ctx.HttpContext.RequestServices.GetRequiredService<IAdminUserStore>().FindAsync(sub, ctx.HttpContext.RequestAborted);
                        if (user is not { User.IsActive: true } found || found.User.Role != role || found.User.OrganizationId != org)
                        {
                            ctx.Fail("The token's user no longer exists, is inactive or has another role or organisation.");
                        }
                    },
                };
            });
        return services;
    }

    /// <summary>Gets the signing secret: configured (≥ 32 bytes), or a random one in Development only.</summary>
    public static byte[] ResolveSecret(string? secret, IWebHostEnvironment env)
    {
        if (!string.IsNullOrEmpty(secret) && Encoding.UTF8.GetByteCount(secret) >= HostSetup.MinSecretBytes && secret.Distinct().Count() >= 8)
        {
            return Encoding.UTF8.GetBytes(secret);
        }

        if (env.IsDevelopment())
        {
            // Development only: a random per-process secret (tokens end with the process).
            return System.Security.Cryptography.RandomNumberGenerator.GetBytes(HostSetup.MinSecretBytes);
        }

        throw new InvalidOperationException($"Scarlet:Jwt:Secret is missing or weak: set at least {HostSetup.MinSecretBytes} random bytes (environment Scarlet__Jwt__Secret), e.g. `openssl rand -base64 48`.");
    }
}

/// <summary>The caller as the endpoints need it, read from the authenticated principal.</summary>
internal static class Caller
{
    /// <summary>Gets the name recorded as "by" in audit-like fields (consent, merges, erasures, acknowledgements).</summary>
    public static string Name(this HttpContext http) =>
        http.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : throw new UnauthorizedException();

    /// <summary>
    /// Gets the organisation of the request's principal; an anonymous caller (the open seed mode) works in
    /// <paramref name="defaultOrganization"/>.
    /// </summary>
    public static string Organization(this ClaimsPrincipal user, string defaultOrganization) =>
        user.Identity is { IsAuthenticated: true }
            ? user.FindFirstValue(ScarletClaims.Organization) is { Length: > 0 } org ? org : throw new UnauthorizedException()
            : defaultOrganization;

    /// <summary>Gets the admin token id and expiry of the current request (for log-out and refresh).</summary>
    public static (string TokenId, DateTimeOffset ExpiresAt) Token(this HttpContext http)
    {
        var jti = http.User.FindFirstValue(ScarletClaims.TokenId) ?? throw new UnauthorizedException();
        var exp = long.TryParse(http.User.FindFirstValue(ScarletClaims.Expires), NumberStyles.None, CultureInfo.InvariantCulture, out var s)
            ? DateTimeOffset.FromUnixTimeSeconds(s)
            : throw new UnauthorizedException();
        return (jti, exp);
    }
}
