using Microsoft.AspNetCore.Authorization;

namespace Scarlet.WebHost.Security;

/// <summary>
/// The authorization policies, one per kind of caller an endpoint group admits. Roles belong to admin users (JWT),
/// scopes to API keys; <c>admin</c> passes every policy.
/// </summary>
internal static class ScarletPolicies
{
    /// <summary>Admin users with the <c>admin</c> role: users, keys, everything.</summary>
    public const string Admin = "admin";

    /// <summary>Any admin user, whatever the role (their own session: me, refresh, log-out).</summary>
    public const string Staff = "staff";

    public static IServiceCollection AddScarletAuthorization(this IServiceCollection services)
    {
        services.AddAuthorizationBuilder()
            .AddPolicy(Admin, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Staff, p => p.RequireRole(Roles.All));
        return services;
    }

    /// <summary>Requires the named policy on every endpoint of the group.</summary>
    public static TBuilder Require<TBuilder>(this TBuilder builder, string policy)
        where TBuilder : IEndpointConventionBuilder => builder.RequireAuthorization(policy);
}
