using Scarlet.WebHost.Security;

namespace Scarlet.WebHost.Api;

internal sealed record CreateKeyRequest(string? Name, string[]? Scopes, DateTimeOffset? ExpiresAt);

/// <summary>A new key: <c>key</c> is the secret, shown here once and never again.</summary>
internal sealed record CreatedKeyView(string Id, string Key, string Name, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

/// <summary>API keys for cameras, tills, displays and integrations (admin), of the caller's organisation.</summary>
internal static class KeysApi
{
    public static void MapKeysApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/api/keys").RequireAdmin().WithTags("API keys");
        keys.MapPost("/", CreateAsync).WithSummary("Create an API key with scopes device, display and/or integration; the key is shown once");
        keys.MapGet("/", async (HostContext ctx, ApiKeys store, CancellationToken ct) => TypedResults.Ok(await store.ListAsync(ctx.Org, ct))).WithSummary("The API keys (no secrets), with last use");
        keys.MapDelete("/{key_id}", RevokeAsync).WithSummary("Revoke an API key at once");
    }

    public static async Task<IResult> RevokeAsync(string key_id, HttpContext http, HostContext ctx, ApiKeys store, AuditTrail audit, CancellationToken ct)
    {
        var revoked = await store.RevokeAsync(ctx.Org, key_id, ct);
        await audit.RecordAsync(http, AuditActions.KeyRevoked, null, revoked ? Scarlet.Retail.AuditRecord.Succeeded : "not_found", "key=key:" + key_id);
        return revoked ? TypedResults.NoContent() : throw ApiException.NotFound("API key not found");
    }

    public static async Task<IResult> CreateAsync(CreateKeyRequest? body, HttpContext http, HostContext ctx, ApiKeys store, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.Name) || body.Name.Trim().Length > 100)
        {
            throw ApiException.BadRequest("name is required (at most 100 characters)");
        }

        if (body.Scopes is not { Length: > 0 } scopes || !scopes.All(Scopes.IsValid))
        {
            throw ApiException.BadRequest("scopes must list one or more of device, display, integration");
        }

        if (body.ExpiresAt is { } exp && exp <= time.GetUtcNow())
        {
            throw ApiException.BadRequest("expires_at must be in the future");
        }

        var (info, key) = await store.CreateAsync(ctx.Org, body.Name.Trim(), [.. scopes.Distinct(StringComparer.Ordinal)], body.ExpiresAt, ct);
        await audit.RecordAsync(http, AuditActions.KeyCreated, null, detail: $"key=key:{info.Id}; scopes={string.Join(',', info.Scopes)}");
        return TypedResults.Created($"/api/keys/{info.Id}", new CreatedKeyView(info.Id, key, info.Name, info.Scopes, info.CreatedAt, info.ExpiresAt));
    }
}
