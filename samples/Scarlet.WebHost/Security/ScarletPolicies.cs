using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace Scarlet.WebHost.Security;

/// <summary>
/// The authorization policies, one per kind of caller an endpoint admits. Roles belong to admin users (JWT), scopes to
/// API keys; role <c>admin</c> passes every policy. Endpoints without a policy still need an authenticated principal
/// (the fallback policy): anything open is marked <c>AllowAnonymous</c> on purpose.
/// </summary>
internal static class ScarletPolicies
{
    /// <summary>Role superadmin: organisations.</summary>
    public const string SuperAdmin = "superadmin";

    /// <summary>Roles admin and superadmin: admin users, API keys, audit, everything in the organisation.</summary>
    public const string Admin = "admin";

    /// <summary>Roles admin and operator: cameras, promotions, alerts, customer changes, exports.</summary>
    public const string Operator = "operator";

    /// <summary>Any admin user (viewer included): the read-only dashboard, their own session.</summary>
    public const string Staff = "staff";

    /// <summary>Operators and <c>device</c> keys (cameras, kiosks, tills): registration, look-ups, frames, tracking.</summary>
    public const string Device = "device";

    /// <summary>Any admin user and <c>display</c> keys (promotion screens): promotions per customer, the tracking socket.</summary>
    public const string Display = "display";

    /// <summary>Any admin user and <c>integration</c> keys: read customers, detections, analytics.</summary>
    public const string Read = "read";

    /// <summary>Admins and <c>integration</c> keys: webhook subscriptions.</summary>
    public const string Webhooks = "webhooks";

    public static IServiceCollection AddScarletAuthorization(this IServiceCollection services)
    {
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(SuperAdmin, p => p.RequireRole(Roles.SuperAdmin))
            .AddPolicy(Admin, p => p.RequireRole(Roles.Admins))
            .AddPolicy(Operator, p => p.RequireRole(Roles.Operators))
            .AddPolicy(Staff, p => p.RequireRole(Roles.All))
            .AddPolicy(Device, p => p.RequireAssertion(c => HasRole(c.User, Roles.Operators) || HasScope(c.User, Scopes.Device)))
            .AddPolicy(Display, p => p.RequireAssertion(c => HasRole(c.User, Roles.All) || HasScope(c.User, Scopes.Display)))
            .AddPolicy(Read, p => p.RequireAssertion(c => HasRole(c.User, Roles.All) || HasScope(c.User, Scopes.Integration)))
            .AddPolicy(Webhooks, p => p.RequireAssertion(c => HasRole(c.User, Roles.Admins) || HasScope(c.User, Scopes.Integration)));
        return services;
    }

    /// <summary>
    /// Opens an endpoint the seed left open to anonymous callers when <c>Scarlet:Security:OpenSeedEndpoints</c> is set
    /// (a lab only: the host warns at start and <c>/health</c> says so); otherwise leaves its policy alone.
    /// </summary>
    public static TBuilder SeedOpen<TBuilder>(this TBuilder builder, IEndpointRouteBuilder app)
        where TBuilder : IEndpointConventionBuilder =>
        app.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ScarletHostOptions>>().Value.Security.OpenSeedEndpoints
            ? builder.AllowAnonymous()
            : builder;

    /// <summary>Requires the named policy on every endpoint of the group.</summary>
    public static TBuilder Require<TBuilder>(this TBuilder builder, string policy)
        where TBuilder : IEndpointConventionBuilder => builder.RequireAuthorization(policy);

    public static bool HasRole(ClaimsPrincipal user, params IEnumerable<string> roles) => roles.Any(user.IsInRole);

    public static bool HasScope(ClaimsPrincipal user, string scope) => user.HasClaim(ScarletClaims.Scope, scope);
}
