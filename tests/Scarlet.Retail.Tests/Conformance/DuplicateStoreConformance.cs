namespace Scarlet.Retail.Tests.Conformance;

public abstract class PossibleDuplicateStoreConformance : StoreConformance
{
    [Fact]
    public async Task Pairs_round_trip_newest_first_and_a_second_flag_keeps_the_higher_similarity()
    {
        var a = await S.Customers.AddAsync(NewCustomer(OrgA), []);
        var b = await S.Customers.AddAsync(NewCustomer(OrgA), []);
        var c = await S.Customers.AddAsync(NewCustomer(OrgA), []);
        await S.Duplicates.AddAsync(new PossibleDuplicate(OrgA, b.Id, a.Id, 0.41f, T0));
        await S.Duplicates.AddAsync(new PossibleDuplicate(OrgA, c.Id, a.Id, 0.37f, T0.AddMinutes(5)));

        Assert.Equal(
            [new PossibleDuplicate(OrgA, c.Id, a.Id, 0.37f, T0.AddMinutes(5)), new PossibleDuplicate(OrgA, b.Id, a.Id, 0.41f, T0)],
            await S.Duplicates.ListAsync(OrgA));

        await S.Duplicates.AddAsync(new PossibleDuplicate(OrgA, b.Id, a.Id, 0.35f, T0.AddMinutes(9)));
        Assert.Equal(new PossibleDuplicate(OrgA, b.Id, a.Id, 0.41f, T0.AddMinutes(9)), (await S.Duplicates.ListAsync(OrgA))[0]);
        Assert.Equal(2, (await S.Duplicates.ListAsync(OrgA)).Count);
    }

    [Fact]
    public async Task A_pair_needs_two_different_customers_of_its_organisation()
    {
        var a = await S.Customers.AddAsync(NewCustomer(OrgA), []);
        var b = await S.Customers.AddAsync(NewCustomer(OrgA), []);
        var other = await S.Customers.AddAsync(NewCustomer(OrgB), []);

        await Assert.ThrowsAsync<RetailNotFoundException>(() => S.Duplicates.AddAsync(new PossibleDuplicate(OrgA, a.Id, "nobody", 0.4f, T0)));
        await Assert.ThrowsAsync<RetailNotFoundException>(() => S.Duplicates.AddAsync(new PossibleDuplicate(OrgA, other.Id, a.Id, 0.4f, T0)));
        await Assert.ThrowsAsync<RetailNotFoundException>(() => S.Duplicates.AddAsync(new PossibleDuplicate(OrgB, b.Id, a.Id, 0.4f, T0)));
        await Assert.ThrowsAsync<ArgumentException>(() => S.Duplicates.AddAsync(new PossibleDuplicate(OrgA, a.Id, a.Id, 0.4f, T0)));
        Assert.Empty(await S.Duplicates.ListAsync(OrgA));

        await S.Duplicates.AddAsync(new PossibleDuplicate(OrgA, b.Id, a.Id, 0.4f, T0));
        Assert.Single(await S.Duplicates.ListAsync(OrgA));
        Assert.Empty(await S.Duplicates.ListAsync(OrgB));
    }

    [Fact]
    public async Task Erasing_either_customer_removes_its_pairs_and_nothing_else()
    {
        var a = await S.Customers.AddAsync(NewCustomer(OrgA), []);
        var b = await S.Customers.AddAsync(NewCustomer(OrgA), []);
        var c = await S.Customers.AddAsync(NewCustomer(OrgA), []);
        var d = await S.Customers.AddAsync(NewCustomer(OrgA), []);
        await S.Duplicates.AddAsync(new PossibleDuplicate(OrgA, b.Id, a.Id, 0.4f, T0));
        await S.Duplicates.AddAsync(new PossibleDuplicate(OrgA, a.Id, c.Id, 0.4f, T0));
        await S.Duplicates.AddAsync(new PossibleDuplicate(OrgA, d.Id, c.Id, 0.4f, T0));

        await S.Customers.EraseAsync(OrgA, a.Id, "admin", T0);

        var left = Assert.Single(await S.Duplicates.ListAsync(OrgA));
        Assert.Equal((d.Id, c.Id), (left.CustomerId, left.ExistingCustomerId));
        await S.Customers.EraseAsync(OrgA, c.Id, "retention", T0);
        Assert.Empty(await S.Duplicates.ListAsync(OrgA));
    }
}

public abstract class CustomerMergeConformance : StoreConformance
{
    [Fact]
    public async Task Merge_moves_everything_of_one_customer_to_the_other_and_erases_it()
    {
        var from = await S.Customers.AddAsync(NewCustomer(OrgA, email: "from@example.com"), [new float[] { 1, 0 }]);
        var into = await S.Customers.AddAsync(NewCustomer(OrgA), [new float[] { 0, 1 }, new float[] { 0.6f, 0.8f }]);
        var third = await S.Customers.AddAsync(NewCustomer(OrgA), []);
        var bystander = await S.Customers.AddAsync(NewCustomer(OrgA), [new float[] { 0.8f, 0.6f }]);
        await ProductAsync(OrgA, "sku", "c");
        await S.Customers.AddPurchaseAsync(OrgA, new Purchase { Id = "p-from", CustomerId = from.Id, ProductId = "sku", Amount = 3, PurchasedAt = T0 });
        await S.Customers.AddPurchaseAsync(OrgA, new Purchase { Id = "p-into", CustomerId = into.Id, ProductId = "sku", Amount = 4, PurchasedAt = T0.AddHours(1) });
        await S.Visits.AddAsync(new Visit { Id = "v-from", OrganizationId = OrgA, StoreId = "s", PersonId = "p1", CustomerId = from.Id, EntryAt = T0 });
        await S.Visits.AddAsync(new Visit { Id = "v-into", OrganizationId = OrgA, StoreId = "s", PersonId = "p2", CustomerId = into.Id, EntryAt = T0.AddDays(1) });
        await S.Events.AddDetectionAsync(new DetectionRecord { OrganizationId = OrgA, CameraId = "cam", CustomerId = from.Id, CropPath = "/tmp/crop-from", Timestamp = T0 });
        await S.Events.AppendLogAsync(new LogEntry(0, OrgA, T0, "info", "t", $"Customer {from.Id} identified", from.Id));
        await S.Visitors.UpsertAsync(new VisitorCluster { Id = "v-1", OrganizationId = OrgA, Centroid = [1, 0], Sightings = 3, FirstSeen = T0, LastSeen = T0, CustomerId = from.Id });
        await S.Duplicates.AddAsync(new PossibleDuplicate(OrgA, from.Id, into.Id, 0.45f, T0));
        await S.Duplicates.AddAsync(new PossibleDuplicate(OrgA, third.Id, from.Id, 0.33f, T0.AddMinutes(1)));

        CustomerMergeInput? seen = null;
        var result = await S.Customers.MergeAsync(
            OrgA,
            from.Id,
            into.Id,
            input =>
            {
                seen = input;
                var kept = input.Into with { Name = "Kept", TotalSpend = input.Into.TotalSpend + input.From.TotalSpend, VisitCount = 7, LoyaltyStatus = LoyaltyStatus.Silver };
                return new CustomerMergePlan(kept, [.. input.IntoEmbeddings.Skip(1), .. input.FromEmbeddings]);
            },
            "admin",
            T0.AddDays(2));

        // The policy saw both customers and their embeddings, oldest first, as stored before the merge.
        Assert.NotNull(seen);
        Assert.Equal((from.Id, into.Id), (seen.From.Id, seen.Into.Id));
        Assert.Equal([[1f, 0f]], seen.FromEmbeddings);
        Assert.Equal([[0f, 1f], [0.6f, 0.8f]], seen.IntoEmbeddings);
        Assert.Equal((1, 1, 1, 1), (result.PurchasesMoved, result.VisitsMoved, result.DetectionsMoved, result.Erasure.EmbeddingsRemoved));
        Assert.Equal(from.Id, result.MergedCustomer.Id);

        // The merged-away customer is gone; the kept one has its history and exactly the planned embeddings.
        Assert.Null(await S.Customers.GetAsync(OrgA, from.Id));
        var kept = await S.Customers.GetAsync(OrgA, into.Id);
        Assert.Equal(result.Customer, kept);
        Assert.Equal(("Kept", 7m, 7, LoyaltyStatus.Silver, into.VectorId), (kept!.Name, kept.TotalSpend, kept.VisitCount, kept.LoyaltyStatus, kept.VectorId));
        Assert.Equal([[0.6f, 0.8f], [1f, 0f]], (await S.Customers.GetEmbeddingsAsync(OrgA, into.Id)).Select(e => e.Vector));
        Assert.Equal([[0.6f, 0.8f], [1f, 0f]], result.Embeddings);
        Assert.DoesNotContain(await S.Customers.ListEmbeddingsAsync(OrgA), e => e.CustomerId == from.Id || e.VectorId == from.VectorId);
        Assert.Equal(new float[] { 0.8f, 0.6f }, Assert.Single(await S.Customers.GetEmbeddingsAsync(OrgA, bystander.Id)).Vector);
        Assert.Equal(["p-into", "p-from"], (await S.Customers.GetPurchasesAsync(OrgA, into.Id)).Select(p => p.Id));
        Assert.Equal(["v-into", "v-from"], (await S.Visits.ListForCustomerAsync(OrgA, into.Id)).Select(v => v.Id));
        var detection = Assert.Single((await S.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = OrgA, CustomerId = into.Id })).Items);
        Assert.Equal("/tmp/crop-from", detection.CropPath);
        Assert.Empty(result.Erasure.CropPaths);
        Assert.Equal(into.Id, (await S.Visitors.GetAsync(OrgA, "v-1"))!.CustomerId);
        var log = Assert.Single(await S.Events.GetLogsAsync(OrgA, 10));
        Assert.Equal((into.Id, $"Customer {from.Id} identified"), (log.CustomerId, log.Message));

        // The pair of the two is gone; the third customer's pair now points at the kept customer.
        var pair = Assert.Single(await S.Duplicates.ListAsync(OrgA));
        Assert.Equal((third.Id, into.Id, 0.33f), (pair.CustomerId, pair.ExistingCustomerId, pair.Similarity));

        var audit = await S.Events.GetAuditAsync(OrgA);
        Assert.Contains(audit, a => (a.Action, a.Subject, a.Actor) == ("customer.erased", from.Id, "admin"));
        var merged = Assert.Single(audit, a => a.Action == "customer.merged");
        Assert.Equal((into.Id, "admin", T0.AddDays(2)), (merged.Subject, merged.Actor, merged.At));
        Assert.Contains("from=" + from.Id, merged.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Moved_pairs_that_meet_an_existing_pair_keep_the_higher_similarity()
    {
        var from = await S.Customers.AddAsync(NewCustomer(OrgA), []);
        var into = await S.Customers.AddAsync(NewCustomer(OrgA), []);
        var other = await S.Customers.AddAsync(NewCustomer(OrgA), []);
        await S.Duplicates.AddAsync(new PossibleDuplicate(OrgA, other.Id, from.Id, 0.52f, T0));
        await S.Duplicates.AddAsync(new PossibleDuplicate(OrgA, other.Id, into.Id, 0.38f, T0.AddHours(1)));
        await S.Duplicates.AddAsync(new PossibleDuplicate(OrgA, into.Id, from.Id, 0.47f, T0));

        await S.Customers.MergeAsync(OrgA, from.Id, into.Id, i => new CustomerMergePlan(i.Into, []), "admin", T0.AddDays(1));

        Assert.Equal([new PossibleDuplicate(OrgA, other.Id, into.Id, 0.52f, T0.AddHours(1))], await S.Duplicates.ListAsync(OrgA));
    }

    [Fact]
    public async Task A_merge_that_fails_changes_nothing()
    {
        var from = await S.Customers.AddAsync(NewCustomer(OrgA, email: "from@example.com"), [new float[] { 1, 0 }]);
        var into = await S.Customers.AddAsync(NewCustomer(OrgA), [new float[] { 0, 1 }]);
        var elsewhere = await S.Customers.AddAsync(NewCustomer(OrgB), []);
        await ProductAsync(OrgA, "sku", "c");
        await S.Customers.AddPurchaseAsync(OrgA, new Purchase { Id = "p-from", CustomerId = from.Id, ProductId = "sku", Amount = 3, PurchasedAt = T0 });
        await S.Visits.AddAsync(new Visit { Id = "v-from", OrganizationId = OrgA, StoreId = "s", PersonId = "p1", CustomerId = from.Id, EntryAt = T0 });
        await S.Duplicates.AddAsync(new PossibleDuplicate(OrgA, from.Id, into.Id, 0.45f, T0));
        var before = (await S.Customers.GetAsync(OrgA, from.Id), await S.Customers.GetAsync(OrgA, into.Id));

        // The policy fails after the store read both: the transaction rolls back.
        await Assert.ThrowsAsync<InvalidOperationException>(() => S.Customers.MergeAsync(OrgA, from.Id, into.Id, _ => throw new InvalidOperationException("policy failed"), "admin", T0));

        // The policy names another customer than the one kept.
        await Assert.ThrowsAsync<ArgumentException>(() => S.Customers.MergeAsync(OrgA, from.Id, into.Id, i => new CustomerMergePlan(i.From, []), "admin", T0));

        // Unknown ids, ids of another organisation, and a customer merged into itself.
        await Assert.ThrowsAsync<RetailNotFoundException>(() => S.Customers.MergeAsync(OrgA, "nobody", into.Id, i => new CustomerMergePlan(i.Into, []), "admin", T0));
        await Assert.ThrowsAsync<RetailNotFoundException>(() => S.Customers.MergeAsync(OrgA, from.Id, "nobody", i => new CustomerMergePlan(i.Into, []), "admin", T0));
        await Assert.ThrowsAsync<RetailNotFoundException>(() => S.Customers.MergeAsync(OrgA, elsewhere.Id, into.Id, i => new CustomerMergePlan(i.Into, []), "admin", T0));
        await Assert.ThrowsAsync<RetailNotFoundException>(() => S.Customers.MergeAsync(OrgB, from.Id, into.Id, i => new CustomerMergePlan(i.Into, []), "admin", T0));
        await Assert.ThrowsAsync<ArgumentException>(() => S.Customers.MergeAsync(OrgA, from.Id, from.Id, i => new CustomerMergePlan(i.Into, []), "admin", T0));

        Assert.Equal(before, (await S.Customers.GetAsync(OrgA, from.Id), await S.Customers.GetAsync(OrgA, into.Id)));
        Assert.Equal(3m, before.Item1!.TotalSpend);
        Assert.NotNull(await S.Customers.GetAsync(OrgB, elsewhere.Id));
        Assert.Equal(new float[] { 1f, 0f }, Assert.Single(await S.Customers.GetEmbeddingsAsync(OrgA, from.Id)).Vector);
        Assert.Equal(new float[] { 0f, 1f }, Assert.Single(await S.Customers.GetEmbeddingsAsync(OrgA, into.Id)).Vector);
        Assert.Equal("p-from", Assert.Single(await S.Customers.GetPurchasesAsync(OrgA, from.Id)).Id);
        Assert.Equal("v-from", Assert.Single(await S.Visits.ListForCustomerAsync(OrgA, from.Id)).Id);
        Assert.Single(await S.Duplicates.ListAsync(OrgA));
        Assert.Empty(await S.Events.GetAuditAsync(OrgA));
    }
}
