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
    /// Whether the caller may read customer records. Endpoints open to other callers ask before they name an existing
    /// customer, so a caller that may not read customers cannot learn who a face belongs to.
    /// </summary>
    public static bool CanReadCustomers(HttpContext http) => CanReadCustomers(http.User);

    public static bool CanReadCustomers(ClaimsPrincipal user) => user.IsInRole(Roles.Admin);
}
