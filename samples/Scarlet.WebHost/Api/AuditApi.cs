using Scarlet.Retail;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost.Api;

/// <summary>One audit entry: <c>principal</c> is a user name or <c>key:{id}</c>; <c>subject</c> a customer id or <c>-</c>.</summary>
internal sealed record AuditEntryView(long Id, DateTimeOffset At, string Principal, string Action, string Subject, string Outcome, string Detail)
{
    public static AuditEntryView From(AuditRecord r) => new(r.Id, r.At, r.Actor, r.Action, r.Subject, r.Outcome, r.Detail);
}

internal sealed record AuditPage(IReadOnlyList<AuditEntryView> Items, int Total);

/// <summary>The audit trail: who looked up whom (admin).</summary>
internal static class AuditApi
{
    public static void MapAuditApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/audit", QueryAsync).RequireAdmin().WithTags("Audit")
            .WithSummary("The audit trail, newest first: face look-ups, customer reads, exports, erasures, merges, keys, log-ins");

    public static async Task<IResult> QueryAsync(HostContext ctx, string? customer_id, string? principal, DateTimeOffset? from, DateTimeOffset? to, int? limit, int? offset, CancellationToken ct)
    {
        if (from is { } f && to is { } t && t <= f)
        {
            throw ApiException.BadRequest("to must be after from");
        }

        var page = await ctx.Events.QueryAuditAsync(new AuditQuery
        {
            OrganizationId = ctx.Org,
            Subject = string.IsNullOrEmpty(customer_id) ? null : customer_id,
            Actor = string.IsNullOrEmpty(principal) ? null : principal,
            From = from,
            To = to,
            Limit = Paging.Limit(limit, 100, 1000),
            Offset = Paging.Offset(offset),
        }, ct);
        return TypedResults.Ok(new AuditPage([.. page.Items.Select(AuditEntryView.From)], page.Total));
    }
}
