using Microsoft.Extensions.Options;
using Scarlet.Recognition;
using Scarlet.Retail.Events;
using Scarlet.Retail.Tests.Support;

namespace Scarlet.Retail.Tests;

/// <summary>
/// The merge policy and its notifications over a real SQLite file (faces here are test vectors; the flow on real
/// faces is in Integration/DuplicateRegistrationTests).
/// </summary>
public sealed class CustomerMergeServiceTests
{
    private static readonly DateTimeOffset T = RetailHarness.Start;

    [Fact]
    public async Task Merge_sums_spend_and_visits_recomputes_the_tier_keeps_the_newer_consent_and_tells_the_galleries()
    {
        await using var h = new RetailHarness(
            o =>
            {
                o.LoyaltyRules.Clear();
                o.LoyaltyRules.Add(new LoyaltyTierRule { Tier = LoyaltyStatus.Silver, MinTotalSpend = 100m });
                o.LoyaltyRules.Add(new LoyaltyTierRule { Tier = LoyaltyStatus.Gold, MinVisits = 3 });
            },
            startPipeline: true);
        var org = await h.OrgAsync();
        await h.Catalog.UpsertProductAsync(org, new Product { Id = "sku" });
        var older = new ConsentRecord("Ada", T, "kiosk");
        var newer = new ConsentRecord("Ada", T.AddDays(1), "web-form");
        var into = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada", Email = "ada@example.com", Embeddings = [Vectors.Person(1)], Consent = older });
        var from = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada L.", Email = "ada.l@example.com", Embeddings = [Vectors.Person(1, 1)], Consent = newer });
        into = await h.Customers.AddPurchaseAsync(org, into.Id, "sku", 1, 60m);
        into = await h.Customers.RecordVisitAsync(org, into.Id);
        from = await h.Customers.AddPurchaseAsync(org, from.Id, "sku", 1, 50m);
        Assert.Equal((LoyaltyStatus.Bronze, LoyaltyStatus.Bronze), (into.LoyaltyStatus, from.LoyaltyStatus));

        CustomerErasedEvent? hooked = null;
        h.Privacy.CustomerErased += (_, e) => hooked = e;
        var merged = h.NextAsync<CustomersMergedEvent>();
        var erased = h.NextAsync<CustomerErasedEvent>();
        var result = await h.Merges.MergeAsync(org, from.Id, into.Id, "admin");

        // Neither had silver on its own; together they spent enough.
        var kept = await h.Customers.GetAsync(org, into.Id);
        Assert.Equal(result.Customer, kept);
        Assert.Equal((110m, 1, LoyaltyStatus.Silver), (kept!.TotalSpend, kept.VisitCount, kept.LoyaltyStatus));
        Assert.Equal(("Ada", "ada@example.com", newer, (DateTimeOffset?)null), (kept.Name, kept.Email, kept.Consent, kept.ExpiresAt));
        Assert.Null(await h.Customers.GetAsync(org, from.Id));
        Assert.Equal(2, (await h.Customers.GetPurchasesAsync(org, into.Id)).Count);

        var m = await merged;
        Assert.Equal((into.Id, into.VectorId, from.Id, from.VectorId, "admin"), (m.CustomerId, m.VectorId, m.MergedCustomerId, m.MergedVectorId, m.Actor));
        Assert.Equal([Vectors.Person(1), Vectors.Person(1, 1)], m.Embeddings.Select(e => e.ToArray()));
        Assert.Equal((from.Id, from.VectorId), ((await erased).CustomerId, (await erased).VectorId));
        Assert.Equal((from.Id, from.VectorId), (hooked!.CustomerId, hooked.VectorId));

        // A gold customer (three visits) merged in: the higher tier is kept and visits add up.
        var regular = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada (regular)" });
        for (var i = 0; i < 3; i++)
        {
            regular = await h.Customers.RecordVisitAsync(org, regular.Id);
        }

        Assert.Equal(LoyaltyStatus.Gold, regular.LoyaltyStatus);
        var second = await h.Merges.MergeAsync(org, regular.Id, into.Id, "admin");
        Assert.Equal((LoyaltyStatus.Gold, 4, newer), (second.Customer.LoyaltyStatus, second.Customer.VisitCount, second.Customer.Consent));

        // The event log and the audit trail record both merges.
        var lines = await WaitForLogAsync(h, org, l => l.Message.Contains($"Customer {regular.Id} merged into customer {into.Id} by admin", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Message == $"Customer {from.Id} merged into customer {into.Id} by admin" && l.CustomerId == into.Id);
        Assert.Equal(2, (await h.Events.GetAuditAsync(org)).Count(a => a.Action == "customer.merged" && a.Subject == into.Id));
    }

    [Fact]
    public async Task Merge_keeps_both_faces_within_the_gallery_cap()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        var cap = h.Get<IOptions<RecognitionOptions>>().Value.Gallery.MaxEmbeddingsPerIdentity;
        Assert.True(cap >= 6, $"the test alternates three faces of each customer below the cap ({cap})");
        float[][] intoFaces = [.. Enumerable.Range(0, cap).Select(i => Vectors.Person(1, i))];
        float[][] fromFaces = [.. Enumerable.Range(0, 3).Select(i => Vectors.Person(2, i))];
        var consent = new ConsentRecord("Ada", T, "kiosk");
        var into = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada", Embeddings = [.. intoFaces.Select(f => (ReadOnlyMemory<float>)f)], Consent = consent });
        var from = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada", Embeddings = [.. fromFaces.Select(f => (ReadOnlyMemory<float>)f)], Consent = consent });

        var result = await h.Merges.MergeAsync(org, from.Id, into.Id, "admin");

        // The newest of each in turn: all three of the merged face, and the kept customer's newest for the rest.
        float[][] expected = [.. intoFaces.Skip(3), .. fromFaces];
        Assert.Equal(expected, result.Embeddings);
        Assert.Equal(expected, (await h.Customers.ListEmbeddingsAsync(org)).Select(e => e.Vector));
        Assert.All(await h.Customers.ListEmbeddingsAsync(org), e => Assert.Equal(into.VectorId, e.VectorId));
    }

    [Fact]
    public async Task Without_consent_on_either_side_the_merged_customer_keeps_the_earlier_expiry()
    {
        await using var h = new RetailHarness(o =>
        {
            o.AutoRegistration = AutoRegistrationMode.ProvisionalUntilConsent;
            o.AutoRegisterMinSightings = 1;
            o.UnconsentedRetention = TimeSpan.FromDays(7);
        });
        var org = await h.OrgAsync();
        var first = await h.Customers.HandleRecognitionAsync(NewFace(org, Vectors.Person(7), T));
        h.Time.Advance(TimeSpan.FromDays(2));
        var second = await h.Customers.HandleRecognitionAsync(NewFace(org, Vectors.Person(8), h.Time.GetUtcNow()));
        Assert.True(first.AutoRegistered && second.AutoRegistered);

        var provisional = await h.Merges.MergeAsync(org, second.CustomerId!, first.CustomerId!, "admin");
        Assert.Equal((T.AddDays(7), (ConsentRecord?)null, true), (provisional.Customer.ExpiresAt, provisional.Customer.Consent, provisional.Customer.IsAutoRegistered));
        var store = h.Get<Storage.ICustomerStore>();
        Assert.Equal([first.CustomerId], (await store.ListExpiredAsync(org, T.AddDays(8))).Select(c => c.Id));

        // Merged into a registered customer with consent: no longer provisional, no expiry.
        var consent = new ConsentRecord("Bea", T, "kiosk");
        var registered = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Bea", Embeddings = [Vectors.Person(9)], Consent = consent });
        var kept = await h.Merges.MergeAsync(org, first.CustomerId!, registered.Id, "admin");
        Assert.Equal(((DateTimeOffset?)null, consent, false, "Bea"), (kept.Customer.ExpiresAt, kept.Customer.Consent, kept.Customer.IsAutoRegistered, kept.Customer.Name));
        Assert.Equal(1, (await h.Customers.ListAsync(org)).Total);
        Assert.Empty(await store.ListExpiredAsync(org, T.AddDays(30)));
    }

    [Fact]
    public async Task Flagged_pairs_are_listed_with_both_customers_until_one_is_erased()
    {
        await using var h = new RetailHarness(startPipeline: true);
        var org = await h.OrgAsync();
        var ada = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada" });
        var bea = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Bea" });
        var flagged = h.NextAsync<PossibleDuplicateFlaggedEvent>();

        await h.Merges.FlagAsync(new PossibleDuplicate(org, bea.Id, ada.Id, 0.42f, T));

        Assert.Equal((bea.Id, ada.Id, 0.42f), ((await flagged).CustomerId, (await flagged).ExistingCustomerId, (await flagged).Similarity));
        var pair = Assert.Single(await h.Merges.ListAsync(org));
        Assert.Equal((bea, ada, 0.42f, T), (pair.Customer, pair.ExistingCustomer, pair.Similarity, pair.FlaggedAt));
        await WaitForLogAsync(h, org, l => l.Message == $"Customer {bea.Id} flagged as a possible duplicate of customer {ada.Id} (similarity 0.420)" && l.CustomerId == bea.Id);

        await h.Privacy.EraseAsync(org, ada.Id, "admin");
        Assert.Empty(await h.Merges.ListAsync(org));
        await Assert.ThrowsAsync<RetailNotFoundException>(() => h.Merges.FlagAsync(new PossibleDuplicate(org, bea.Id, ada.Id, 0.42f, T)));
    }

    private static RecognitionEvent NewFace(string org, float[] embedding, DateTimeOffset at) => new()
    {
        OrganizationId = org,
        Timestamp = at,
        CameraId = "cam-1",
        Status = RecognitionStatus.NewFace,
        Confidence = 0.9f,
        Embedding = embedding,
    };

    private static async Task<IReadOnlyList<LogEntry>> WaitForLogAsync(RetailHarness h, string org, Func<LogEntry, bool> predicate)
    {
        // The event log is written by the pipeline's own queue: poll it (bounded).
        for (var i = 0; i < 400; i++)
        {
            var lines = await h.Log.GetRecentAsync(org, 100);
            if (lines.Any(predicate))
            {
                return lines;
            }

            await Task.Delay(25);
        }

        throw new Xunit.Sdk.XunitException("The expected log line was not written.");
    }
}
