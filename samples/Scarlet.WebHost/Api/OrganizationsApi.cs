using Scarlet.Retail.Storage;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost.Api;

/// <summary>The first admin of a new organisation (role admin).</summary>
internal sealed record FirstAdminRequest(string? Username, string? Password, string? FullName, string? Email);

/// <summary>A new organisation: <c>id</c> is 1-64 lower-case letters, digits, '-', '_' or '.'.</summary>
internal sealed record CreateOrganizationRequest(string? Id, string? Name, FirstAdminRequest? Admin);

internal sealed record OrganizationView(string Id);

internal sealed record CreatedOrganizationView(string Id, string Name, AdminUserView Admin);

/// <summary>
/// Organisations (superadmin): each has its own customers, galleries, cameras, keys, users, events and audit trail; its
/// first admin manages the rest of it.
/// </summary>
internal static class OrganizationsApi
{
    public static void MapOrganizationsApi(this IEndpointRouteBuilder app)
    {
        var orgs = app.MapGroup("/api/organizations").Require(ScarletPolicies.SuperAdmin).WithTags("Organizations");
        orgs.MapPost("/", CreateAsync).WithSummary("Create an organisation and its first admin (superadmin)");
        orgs.MapGet("/", async (IOrganizationStore store, CancellationToken ct) => TypedResults.Ok((await store.ListAsync(ct)).Select(id => new OrganizationView(id)).ToList()))
            .WithSummary("The organisations (superadmin)");
    }

    public static async Task<IResult> CreateAsync(CreateOrganizationRequest? body, IOrganizationStore store, ICatalogStore catalog, AdminAccounts accounts, Microsoft.Extensions.Options.IOptions<ScarletHostOptions> options, CancellationToken ct)
    {
        if (body?.Id is not { } id || id.Length is < 1 or > 64 || !id.All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch is '-' or '_' or '.'))
        {
            throw ApiException.BadRequest("id must be 1-64 lower-case letters, digits, '-', '_' or '.'");
        }

        if (body.Admin is not { Username: { } username, Password: { } password } admin)
        {
            throw ApiException.BadRequest("admin with username and password is required");
        }

        if ((await store.ListAsync(ct)).Contains(id, StringComparer.Ordinal))
        {
            throw new ApiException(StatusCodes.Status409Conflict, "Organization already exists");
        }

        // The admin first: a taken user name or a weak password leaves no organisation without an admin behind.
        var name = string.IsNullOrWhiteSpace(body.Name) ? id : body.Name.Trim();
        var user = await accounts.CreateAsync(id, username, password, admin.FullName, admin.Email, Roles.Admin, ct);
        await store.EnsureAsync(id, name, ct);
        await HostStartup.SeedCatalogAsync(catalog, options.Value, id, ct);
        return TypedResults.Created($"/api/organizations/{id}", new CreatedOrganizationView(id, name, AdminUserView.From(user)));
    }
}
