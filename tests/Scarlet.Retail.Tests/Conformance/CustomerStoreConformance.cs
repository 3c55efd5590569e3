namespace Scarlet.Retail.Tests.Conformance;

public abstract class CustomerStoreConformance : StoreConformance
{
    [Fact]
    public async Task Add_assigns_vector_id_and_round_trips_every_field()
    {
        var consent = new ConsentRecord("Ada", T0, "kiosk");
        var added = await S.Customers.AddAsync(NewCustomer(OrgA, email: "ada@example.com") with { Consent = consent, TotalSpend = 12.5m, IsAutoRegistered = true, ExpiresAt = T0.AddDays(3) }, [new float[] { 1, 2, 3 }]);
        Assert.True(added.VectorId > 0);
        var got = await S.Customers.GetAsync(OrgA, added.Id);
        Assert.Equal(added, got);
        Assert.Equal(added, await S.Customers.GetByVectorIdAsync(OrgA, added.VectorId));
        var embeddings = await S.Customers.GetEmbeddingsAsync(OrgA, added.Id);
        Assert.Equal(new float[] { 1, 2, 3 }, Assert.Single(embeddings).Vector);
    }

    [Fact]
    public async Task Duplicate_email_in_one_organisation_is_rejected_but_allowed_in_another()
    {
        await S.Customers.AddAsync(NewCustomer(OrgA, email: "x@example.com"), []);
        await Assert.ThrowsAsync<DuplicateEntityException>(() => S.Customers.AddAsync(NewCustomer(OrgA, email: "x@example.com"), []));
        await S.Customers.AddAsync(NewCustomer(OrgB, email: "x@example.com"), []);
    }

    [Fact]
    public async Task Customer_of_an_unknown_organisation_is_rejected_by_the_foreign_key()
    {
        await Assert.ThrowsAnyAsync<Exception>(() => S.Customers.AddAsync(NewCustomer("no-such-org"), []));
    }

    [Fact]
    public async Task Queries_never_cross_organisations()
    {
        var a = await S.Customers.AddAsync(NewCustomer(OrgA), [new float[] { 1, 0 }]);
        await ProductAsync(OrgA, "sku", "c");
        await S.Customers.AddPurchaseAsync(OrgA, new Purchase { Id = "p1", CustomerId = a.Id, ProductId = "sku", Amount = 3 });

        Assert.Null(await S.Customers.GetAsync(OrgB, a.Id));
        Assert.Null(await S.Customers.GetByVectorIdAsync(OrgB, a.VectorId));
        Assert.Empty(await S.Customers.GetEmbeddingsAsync(OrgB, a.Id));
        Assert.Empty(await S.Customers.ListEmbeddingsAsync(OrgB));
        Assert.Empty(await S.Customers.GetPurchasesAsync(OrgB, a.Id));
        Assert.Equal(0, (await S.Customers.ListAsync(OrgB, 10, 0)).Total);
        await Assert.ThrowsAsync<RetailNotFoundException>(() => S.Customers.UpdateAsync(a with { OrganizationId = OrgB, Name = "Mallory" }));
        await Assert.ThrowsAsync<RetailNotFoundException>(() => S.Customers.IncrementVisitsAsync(OrgB, a.Id));
        await Assert.ThrowsAsync<RetailNotFoundException>(() => S.Customers.AddEmbeddingAsync(OrgB, a.Id, new float[] { 1, 1 }));
        Assert.Null(await S.Customers.EraseAsync(OrgB, a.Id, "admin", T0));
        Assert.Equal("Ada", (await S.Customers.GetAsync(OrgA, a.Id))!.Name);
    }

    [Fact]
    public async Task Purchase_adds_to_total_spend_atomically_and_needs_a_known_product()
    {
        var a = await S.Customers.AddAsync(NewCustomer(OrgA), []);
        await ProductAsync(OrgA, "sku", "c");
        await S.Customers.AddPurchaseAsync(OrgA, new Purchase { Id = "p1", CustomerId = a.Id, ProductId = "sku", Amount = 3.10m, PurchasedAt = T0 });
        var after = await S.Customers.AddPurchaseAsync(OrgA, new Purchase { Id = "p2", CustomerId = a.Id, ProductId = "sku", Quantity = 2, Amount = 4.20m, PurchasedAt = T0.AddHours(1) });
        Assert.Equal(7.30m, after.TotalSpend);
        Assert.Equal(7.30m, (await S.Customers.GetAsync(OrgA, a.Id))!.TotalSpend);
        Assert.Equal(new[] { "p2", "p1" }, (await S.Customers.GetPurchasesAsync(OrgA, a.Id)).Select(p => p.Id));
        await Assert.ThrowsAsync<RetailNotFoundException>(() => S.Customers.AddPurchaseAsync(OrgA, new Purchase { Id = "p3", CustomerId = a.Id, ProductId = "nope", Amount = 1 }));
        await Assert.ThrowsAsync<RetailNotFoundException>(() => S.Customers.AddPurchaseAsync(OrgA, new Purchase { Id = "p4", CustomerId = "nobody", ProductId = "sku", Amount = 1 }));
        Assert.Equal(7.30m, (await S.Customers.GetAsync(OrgA, a.Id))!.TotalSpend);
    }

    [Fact]
    public async Task ListEmbeddings_returns_everything_needed_to_rebuild_an_index()
    {
        var a = await S.Customers.AddAsync(NewCustomer(OrgA), [new float[] { 1, 0 }, new float[] { 0, 1 }]);
        var b = await S.Customers.AddAsync(NewCustomer(OrgA), [new float[] { 0.5f, 0.5f }]);
        await S.Customers.AddEmbeddingAsync(OrgA, b.Id, new float[] { 0.25f, 0.75f });
        var all = await S.Customers.ListEmbeddingsAsync(OrgA);
        Assert.Equal(4, all.Count);
        Assert.Equal(2, all.Count(e => e.CustomerId == a.Id && e.VectorId == a.VectorId));
        Assert.Equal(new float[] { 0.25f, 0.75f }, all.Last().Vector);
    }

    [Fact]
    public async Task Erase_removes_record_embeddings_purchases_and_personal_fields_of_events()
    {
        var a = await S.Customers.AddAsync(NewCustomer(OrgA), [new float[] { 1, 0 }]);
        var keep = await S.Customers.AddAsync(NewCustomer(OrgA), [new float[] { 0, 1 }]);
        await ProductAsync(OrgA, "sku", "c");
        await S.Customers.AddPurchaseAsync(OrgA, new Purchase { Id = "p1", CustomerId = a.Id, ProductId = "sku", Amount = 3 });
        await S.Events.AddDetectionAsync(new DetectionRecord { OrganizationId = OrgA, CameraId = "cam", CustomerId = a.Id, CropPath = "/tmp/crop-a", Box = new(1, 2, 3, 4), Timestamp = T0 });
        await S.Events.AddDetectionAsync(new DetectionRecord { OrganizationId = OrgA, CameraId = "cam", CustomerId = keep.Id, Timestamp = T0 });
        await S.Visits.AddAsync(new Visit { Id = "v1", OrganizationId = OrgA, StoreId = "s", PersonId = "p", CustomerId = a.Id, EntryAt = T0 });
        await S.Events.AppendLogAsync(new LogEntry(0, OrgA, T0, "info", "t", $"Customer {a.Id} identified", a.Id));

        var result = await S.Customers.EraseAsync(OrgA, a.Id, "admin", T0.AddDays(1));

        Assert.NotNull(result);
        Assert.Equal(1, result.EmbeddingsRemoved);
        Assert.Equal(new[] { "/tmp/crop-a" }, result.CropPaths);
        Assert.Null(await S.Customers.GetAsync(OrgA, a.Id));
        Assert.Empty(await S.Customers.GetEmbeddingsAsync(OrgA, a.Id));
        Assert.Empty(await S.Customers.GetPurchasesAsync(OrgA, a.Id));
        Assert.DoesNotContain(await S.Customers.ListEmbeddingsAsync(OrgA), e => e.CustomerId == a.Id);
        var detections = (await S.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = OrgA })).Items;
        Assert.Equal(2, detections.Count);
        Assert.DoesNotContain(detections, d => d.CustomerId == a.Id || d.CropPath is not null);
        Assert.Contains(detections, d => d.CustomerId == keep.Id);
        Assert.Empty(await S.Visits.ListForCustomerAsync(OrgA, a.Id));
        Assert.DoesNotContain(await S.Events.GetLogsAsync(OrgA, 10), l => l.Message.Contains(a.Id, StringComparison.Ordinal));
        var audit = Assert.Single(await S.Events.GetAuditAsync(OrgA));
        Assert.Equal(("customer.erased", a.Id, "admin"), (audit.Action, audit.Subject, audit.Actor));
    }

    [Fact]
    public async Task Erase_keeps_the_audit_trail_of_the_customer_without_free_text()
    {
        var a = await S.Customers.AddAsync(NewCustomer(OrgA), []);
        await S.Events.AppendAuditAsync(new AuditRecord(0, OrgA, "customer.read", a.Id, "alice", T0, string.Empty));
        await S.Events.AppendAuditAsync(new AuditRecord(0, OrgA, "consent.recorded", a.Id, "Ada Lovelace", T0, "method=told Ada at the till"));

        await S.Customers.EraseAsync(OrgA, a.Id, "admin", T0.AddDays(1));

        var audit = (await S.Events.QueryAuditAsync(new AuditQuery { OrganizationId = OrgA, Subject = a.Id })).Items;
        Assert.Equal(["customer.erased", "consent.recorded", "customer.read"], audit.Select(r => r.Action));
        Assert.Equal("alice", audit[2].Actor);
        Assert.DoesNotContain(audit, r => r.Actor.Contains("Ada", StringComparison.Ordinal) || r.Detail.Contains("Ada", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListExpired_returns_only_unconsented_past_expiry()
    {
        var expired = await S.Customers.AddAsync(NewCustomer(OrgA) with { IsAutoRegistered = true, ExpiresAt = T0.AddDays(1) }, []);
        await S.Customers.AddAsync(NewCustomer(OrgA) with { IsAutoRegistered = true, ExpiresAt = T0.AddDays(5) }, []);
        await S.Customers.AddAsync(NewCustomer(OrgA), []);
        await S.Customers.AddAsync(NewCustomer(OrgB) with { IsAutoRegistered = true, ExpiresAt = T0 }, []);
        var list = await S.Customers.ListExpiredAsync(OrgA, T0.AddDays(2));
        Assert.Equal(expired.Id, Assert.Single(list).Id);
    }
}
