using Scarlet.Retail.Events;
using Scarlet.Retail.Tests.Support;

namespace Scarlet.Retail.Tests;

public sealed class CustomerServiceTests
{
    private static readonly ConsentRecord Consent = new("customer", RetailHarness.Start, "kiosk");

    private static RecognitionEvent NewFace(string org, float[] embedding, DateTimeOffset at, string camera = "cam-1") => new()
    {
        OrganizationId = org,
        Timestamp = at,
        CameraId = camera,
        Status = RecognitionStatus.NewFace,
        Confidence = 0.9f,
        Embedding = embedding,
    };

    [Fact]
    public async Task Register_stores_embeddings_with_consent_and_finds_by_id_and_vector_id()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        var c = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada", Email = "ada@example.com", Embeddings = [Vectors.Person(1)], Consent = Consent });
        Assert.Equal(LoyaltyStatus.Bronze, c.LoyaltyStatus);
        Assert.Equal(c, await h.Customers.GetAsync(org, c.Id));
        Assert.Equal(c, await h.Customers.GetByVectorIdAsync(org, c.VectorId));
        var stored = Assert.Single(await h.Customers.ListEmbeddingsAsync(org));
        Assert.Equal(Vectors.Person(1), stored.Vector);
        Assert.Equal(Consent, c.Consent);
    }

    [Fact]
    public async Task Register_rejects_bad_input_with_typed_exceptions()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada", Embeddings = [Vectors.Person(1)] }));
        await Assert.ThrowsAsync<ArgumentException>(() => h.Customers.RegisterAsync(org, new CustomerRegistration { Name = " " }));
        await Assert.ThrowsAsync<ArgumentException>(() => h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada", Email = "not-an-email" }));
        await Assert.ThrowsAsync<ArgumentException>(() => h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada", Consent = Consent, Embeddings = [new float[] { 1, float.NaN }] }));
        await Assert.ThrowsAsync<ArgumentException>(() => h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada", Consent = Consent, Embeddings = [new float[] { 1, 0 }, new float[] { 1, 0, 0 }] }));
        await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada", Email = "a@example.com" });
        await Assert.ThrowsAsync<DuplicateEntityException>(() => h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada 2", Email = "a@example.com" }));
    }

    [Fact]
    public async Task Loyalty_tier_follows_configured_spend_and_visit_thresholds()
    {
        await using var h = new RetailHarness(o =>
        {
            o.LoyaltyRules.Clear();
            o.LoyaltyRules.Add(new LoyaltyTierRule { Tier = LoyaltyStatus.Silver, MinTotalSpend = 100m });
            o.LoyaltyRules.Add(new LoyaltyTierRule { Tier = LoyaltyStatus.Gold, MinVisits = 3 });
        });
        var org = await h.OrgAsync();
        await h.Catalog.UpsertProductAsync(org, new Product { Id = "sku" });
        var c = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada" });
        c = await h.Customers.AddPurchaseAsync(org, c.Id, "sku", 1, 99.99m);
        Assert.Equal(LoyaltyStatus.Bronze, c.LoyaltyStatus);
        c = await h.Customers.AddPurchaseAsync(org, c.Id, "sku", 1, 0.01m);
        Assert.Equal(LoyaltyStatus.Silver, c.LoyaltyStatus);
        await h.Customers.RecordVisitAsync(org, c.Id);
        await h.Customers.RecordVisitAsync(org, c.Id);
        c = await h.Customers.RecordVisitAsync(org, c.Id);
        Assert.Equal(LoyaltyStatus.Gold, c.LoyaltyStatus);
        Assert.Equal(LoyaltyStatus.Gold, (await h.Customers.GetAsync(org, c.Id))!.LoyaltyStatus);
        Assert.Equal(2, (await h.Customers.GetPurchasesAsync(org, c.Id)).Count);
    }

    [Fact]
    public async Task New_faces_of_one_person_cluster_into_one_visitor_and_two_people_into_two()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        var ids = new List<string?>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add((await h.Customers.HandleRecognitionAsync(NewFace(org, Vectors.Person(1, i), RetailHarness.Start.AddMinutes(i)))).VisitorId);
        }

        var other = await h.Customers.HandleRecognitionAsync(NewFace(org, Vectors.Person(2, 0), RetailHarness.Start));
        Assert.Single(ids.Distinct());
        Assert.NotEqual(ids[0], other.VisitorId);
        var visitors = await h.Customers.ListVisitorsAsync(org);
        Assert.Equal(2, visitors.Count);
        var v1 = visitors.Single(v => v.Id == ids[0]);
        Assert.Equal(6, v1.Sightings);
        Assert.Equal(RetailHarness.Start.AddMinutes(5), v1.LastSeen);
        Assert.True(Vectors.Cosine(v1.Centroid, Vectors.Person(1, 99)) > 0.95f);
        Assert.Equal(1f, MathF.Sqrt(v1.Centroid.Sum(x => x * x)), 3);

        var page = await h.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = org, Status = RecognitionStatus.NewFace });
        Assert.Equal(7, page.Total);
        Assert.All(page.Items, d => Assert.NotNull(d.VisitorId));
    }

    [Fact]
    public async Task Auto_registration_creates_exactly_one_customer_per_person_after_enough_sightings()
    {
        await using var h = new RetailHarness(o =>
        {
            o.AutoRegistration = AutoRegistrationMode.ProvisionalUntilConsent;
            o.AutoRegisterMinSightings = 3;
            o.UnconsentedRetention = TimeSpan.FromDays(7);
        });
        var org = await h.OrgAsync();
        var registered = new List<CustomerRegisteredEvent>();
        using var sub = h.Stream.Subscribe(e =>
        {
            if (e is CustomerRegisteredEvent r)
            {
                registered.Add(r);
            }
        });

        // Concurrent sightings of the same person must still give one customer.
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => h.Customers.HandleRecognitionAsync(NewFace(org, Vectors.Person(3, i), RetailHarness.Start.AddSeconds(i)))));
        Assert.Single(registered);
        Assert.Single(results, r => r.AutoRegistered);
        var customerId = registered[0].CustomerId;
        Assert.Equal(8, results.Count(r => r.CustomerId == customerId));
        var customer = await h.Customers.GetAsync(org, customerId);
        Assert.True(customer!.IsAutoRegistered);
        Assert.Equal(RetailHarness.Start.AddDays(7), customer.ExpiresAt);
        Assert.Single(await h.Customers.ListEmbeddingsAsync(org));
        Assert.Single(registered[0].Embeddings);

        // Earlier detections of the cluster were linked to the new customer too.
        Assert.Equal(10, (await h.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = org, CustomerId = customerId })).Total);
    }

    [Fact]
    public async Task Auto_registration_disabled_never_creates_customers()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        for (var i = 0; i < 10; i++)
        {
            Assert.Null((await h.Customers.HandleRecognitionAsync(NewFace(org, Vectors.Person(4, i), RetailHarness.Start))).CustomerId);
        }

        Assert.Equal(0, (await h.Customers.ListAsync(org)).Total);
    }

    [Fact]
    public async Task Admin_assigns_a_cluster_to_a_customer_and_later_sightings_identify_the_customer()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        var first = await h.Customers.HandleRecognitionAsync(NewFace(org, Vectors.Person(5, 0), RetailHarness.Start));
        await h.Customers.HandleRecognitionAsync(NewFace(org, Vectors.Person(5, 1), RetailHarness.Start));
        var c = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Bea" });
        var assigned = h.NextAsync<VisitorAssignedEvent>();
        await h.Customers.AssignVisitorAsync(org, first.VisitorId!, c.Id, "admin");
        Assert.Equal(c.VectorId, (await assigned).VectorId);
        Assert.Single(await h.Customers.ListEmbeddingsAsync(org));
        Assert.Equal(2, (await h.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = org, CustomerId = c.Id })).Total);

        var identified = h.NextAsync<CustomerIdentifiedEvent>();
        var later = await h.Customers.HandleRecognitionAsync(NewFace(org, Vectors.Person(5, 2), RetailHarness.Start.AddHours(1)));
        Assert.Equal(c.Id, later.CustomerId);
        Assert.Equal(c.Id, (await identified).CustomerId);

        var other = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Cy" });
        await Assert.ThrowsAsync<InvalidOperationException>(() => h.Customers.AssignVisitorAsync(org, first.VisitorId!, other.Id, "admin"));
        await Assert.ThrowsAsync<RetailNotFoundException>(() => h.Customers.AssignVisitorAsync(org, "v-none", c.Id, "admin"));
        var otherOrg = await h.OrgAsync("org-b");
        await Assert.ThrowsAsync<RetailNotFoundException>(() => h.Customers.AssignVisitorAsync(otherOrg, first.VisitorId!, c.Id, "admin"));
    }

    [Fact]
    public async Task Matched_outcome_records_detection_and_publishes_customer_identified_only_for_a_known_customer()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        var other = await h.OrgAsync("org-b");
        var c = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada" });
        var identified = h.NextAsync<CustomerIdentifiedEvent>();
        var r = await h.Customers.HandleRecognitionAsync(new RecognitionEvent { OrganizationId = org, Timestamp = RetailHarness.Start, CameraId = "cam-9", Status = RecognitionStatus.Matched, CustomerId = c.Id, Confidence = 0.93f, Distance = 0.2f, Box = new(1, 2, 30, 40), StoreZone = "dairy" });
        var e = await identified;
        Assert.Equal((c.Id, "cam-9", 0.93f, "dairy"), (e.CustomerId, e.CameraId, e.Confidence, e.StoreZone));
        Assert.Equal(c.Id, r.CustomerId);

        // The same customer id presented under another organisation is not that customer.
        var cross = await h.Customers.HandleRecognitionAsync(new RecognitionEvent { OrganizationId = other, Timestamp = RetailHarness.Start, CameraId = "cam-9", Status = RecognitionStatus.Matched, CustomerId = c.Id });
        Assert.Null(cross.CustomerId);
        var stored = Assert.Single((await h.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = org })).Items);
        Assert.Equal((RecognitionStatus.Matched, 0.2f, 30f), (stored.Status, stored.Distance, stored.Box!.Value.Width));
        Assert.Null(stored.CropPath);
    }
}
