using System.Globalization;
using Scarlet.Retail;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost.Api;

internal sealed record CustomerView(string Id, string Name, string? Email, string LoyaltyStatus, DateTimeOffset CreatedAt, long VectorId, int VisitCount, decimal TotalSpend, bool IsAutoRegistered, bool HasConsent)
{
    public static CustomerView From(Customer c) =>
        new(c.Id, c.Name, c.Email, c.LoyaltyStatus.ToString().ToLowerInvariant(), c.CreatedAt, c.VectorId, c.VisitCount, c.TotalSpend, c.IsAutoRegistered, c.Consent is not null);
}

internal sealed record PromotionRequest(string? Title, string? Description, string? Discount, string? Validity, string? TargetLoyaltyStatus, DateTimeOffset? ValidFrom, DateTimeOffset? ValidTo, string[]? Zones, int? Priority);

internal sealed record PromotionView(string Id, string Title, string Description, string Discount, string Validity, string TargetLoyaltyStatus, DateTimeOffset ValidFrom, DateTimeOffset ValidTo, IReadOnlyList<string> Zones, int Priority, DateTimeOffset CreatedAt)
{
    public static PromotionView From(Promotion p) =>
        new(p.Id, p.Title, p.Description, p.Discount, $"{p.ValidFrom:O}/{p.ValidTo:O}", p.TargetLoyaltyStatus?.ToString().ToLowerInvariant() ?? "all", p.ValidFrom, p.ValidTo, p.Zones, p.Priority, p.CreatedAt);
}

internal sealed record ConsentRequest(string? GrantedBy, string? Method);

internal sealed record PurchaseRequest(string? ProductId, int? Quantity, decimal? Amount);

internal sealed record PossibleDuplicateView(string CustomerId, string CustomerName, string ExistingCustomerId, string ExistingCustomerName, float Similarity, DateTimeOffset FlaggedAt)
{
    public static PossibleDuplicateView From(PossibleDuplicatePair p) =>
        new(p.Customer.Id, p.Customer.Name, p.ExistingCustomer.Id, p.ExistingCustomer.Name, p.Similarity, p.FlaggedAt);
}

internal sealed record MergeRequest(string? Into);

internal sealed record MergeView(string MergedCustomerId, CustomerView Customer, int PurchasesMoved, int VisitsMoved, int DetectionsMoved, int Embeddings);

/// <summary>The user service and the promotions service, plus customer privacy under <c>/api</c>.</summary>
internal static class RetailApi
{
    public static void MapRetailApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup(string.Empty).Require(ScarletPolicies.Read);
        read.MapGet("/customer/{customer_id}", GetCustomerAsync).SeedOpen(app).WithTags("Customers");
        read.MapGet("/customer/by-vector/{vector_id}", GetByVectorAsync).SeedOpen(app).WithTags("Customers");
        read.MapGet("/api/customers", ListCustomersAsync).WithTags("Customers");
        read.MapGet("/api/customers/duplicates", ListDuplicatesAsync).WithTags("Customers").WithSummary("Possible duplicate customers (lookalike registrations) to review");
        read.MapGet("/api/customers/{customer_id}/purchases", PurchasesAsync).WithTags("Customers");
        read.MapGet("/api/promotions", ListPromotionsAsync).WithTags("Promotions").WithSummary("The promotions valid now, priority first");
        app.MapGet("/promotions/{user_id}", PromotionsForAsync).WithTags("Promotions").Require(ScarletPolicies.Display).SeedOpen(app).WithSummary("The promotions a customer qualifies for by loyalty status");

        // Changes and personal-data exports: admins and operators (viewers are read-only and export nothing).
        var operate = app.MapGroup(string.Empty).Require(ScarletPolicies.Operator);
        operate.MapPost("/promotions", CreatePromotionAsync).WithTags("Promotions").WithSummary("Create a promotion");
        operate.MapDelete("/api/promotions/{promotion_id}", DeletePromotionAsync).WithTags("Promotions");
        operate.MapPost("/api/customers/{customer_id}/merge", MergeAsync).WithTags("Customers").WithSummary("Merge a customer into another (purchases, visits, loyalty, consent, face); the merged one is erased");
        operate.MapDelete("/api/customers/{customer_id}", EraseAsync).WithTags("Privacy").WithSummary("Erase a customer (GDPR art. 17): embeddings, profile, events anonymised");
        operate.MapGet("/api/customers/{customer_id}/export", ExportAsync).WithTags("Privacy").WithSummary("Everything stored about a customer (GDPR art. 15/20)");
        operate.MapPost("/api/customers/{customer_id}/consent", ConsentAsync).WithTags("Privacy");
        operate.MapPost("/api/customers/{customer_id}/purchases", PurchaseAsync).WithTags("Customers");
    }

    private static long ParseVectorId(string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw ApiException.BadRequest("vector_id must be a non-negative integer");

    public static async Task<IResult> GetCustomerAsync(string customer_id, HttpContext http, HostContext ctx, AuditTrail audit, CancellationToken ct) =>
        TypedResults.Ok(CustomerView.From(await ReadAuditedAsync(http, audit, customer_id, await ctx.Customers.GetAsync(ctx.Org, customer_id, ct), "route=customer")));

    public static async Task<IResult> GetByVectorAsync(string vector_id, HttpContext http, HostContext ctx, AuditTrail audit, CancellationToken ct)
    {
        var vectorId = ParseVectorId(vector_id);
        var customer = await ctx.Customers.GetByVectorIdAsync(ctx.Org, vectorId, ct);
        return TypedResults.Ok(CustomerView.From(await ReadAuditedAsync(http, audit, customer?.Id, customer, $"route=by-vector; vector_id={vectorId}")));
    }

    /// <summary>Records a read of one customer (found or not) and returns it, or 404.</summary>
    public static async Task<Customer> ReadAuditedAsync(HttpContext http, AuditTrail audit, string? customerId, Customer? customer, string detail)
    {
        await audit.RecordAsync(http, AuditActions.CustomerRead, customerId, customer is null ? "not_found" : AuditRecord.Succeeded, detail);
        return customer ?? throw ApiException.NotFound("Customer not found");
    }

    public static async Task<IResult> CreatePromotionAsync(PromotionRequest? body, HostContext ctx, TimeProvider time, CancellationToken ct)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.Title))
        {
            throw ApiException.BadRequest("title is required");
        }

        var now = time.GetUtcNow();
        var (from, to) = (body.ValidFrom ?? now.AddMinutes(-1), body.ValidTo ?? ParseValidity(body.Validity, now));
        var target = body.TargetLoyaltyStatus is null or "" || body.TargetLoyaltyStatus.Equals("all", StringComparison.OrdinalIgnoreCase)
            ? (LoyaltyStatus?)null
            : Enum.TryParse<LoyaltyStatus>(body.TargetLoyaltyStatus, ignoreCase: true, out var s) && Enum.IsDefined(s) && !int.TryParse(body.TargetLoyaltyStatus, out _)
                ? s
                : throw ApiException.BadRequest("target_loyalty_status must be all, bronze, silver, gold or platinum");
        var promotion = await ctx.Promotions.CreateAsync(ctx.Org, new PromotionDraft
        {
            Title = body.Title.Trim(),
            Description = body.Description ?? string.Empty,
            Discount = body.Discount ?? string.Empty,
            ValidFrom = from,
            ValidTo = to,
            TargetLoyaltyStatus = target,
            Zones = body.Zones ?? [],
            Priority = body.Priority ?? 0,
        }, ct);
        return TypedResults.Created($"/api/promotions/{promotion.Id}", PromotionView.From(promotion));
    }

    /// <summary>The seed's free-text <c>validity</c>: an ISO date/time end, a number of days, or empty for 30 days.</summary>
    private static DateTimeOffset ParseValidity(string? validity, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(validity))
        {
            return now.AddDays(30);
        }

        var v = validity.Trim();
        if (DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var end))
        {
            return end;
        }

        var days = v.EndsWith("days", StringComparison.OrdinalIgnoreCase) ? v[..^4].Trim() : v.EndsWith('d') ? v[..^1] : v;
        return int.TryParse(days, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 3650
            ? now.AddDays(n)
            : throw ApiException.BadRequest("validity must be an ISO date/time or a number of days (e.g. \"7 days\")");
    }

    public static async Task<IResult> PromotionsForAsync(string user_id, HostContext ctx, CancellationToken ct)
    {
        _ = await ctx.Customers.GetAsync(ctx.Org, user_id, ct) ?? throw ApiException.NotFound("Customer not found");
        var list = await ctx.Promotions.GetPromotionsForAsync(ctx.Org, user_id, cancellationToken: ct);
        return TypedResults.Ok(list.Select(PromotionView.From).ToList());
    }

    public static async Task<IResult> ListPromotionsAsync(HostContext ctx, CancellationToken ct) =>
        TypedResults.Ok((await ctx.Promotions.ListValidAsync(ctx.Org, cancellationToken: ct)).Select(PromotionView.From).ToList());

    public static async Task<IResult> DeletePromotionAsync(string promotion_id, HostContext ctx, CancellationToken ct) =>
        await ctx.Promotions.DeleteAsync(ctx.Org, promotion_id, ct) ? TypedResults.NoContent() : throw ApiException.NotFound("Promotion not found");

    public static async Task<IResult> ListCustomersAsync(HttpContext http, HostContext ctx, AuditTrail audit, int? limit, int? offset, CancellationToken ct)
    {
        var page = await ctx.Customers.ListAsync(ctx.Org, Paging.Limit(limit, 100, 1000), Paging.Offset(offset), ct);
        await audit.RecordAsync(http, AuditActions.CustomersListed, null, detail: $"count={page.Items.Count}; offset={Paging.Offset(offset)}");
        return TypedResults.Ok(new { items = page.Items.Select(CustomerView.From).ToList(), total = page.Total });
    }

    public static async Task<IResult> ListDuplicatesAsync(HostContext ctx, CancellationToken ct) =>
        TypedResults.Ok((await ctx.Merges.ListAsync(ctx.Org, ct)).Select(PossibleDuplicateView.From).ToList());

    public static async Task<IResult> MergeAsync(string customer_id, MergeRequest? body, HttpContext http, HostContext ctx, AuditTrail audit, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body?.Into))
        {
            throw ApiException.BadRequest("into is required");
        }

        if (body.Into == customer_id)
        {
            throw ApiException.BadRequest("A customer cannot be merged into itself");
        }

        // The library records the merge: audit trail, event log line, and the galleries follow through its events.
        CustomerMergeResult r;
        try
        {
            r = await ctx.Merges.MergeAsync(ctx.Org, customer_id, body.Into, http.Name(), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await audit.RecordFailureAsync(http, AuditActions.CustomerMerged, body.Into, e);
            throw;
        }

        return TypedResults.Ok(new MergeView(r.MergedCustomer.Id, CustomerView.From(r.Customer), r.PurchasesMoved, r.VisitsMoved, r.DetectionsMoved, r.Embeddings.Count));
    }

    public static async Task<IResult> EraseAsync(string customer_id, HttpContext http, HostContext ctx, AuditTrail audit, CancellationToken ct)
    {
        // FaceIdentityService forgets the face when the privacy service reports the erasure; the store audits a success.
        ErasureResult r;
        try
        {
            r = await ctx.Privacy.EraseAsync(ctx.Org, customer_id, http.Name(), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await audit.RecordFailureAsync(http, AuditActions.CustomerErased, customer_id, e);
            throw;
        }

        return TypedResults.Ok(new { customer_id = r.CustomerId, embeddings_removed = r.EmbeddingsRemoved, events_anonymised = r.EventsAnonymised });
    }

    public static async Task<IResult> ExportAsync(string customer_id, HttpContext http, HostContext ctx, AuditTrail audit, CancellationToken ct)
    {
        try
        {
            var export = await ctx.Privacy.ExportAsync(ctx.Org, customer_id, ct);
            await audit.RecordAsync(http, AuditActions.CustomerExported, customer_id);
            return TypedResults.File(export, "application/json", $"customer-{customer_id}.json");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await audit.RecordFailureAsync(http, AuditActions.CustomerExported, customer_id, e);
            throw;
        }
    }

    public static async Task<IResult> ConsentAsync(string customer_id, ConsentRequest? body, HttpContext http, HostContext ctx, TimeProvider time, CancellationToken ct)
    {
        var by = string.IsNullOrWhiteSpace(body?.GrantedBy) ? http.Name() : body.GrantedBy.Trim();
        var c = await ctx.Customers.RecordConsentAsync(ctx.Org, customer_id, new ConsentRecord(by, time.GetUtcNow(), string.IsNullOrWhiteSpace(body?.Method) ? "admin" : body.Method.Trim()), ct);
        return TypedResults.Ok(CustomerView.From(c));
    }

    public static async Task<IResult> PurchaseAsync(string customer_id, PurchaseRequest? body, HostContext ctx, CancellationToken ct)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.ProductId) || body.Amount is null)
        {
            throw ApiException.BadRequest("product_id and amount are required");
        }

        var c = await ctx.Customers.AddPurchaseAsync(ctx.Org, customer_id, body.ProductId, body.Quantity ?? 1, body.Amount.Value, ct);
        return TypedResults.Ok(CustomerView.From(c));
    }

    public static async Task<IResult> PurchasesAsync(string customer_id, HttpContext http, HostContext ctx, AuditTrail audit, CancellationToken ct)
    {
        _ = await ReadAuditedAsync(http, audit, customer_id, await ctx.Customers.GetAsync(ctx.Org, customer_id, ct), "route=purchases");
        return TypedResults.Ok(await ctx.Customers.GetPurchasesAsync(ctx.Org, customer_id, ct));
    }
}
