using System.Globalization;
using Scarlet.Retail;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost.Api;

internal sealed record CustomerView(string Id, string Name, string? Email, string LoyaltyStatus, DateTimeOffset CreatedAt, long VectorId, int VisitCount, decimal TotalSpend, bool IsAutoRegistered, bool HasConsent)
{
    public static CustomerView From(Customer c) =>
        new(c.Id, c.Name, c.Email, c.LoyaltyStatus.ToString().ToLowerInvariant(), c.CreatedAt, c.VectorId, c.VisitCount, c.TotalSpend, c.IsAutoRegistered, c.Consent is not null);
}

/// <summary>A daily window of store time, <c>HH:mm</c> to <c>HH:mm</c> (an end before the start runs past midnight).</summary>
internal sealed record TimeWindowDto(string? Start, string? End);

/// <summary>A promotion's fields: all of them to create one, any of them to edit one (a field left out stays as it is).</summary>
internal sealed record PromotionRequest(string? Title, string? Description, string? Discount, string? Validity, string? TargetLoyaltyStatus, DateTimeOffset? ValidFrom, DateTimeOffset? ValidTo, string[]? Zones, int? Priority, bool? Enabled, TimeWindowDto[]? TimeWindows);

internal sealed record PromotionView(string Id, string Title, string Description, string Discount, string Validity, string TargetLoyaltyStatus, DateTimeOffset ValidFrom, DateTimeOffset ValidTo, IReadOnlyList<string> Zones, IReadOnlyList<TimeWindowDto> TimeWindows, int Priority, bool Enabled, bool Active, DateTimeOffset CreatedAt)
{
    public static PromotionView From(Promotion p, DateTimeOffset now) =>
        new(
            p.Id,
            p.Title,
            p.Description,
            p.Discount,
            $"{p.ValidFrom:O}/{p.ValidTo:O}",
            p.TargetLoyaltyStatus?.ToString().ToLowerInvariant() ?? "all",
            p.ValidFrom,
            p.ValidTo,
            p.Zones,
            [.. p.TimeWindows.Select(w => new TimeWindowDto(w.Start.ToString("HH:mm", CultureInfo.InvariantCulture), w.End.ToString("HH:mm", CultureInfo.InvariantCulture)))],
            p.Priority,
            p.Enabled,
            p.Enabled && p.ValidFrom <= now && now < p.ValidTo,
            p.CreatedAt);
}

/// <summary>An edit of a customer: any of name, e-mail (empty removes it), tier and consent (<see langword="true"/> records it).</summary>
internal sealed record CustomerPatchRequest(string? Name, string? Email, string? LoyaltyStatus, bool? Consent);

internal sealed record PurchaseItemRequest(string? ProductId, int? Quantity, decimal? Amount);

internal sealed record ConsentRequest(string? GrantedBy, string? Method);

/// <summary>One purchase line (<c>product_id</c>, <c>quantity</c>, <c>amount</c>), or an order of several in <c>items</c>.</summary>
internal sealed record PurchaseRequest(string? ProductId, int? Quantity, decimal? Amount, PurchaseItemRequest[]? Items);

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
        read.MapGet("/api/promotions", ListPromotionsAsync).WithTags("Promotions").WithSummary("Promotions, priority first, paged (total in X-Total-Count), filtered by active, tier and zone");
        read.MapGet("/api/promotions/{promotion_id}", GetPromotionAsync).WithTags("Promotions");
        app.MapGet("/promotions/{user_id}", PromotionsForAsync).WithTags("Promotions").Require(ScarletPolicies.Display).SeedOpen(app).WithSummary("The promotions a customer qualifies for by loyalty status");

        // Changes and personal-data exports: admins and operators (viewers are read-only and export nothing).
        var operate = app.MapGroup(string.Empty).Require(ScarletPolicies.Operator);
        operate.MapPost("/promotions", CreatePromotionAsync).WithTags("Promotions").WithSummary("Create a promotion");
        operate.MapDelete("/api/promotions/{promotion_id}", DeletePromotionAsync).WithTags("Promotions");
        operate.MapMethods("/api/promotions/{promotion_id}", [HttpMethods.Put, HttpMethods.Patch], UpdatePromotionAsync).WithTags("Promotions").WithSummary("Edit a promotion (fields left out stay): text, validity, schedule, targeting, enabled");
        operate.MapPatch("/api/customers/{customer_id}", UpdateCustomerAsync).WithTags("Customers").WithSummary("Edit a customer: name, e-mail, loyalty tier, consent");
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
            throw ApiException.BadRequest("title is required", "title");
        }

        var now = time.GetUtcNow();
        var promotion = await ctx.Promotions.CreateAsync(ctx.Org, Draft(body, null, now), ct);
        return TypedResults.Created($"/api/promotions/{promotion.Id}", PromotionView.From(promotion, now));
    }

    public static async Task<IResult> UpdatePromotionAsync(string promotion_id, PromotionRequest? body, HostContext ctx, TimeProvider time, CancellationToken ct)
    {
        var current = await ctx.Promotions.GetAsync(ctx.Org, promotion_id, ct) ?? throw ApiException.NotFound("Promotion not found");
        var now = time.GetUtcNow();
        var updated = await ctx.Promotions.UpdateAsync(ctx.Org, promotion_id, Draft(body ?? throw ApiException.BadRequest("body is required"), current, now), ct)
            ?? throw ApiException.NotFound("Promotion not found");
        return TypedResults.Ok(PromotionView.From(updated, now));
    }

    public static async Task<IResult> GetPromotionAsync(string promotion_id, HostContext ctx, TimeProvider time, CancellationToken ct) =>
        TypedResults.Ok(PromotionView.From(await ctx.Promotions.GetAsync(ctx.Org, promotion_id, ct) ?? throw ApiException.NotFound("Promotion not found"), time.GetUtcNow()));

    /// <summary>
    /// A draft from a request: a new promotion's defaults (valid from a minute ago for the seed's <c>validity</c>, 30 days
    /// by default), or an existing one's values for every field the request leaves out.
    /// </summary>
    private static PromotionDraft Draft(PromotionRequest body, Promotion? current, DateTimeOffset now)
    {
        var title = body.Title is null ? current?.Title ?? string.Empty : body.Title.Trim();
        Check(title.Length is > 0 and <= 200, "title must be 1 to 200 characters", "title");
        Check(body.Description is not { Length: > 2000 }, "description must be at most 2000 characters", "description");
        Check(body.Discount is not { Length: > 100 }, "discount must be at most 100 characters", "discount");
        Check(body.Priority is null or (>= -1000 and <= 1000), "priority must be between -1000 and 1000", "priority");
        Check(body.Zones is null || (body.Zones.Length <= 50 && body.Zones.All(z => z is { Length: > 0 and <= 64 })), "zones takes up to 50 names of 1 to 64 characters", "zones");
        Check(body.TimeWindows is not { Length: > 24 }, "time_windows takes at most 24 windows", "time_windows");

        var from = body.ValidFrom ?? current?.ValidFrom ?? now.AddMinutes(-1);
        var to = body.ValidTo ?? (body.Validity is not null || current is null ? ParseValidity(body.Validity, now) : current.ValidTo);
        Check(to > from, "valid_to must be after valid_from", "valid_to");
        LoyaltyStatus? target;
        try
        {
            target = body.TargetLoyaltyStatus is null ? current?.TargetLoyaltyStatus : LoyaltyTargetJsonConverter.Parse(body.TargetLoyaltyStatus);
        }
        catch (FormatException)
        {
            throw ApiException.BadRequest("target_loyalty_status must be all, bronze, silver, gold or platinum", "target_loyalty_status");
        }

        return new PromotionDraft
        {
            Title = title,
            Description = body.Description ?? current?.Description ?? string.Empty,
            Discount = body.Discount ?? current?.Discount ?? string.Empty,
            ValidFrom = from,
            ValidTo = to,
            TargetLoyaltyStatus = target,
            Zones = body.Zones?.Select(z => z.Trim()).ToArray() ?? current?.Zones ?? [],
            TimeWindows = body.TimeWindows is { } windows ? [.. windows.Select(ParseWindow)] : current?.TimeWindows ?? [],
            Priority = body.Priority ?? current?.Priority ?? 0,
            MaxImpressionsPerCustomer = current?.MaxImpressionsPerCustomer,
            FrequencyCapPeriod = current?.FrequencyCapPeriod ?? TimeSpan.FromDays(1),
            Enabled = body.Enabled ?? current?.Enabled ?? true,
        };
    }

    private static DailyTimeWindow ParseWindow(TimeWindowDto? w)
    {
        static TimeOnly? Time(string? s) =>
            TimeOnly.TryParseExact(s, ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t : null;

        return Time(w?.Start) is { } start && Time(w?.End) is { } end && start != end
            ? new DailyTimeWindow(start, end)
            : throw ApiException.BadRequest("time_windows: each window needs start and end as HH:mm, and they must differ", "time_windows");
    }

    private static void Check(bool ok, string detail, string field)
    {
        if (!ok)
        {
            throw ApiException.BadRequest(detail, field);
        }
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
            : throw ApiException.BadRequest("validity must be an ISO date/time or a number of days (e.g. \"7 days\")", "validity");
    }

    public static async Task<IResult> PromotionsForAsync(string user_id, HostContext ctx, TimeProvider time, CancellationToken ct)
    {
        _ = await ctx.Customers.GetAsync(ctx.Org, user_id, ct) ?? throw ApiException.NotFound("Customer not found");
        var now = time.GetUtcNow();
        var list = await ctx.Promotions.GetPromotionsForAsync(ctx.Org, user_id, at: now, cancellationToken: ct);
        return TypedResults.Ok(list.Select(p => PromotionView.From(p, now)).ToList());
    }

    /// <summary>A page of promotions as a JSON array (as before paging), the total matching in <c>X-Total-Count</c>.</summary>
    public static async Task<IResult> ListPromotionsAsync(HttpContext http, HostContext ctx, TimeProvider time, bool? active, string? tier, string? zone, int? limit, int? offset, CancellationToken ct)
    {
        LoyaltyStatus? tierFilter;
        try
        {
            tierFilter = string.IsNullOrEmpty(tier) ? null : LoyaltyTargetJsonConverter.Parse(tier) ?? throw new FormatException();
        }
        catch (FormatException)
        {
            throw ApiException.BadRequest("tier must be bronze, silver, gold or platinum", "tier");
        }

        var now = time.GetUtcNow();
        var page = await ctx.Promotions.ListAsync(
            new PromotionQuery
            {
                OrganizationId = ctx.Org,
                Active = active,
                At = now,
                Tier = tierFilter,
                Zone = string.IsNullOrWhiteSpace(zone) ? null : zone.Trim(),
                Limit = Paging.Limit(limit, 100, 1000),
                Offset = Paging.Offset(offset),
            },
            ct);
        http.Response.Headers["X-Total-Count"] = page.Total.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Ok(page.Items.Select(p => PromotionView.From(p, now)).ToList());
    }

    public static async Task<IResult> DeletePromotionAsync(string promotion_id, HostContext ctx, CancellationToken ct) =>
        await ctx.Promotions.DeleteAsync(ctx.Org, promotion_id, ct) ? TypedResults.NoContent() : throw ApiException.NotFound("Promotion not found");

    public static async Task<IResult> ListCustomersAsync(HttpContext http, HostContext ctx, AuditTrail audit, int? limit, int? offset, CancellationToken ct)
    {
        var page = await ctx.Customers.ListAsync(ctx.Org, Paging.Limit(limit, 100, 1000), Paging.Offset(offset), ct);
        await audit.RecordAsync(http, AuditActions.CustomersListed, null, detail: $"count={page.Items.Count}; offset={Paging.Offset(offset)}");
        return TypedResults.Ok(new Page<CustomerView>(page.Items.Select(CustomerView.From).ToList(), page.Total));
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

        return TypedResults.Ok(new ErasureView(r.CustomerId, r.EmbeddingsRemoved, r.EventsAnonymised));
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

    public static async Task<IResult> UpdateCustomerAsync(string customer_id, CustomerPatchRequest? body, HttpContext http, HostContext ctx, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        if (body is null || (body.Name, body.Email, body.LoyaltyStatus, body.Consent) is (null, null, null, null))
        {
            throw ApiException.BadRequest("Give at least one of name, email, loyalty_status, consent");
        }

        Check(body.Name is null || body.Name.Trim().Length is > 0 and <= 200, "name must be 1 to 200 characters", "name");
        Check(body.Email is null || body.Email.Length == 0 || IsEmail(body.Email.Trim()), "email must be an e-mail address (or empty to remove it)", "email");
        Check(body.Consent is not false, "consent cannot be withdrawn by an edit: erase the customer (DELETE /api/customers/{id}) to remove the face data", "consent");
        LoyaltyStatus? tier = null;
        if (body.LoyaltyStatus is { } text)
        {
            tier = Enum.TryParse<LoyaltyStatus>(text, ignoreCase: true, out var t) && Enum.IsDefined(t) && !int.TryParse(text, out _)
                ? t
                : throw ApiException.BadRequest("loyalty_status must be bronze, silver, gold or platinum", "loyalty_status");
        }

        var changes = new CustomerChanges
        {
            Name = body.Name?.Trim(),
            Email = body.Email?.Trim(),
            LoyaltyStatus = tier,
            Consent = body.Consent is true ? new ConsentRecord(http.Name(), time.GetUtcNow(), "admin") : null,
        };
        var customer = await ctx.Customers.UpdateAsync(ctx.Org, customer_id, changes, ct);
        var fields = string.Join(',', new[] { ("name", body.Name), ("email", body.Email), ("loyalty_status", body.LoyaltyStatus), ("consent", body.Consent?.ToString()) }.Where(f => f.Item2 is not null).Select(f => f.Item1));
        await audit.RecordAsync(http, AuditActions.CustomerUpdated, customer_id, detail: "fields=" + fields);
        return TypedResults.Ok(CustomerView.From(customer));
    }

    private static bool IsEmail(string email) => email.Length <= 320 && email.IndexOf('@', StringComparison.Ordinal) > 0 && !email.EndsWith('@') && !email.Any(char.IsWhiteSpace);

    /// <summary>
    /// One purchase line, or a till's order of several lines in <c>items</c>: stored in one transaction (an unknown product
    /// stores none of them), the tier re-evaluated once.
    /// </summary>
    public static async Task<IResult> PurchaseAsync(string customer_id, PurchaseRequest? body, HostContext ctx, CancellationToken ct)
    {
        if (body is null)
        {
            throw ApiException.BadRequest("product_id and amount, or items, are required");
        }

        PurchaseItemRequest[] items = body.Items ?? (body.ProductId is null && body.Amount is null ? [] : [new PurchaseItemRequest(body.ProductId, body.Quantity, body.Amount)]);
        if (body.Items is not null && (body.ProductId, body.Quantity, body.Amount) is not (null, null, null))
        {
            throw ApiException.BadRequest("Send either one line (product_id, quantity, amount) or items, not both", "items");
        }

        Check(items.Length is > 0 and <= MaxOrderLines, body.Items is null ? "product_id and amount are required" : $"items takes 1 to {MaxOrderLines} lines", body.Items is null ? "product_id" : "items");
        var lines = new PurchaseLine[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var item = items[i];
            var prefix = body.Items is null ? string.Empty : $"items[{i}].";
            Check(item is not null && !string.IsNullOrWhiteSpace(item.ProductId) && item.ProductId.Length <= 100, "product_id is required (at most 100 characters)", prefix + "product_id");
            Check(item!.Quantity is null or (>= 1 and <= 10_000), "quantity must be 1 to 10000", prefix + "quantity");
            Check(item.Amount is >= 0 and <= 10_000_000, "amount is required, 0 to 10000000", prefix + "amount");
            lines[i] = new PurchaseLine(item.ProductId!.Trim(), item.Quantity ?? 1, item.Amount!.Value);
        }

        var (customer, _) = await ctx.Customers.AddPurchasesAsync(ctx.Org, customer_id, lines, ct);
        return TypedResults.Ok(CustomerView.From(customer));
    }

    private const int MaxOrderLines = 100;

    public static async Task<IResult> PurchasesAsync(string customer_id, HttpContext http, HostContext ctx, AuditTrail audit, CancellationToken ct)
    {
        _ = await ReadAuditedAsync(http, audit, customer_id, await ctx.Customers.GetAsync(ctx.Org, customer_id, ct), "route=purchases");
        return TypedResults.Ok(await ctx.Customers.GetPurchasesAsync(ctx.Org, customer_id, ct));
    }
}
