namespace Scarlet.WebHost.Security;

/// <summary>Bearer-token checks for admin endpoints and admin WebSockets.</summary>
internal static class AdminAuth
{
    private const string ItemKey = "scarlet.admin";

    /// <summary>Requires a valid, unrevoked admin token on every endpoint of the group.</summary>
    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (ctx, next) =>
        {
            var http = ctx.HttpContext;
            var principal = Authenticate(http, allowQuery: false);
            if (principal is null)
            {
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return TypedResults.Json(new ErrorBody("Not authenticated"), statusCode: StatusCodes.Status401Unauthorized);
            }

            return await next(ctx);
        }).WithMetadata(new AdminOnlyMetadata());

    /// <summary>Validates the bearer token (header, or the <c>token</c> query parameter for browser WebSockets).</summary>
    public static AdminPrincipal? Authenticate(HttpContext http, bool allowQuery)
    {
        if (http.Items.TryGetValue(ItemKey, out var cached) && cached is AdminPrincipal p)
        {
            return p;
        }

        string? token = null;
        var header = http.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header["Bearer ".Length..].Trim();
        }
        else if (allowQuery)
        {
            token = http.Request.Query["token"].ToString();
        }

        var principal = http.RequestServices.GetRequiredService<JwtService>().Validate(token);
        if (principal is not null)
        {
            http.Items[ItemKey] = principal;
        }

        return principal;
    }

    /// <summary>
    /// Whether the caller may read customer records (today: a valid admin bearer token). Open endpoints ask before they
    /// name an existing customer, so an anonymous caller cannot learn who a face belongs to.
    /// </summary>
    public static bool CanReadCustomers(HttpContext http) => Authenticate(http, allowQuery: false) is not null;

    public static AdminPrincipal Admin(this HttpContext http) =>
        http.Items.TryGetValue(ItemKey, out var p) && p is AdminPrincipal a ? a : throw new InvalidOperationException("Endpoint is not admin-only.");
}

/// <summary>Marks admin-only endpoints (the OpenAPI document and docs read it).</summary>
internal sealed class AdminOnlyMetadata;
