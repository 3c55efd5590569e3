using Scarlet.Retail;
using Scarlet.WebHost.Live;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost.Api;

internal sealed record LoginRequest(string? Username, string? Password);

internal sealed record AdminUserView(string Username, string FullName, string Email, bool IsActive, DateTimeOffset CreatedAt, string Role, string OrganizationId)
{
    public static AdminUserView From(AdminUser u) => new(u.Username, u.FullName, u.Email, u.IsActive, u.CreatedAt, u.Role, u.OrganizationId);
}

internal sealed record LoginResponse(string AccessToken, string TokenType, int ExpiresIn, AdminUserView User);

internal sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn);

/// <summary>A new admin user of the caller's organisation; <c>role</c> is admin, operator or viewer (least privilege, viewer, when left out), superadmin from a superadmin only.</summary>
internal sealed record CreateAdminRequest(string? Username, string? Password, string? FullName, string? Email, string? Role);

internal sealed record MessageResponse(string Message);

internal sealed record DashboardStats(int TotalUsers, int ActiveUsers, long TotalLogs, int WebsocketClients, string ServerStatus, int Cameras, int PeoplePresent, int ActiveAlerts);

/// <summary>The gateway's admin endpoints: log-in, log-out, refresh, admin users, dashboard statistics, logs.</summary>
internal static class AdminApi
{
    public static void MapAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/admin/login", LoginAsync).WithMetadata(LoginRateLimitMetadata.Instance).AllowAnonymous()
            .WithTags("Admin").WithSummary("Log in; returns a 30-minute bearer token");
        var session = app.MapGroup("/admin").Require(ScarletPolicies.Staff).WithTags("Admin");
        session.MapPost("/logout", LogoutAsync).WithSummary("Revoke the current token");
        session.MapPost("/refresh", RefreshAsync).WithSummary("Exchange the current token for a fresh one (the old one is revoked)");
        session.MapGet("/me", MeAsync);
        session.MapGet("/dashboard/stats", StatsAsync);
        session.MapGet("/logs", AdminLogsAsync);
        var users = app.MapGroup("/admin/users").RequireAdmin().WithTags("Admin");
        users.MapGet("/", ListUsersAsync);
        users.MapPost("/", CreateUserAsync).WithSummary("Create an admin user with role admin, operator or viewer (default viewer)");
        users.MapDelete("/{username}", DeleteUserAsync);
    }

    public static async Task<IResult> LoginAsync(LoginRequest? body, AdminAccounts accounts, AdminTokens tokens, AuditTrail audit, HostContext ctx, CancellationToken ct)
    {
        if (body is null || string.IsNullOrEmpty(body.Username) || string.IsNullOrEmpty(body.Password))
        {
            throw ApiException.BadRequest("username and password are required");
        }

        if (body.Username.Length > 256 || body.Password.Length > 1024)
        {
            return Problems.Result(StatusCodes.Status401Unauthorized, AdminAccounts.LoginFailed);
        }

        var result = await accounts.LoginAsync(body.Username, body.Password, ct);
        if (result is not { } ok)
        {
            // A failed log-in names the account only when it exists: people type their password into the user field.
            // It is recorded in the account's organisation (an unknown name in the default one).
            var known = await accounts.FindAsync(body.Username, ct) is { } user ? user.User : null;
            await audit.RecordAsync(known?.OrganizationId ?? ctx.DefaultOrg, known?.Username ?? "unknown", AuditActions.AdminLogin, null, "failed");
            return Problems.Result(StatusCodes.Status401Unauthorized, AdminAccounts.LoginFailed);
        }

        await audit.RecordAsync(ok.User.OrganizationId, ok.User.Username, AuditActions.AdminLogin, null);

        return TypedResults.Ok(new LoginResponse(ok.Token.Token, "bearer", (int)tokens.Lifetime.TotalSeconds, AdminUserView.From(ok.User)));
    }

    public static async Task<Microsoft.AspNetCore.Http.HttpResults.Ok<MessageResponse>> LogoutAsync(HttpContext http, AdminAccounts accounts, CancellationToken ct)
    {
        var (jti, exp) = http.Token();
        await accounts.LogoutAsync(jti, exp, ct);
        return TypedResults.Ok(new MessageResponse("Successfully logged out"));
    }

    public static async Task<Microsoft.AspNetCore.Http.HttpResults.Ok<TokenResponse>> RefreshAsync(HttpContext http, AdminAccounts accounts, AdminTokens tokens, CancellationToken ct)
    {
        var (jti, exp) = http.Token();
        var token = await accounts.RefreshAsync(http.Name(), jti, exp, ct);
        return TypedResults.Ok(new TokenResponse(token.Token, "bearer", (int)tokens.Lifetime.TotalSeconds));
    }

    public static async Task<IResult> MeAsync(HttpContext http, AdminAccounts accounts, CancellationToken ct)
    {
        var found = await accounts.FindAsync(http.Name(), ct) ?? throw new UnauthorizedException();
        return TypedResults.Ok(AdminUserView.From(found.User));
    }

    public static async Task<IResult> ListUsersAsync(HostContext ctx, AdminAccounts accounts, CancellationToken ct) =>
        TypedResults.Ok((await accounts.ListAsync(ctx.Org, ct)).Select(AdminUserView.From).ToList());

    public static async Task<IResult> CreateUserAsync(CreateAdminRequest? body, HttpContext http, HostContext ctx, AdminAccounts accounts, CancellationToken ct)
    {
        if (body is null || body.Username is null || body.Password is null)
        {
            throw ApiException.BadRequest("username and password are required");
        }

        if (body.Role == Roles.SuperAdmin && !http.User.IsInRole(Roles.SuperAdmin))
        {
            throw new ApiException(StatusCodes.Status403Forbidden, "Only a superadmin may create a superadmin");
        }

        var user = await accounts.CreateAsync(ctx.Org, body.Username, body.Password, body.FullName, body.Email, string.IsNullOrEmpty(body.Role) ? Roles.Viewer : body.Role, ct);
        return TypedResults.Created($"/admin/users/{Uri.EscapeDataString(user.Username)}", AdminUserView.From(user));
    }

    public static async Task<IResult> DeleteUserAsync(string username, HttpContext http, HostContext ctx, AdminAccounts accounts, CancellationToken ct)
    {
        if (string.Equals(username, http.Name(), StringComparison.OrdinalIgnoreCase))
        {
            throw ApiException.BadRequest("Cannot delete your own account");
        }

        // An admin cannot remove the superadmin above it.
        if (await accounts.FindAsync(username, ct) is { User.Role: Roles.SuperAdmin } && !http.User.IsInRole(Roles.SuperAdmin))
        {
            throw new ApiException(StatusCodes.Status403Forbidden, "Only a superadmin may delete a superadmin");
        }

        if (!await accounts.DeleteAsync(ctx.Org, username, ct))
        {
            throw ApiException.NotFound("User not found");
        }

        return TypedResults.Ok(new MessageResponse($"User {username} deleted"));
    }

    public static async Task<IResult> StatsAsync(HostContext ctx, LiveHubs hubs, CameraManager cameras, LivePeople people, CancellationToken ct) =>
        TypedResults.Ok(await BuildStatsAsync(ctx, ctx.Org, hubs, cameras, people, ct));

    /// <summary>The dashboard's figures for one organisation (also sent on <c>/ws/dashboard</c>, outside any request).</summary>
    public static async Task<DashboardStats> BuildStatsAsync(HostContext ctx, string org, LiveHubs hubs, CameraManager cameras, LivePeople people, CancellationToken ct)
    {
        var customers = await ctx.Customers.ListAsync(org, 1, 0, ct);
        var active = await ctx.Visits.GetActivePersonsAsync(org, cancellationToken: ct);
        var logs = await ctx.Log.CountAsync(org, ct);
        var alerts = await ctx.Alerts.CountActiveAsync(org, ct);
        return new DashboardStats(customers.Total, active, logs, hubs.Dashboard.ClientsOf(org) + hubs.Tracking.ClientsOf(org), "healthy", cameras.Of(org).Count, people.Present(org).Count, alerts);
    }

    public static async Task<IResult> AdminLogsAsync(HostContext ctx, int? limit, CancellationToken ct) =>
        TypedResults.Ok(await ctx.Log.GetRecentAsync(ctx.Org, Paging.Limit(limit, 100, 1000), ct));
}

/// <summary>Query-parameter checks shared by the endpoints.</summary>
internal static class Paging
{
    public static int Limit(int? limit, int @default, int max) =>
        limit switch
        {
            null => @default,
            < 1 => throw ApiException.BadRequest("limit must be at least 1", "limit"),
            _ when limit > max => throw ApiException.BadRequest($"limit must be at most {max}", "limit"),
            _ => limit.Value,
        };

    public static int Offset(int? offset) => offset is < 0 ? throw ApiException.BadRequest("offset must not be negative", "offset") : offset ?? 0;
}

/// <summary>The retail services and the organisation every request works in.</summary>
internal sealed class HostContext(CustomerService customers, PromotionEngine promotions, VisitAnalytics visits, AlertEngine alerts, EventLog log, PrivacyService privacy, CustomerMergeService merges, Scarlet.Retail.Storage.IEventStore events, IHttpContextAccessor http, Microsoft.Extensions.Options.IOptions<ScarletHostOptions> options)
{
    /// <summary>Gets the default organisation (<c>Scarlet:Organization</c>): a one-store install's, the configured cameras'.</summary>
    public string DefaultOrg { get; } = options.Value.Organization;

    /// <summary>
    /// Gets the organisation of the current request's principal (its <c>org</c> claim; an anonymous caller of the open
    /// seed mode works in the default one). Read it while the request runs: work that outlives the request (an export
    /// job) takes the value along, it does not read it later.
    /// </summary>
    public string Org => (http.HttpContext ?? throw new InvalidOperationException("HostContext.Org is read outside a request.")).User.Organization(DefaultOrg);

    public CustomerService Customers => customers;

    public PromotionEngine Promotions => promotions;

    public VisitAnalytics Visits => visits;

    public AlertEngine Alerts => alerts;

    public EventLog Log => log;

    public PrivacyService Privacy => privacy;

    public CustomerMergeService Merges => merges;

    public Scarlet.Retail.Storage.IEventStore Events => events;
}
