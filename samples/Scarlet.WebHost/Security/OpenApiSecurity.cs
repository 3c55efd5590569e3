using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Scarlet.WebHost.Security;

/// <summary>
/// Declares the host's credentials in <c>/openapi/v1.json</c> (a bearer admin token, an <c>X-Api-Key</c> key, a stream
/// ticket) and, per operation, which of them it takes and who may call it, read from the endpoint's own authorization
/// metadata: generated clients know what to send, and the document cannot drift from the policies.
/// </summary>
internal static class OpenApiSecurity
{
    public const string Bearer = "Bearer";
    public const string ApiKey = "ApiKey";
    public const string Ticket = "Ticket";

    /// <summary>The policies an API key can satisfy (by a scope); the others are for admin users only.</summary>
    private static readonly HashSet<string> s_keyPolicies = new(StringComparer.Ordinal) { ScarletPolicies.Device, ScarletPolicies.Display, ScarletPolicies.Read, ScarletPolicies.Webhooks };

    public static void Configure(OpenApiOptions o)
    {
        o.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
            document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "An admin user's token from POST /admin/login (30 minutes; roles superadmin, admin, operator, viewer).",
            };
            document.Components.SecuritySchemes[ApiKey] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthenticationHandler.Header,
                Description = "A machine's API key from POST /api/keys (scopes device, display, integration).",
            };
            document.Components.SecuritySchemes[Ticket] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Query,
                Name = TicketAuthenticationHandler.QueryName,
                Description = "A 60-second ticket for one stream path from POST /api/stream-tickets (for an <img> or a WebSocket).",
            };
            return Task.CompletedTask;
        });

        o.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var open = metadata.OfType<IAllowAnonymous>().Any();
            var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().ToList();
            var who = open ? "open" : string.Join(", ", policies.DefaultIfEmpty("any principal"));
            operation.Description = $"Who may call it: {who}. " + operation.Description;

            // Each requirement is one alternative: an admin token, or (where a scope can pass) an API key.
            operation.Security = [];
            if (!open)
            {
                operation.Security.Add(Requirement(Bearer, context.Document));
                if (policies.Count == 0 || policies.All(s_keyPolicies.Contains))
                {
                    operation.Security.Add(Requirement(ApiKey, context.Document));
                }

                if (context.Description.RelativePath is { } path && path.EndsWith("/stream", StringComparison.Ordinal))
                {
                    operation.Security.Add(Requirement(Ticket, context.Document));
                }
            }

            return Task.CompletedTask;
        });
    }

    private static OpenApiSecurityRequirement Requirement(string scheme, OpenApiDocument? document) =>
        new() { [new OpenApiSecuritySchemeReference(scheme, document)] = [] };
}
