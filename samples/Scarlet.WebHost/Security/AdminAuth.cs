using System.Security.Claims;

namespace Scarlet.WebHost.Security;

/// <summary>Authorization helpers for the endpoint groups.</summary>
internal static class AdminAuth
{
    /// <summary>Requires an admin user with the <c>admin</c> role on every endpoint of the group.</summary>
    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(ScarletPolicies.Admin);

    /// <summary>
    /// Whether the caller may read customer records by id: admins, operators and <c>integration</c> keys. Endpoints open
    /// to other callers (a till's <c>device</c> key, a viewer) ask before they name an existing customer, so they cannot
    /// learn who a face belongs to.
    /// </summary>
    public static bool CanReadCustomers(HttpContext http) => CanReadCustomers(http.User);

    public static bool CanReadCustomers(ClaimsPrincipal user) =>
        ScarletPolicies.HasRole(user, Roles.Operators) || ScarletPolicies.HasScope(user, Scopes.Integration);

    /// <summary>Whether the caller may see camera sources (paths, URLs, credentials): admins only.</summary>
    public static bool CanSeeCameraSources(HttpContext http) => ScarletPolicies.HasRole(http.User, Roles.Admins);
}
