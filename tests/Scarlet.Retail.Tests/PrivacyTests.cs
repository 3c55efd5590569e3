using System.Text.Json;
using Scarlet.Retail.Events;
using Scarlet.Retail.Tests.Support;

namespace Scarlet.Retail.Tests;

public sealed class PrivacyTests
{
    private static readonly DateTimeOffset T = RetailHarness.Start;

    private static RecognitionEvent Face(string org, int person, int sample, byte[]? crop = null) => new()
    {
        OrganizationId = org,
        Timestamp = T,
        CameraId = "cam",
        Status = RecognitionStatus.NewFace,
        Embedding = Vectors.Person(person, sample),
        Crop = crop ?? [],
    };

    [Fact]
    public async Task Erasure_removes_everything_deletes_crops_audits_and_tells_the_recognition_layer()
    {
        await using var h = new RetailHarness(o => o.StoreFaceCrops = true);
        var org = await h.OrgAsync();
        await h.Catalog.UpsertProductAsync(org, new Product { Id = "sku" });
        var ada = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada", Email = "ada@example.com", Embeddings = [Vectors.Person(1)], Consent = new("Ada", T, "kiosk") });
        await h.Customers.AddPurchaseAsync(org, ada.Id, "sku", 1, 5m);
        var seen = await h.Customers.HandleRecognitionAsync(Face(org, 1, 1, [1, 2, 3]));
        await h.Customers.AssignVisitorAsync(org, seen.VisitorId!, ada.Id, "admin");
        var crop = Assert.Single((await h.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = org })).Items).CropPath;
        Assert.True(File.Exists(crop));
        Assert.StartsWith(h.Dir, crop, StringComparison.Ordinal);
        await h.Events.AppendLogAsync(new LogEntry(0, org, T, "info", "t", $"Customer {ada.Id} identified", ada.Id));

        CustomerErasedEvent? hooked = null;
        h.Privacy.CustomerErased += (_, e) => hooked = e;
        var published = h.NextAsync<CustomerErasedEvent>();
        var result = await h.Privacy.EraseAsync(org, ada.Id, "admin");

        Assert.Equal(2, result.EmbeddingsRemoved); // enrolment + the assigned cluster's centroid
        Assert.False(File.Exists(crop));
        Assert.Equal((ada.Id, ada.VectorId), (hooked!.CustomerId, hooked.VectorId));
        Assert.Equal(ada.Id, (await published).CustomerId);
        Assert.Null(await h.Customers.GetAsync(org, ada.Id));
        Assert.Null(await h.Customers.GetByVectorIdAsync(org, ada.VectorId));
        Assert.Empty(await h.Customers.ListEmbeddingsAsync(org));
        Assert.Empty(await h.Customers.ListVisitorsAsync(org));
        var d = Assert.Single((await h.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = org })).Items);
        Assert.Equal((null, null, null, (Scarlet.Vision.BoundingBox?)null), (d.CustomerId, d.VisitorId, d.CropPath, d.Box));
        Assert.DoesNotContain(await h.Events.GetLogsAsync(org, 100), l => l.Message.Contains(ada.Id, StringComparison.Ordinal));
        Assert.Contains(await h.Events.GetAuditAsync(org), a => a.Action == "customer.erased" && a.Subject == ada.Id && a.Actor == "admin");
        await Assert.ThrowsAsync<RetailNotFoundException>(() => h.Privacy.EraseAsync(org, ada.Id, "admin"));

        // The erased face is no longer a visitor: it starts a fresh cluster.
        var again = await h.Customers.HandleRecognitionAsync(Face(org, 1, 2));
        Assert.NotEqual(seen.VisitorId, again.VisitorId);
        Assert.Null(again.CustomerId);
    }

    [Fact]
    public async Task Crops_are_not_kept_by_default()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        await h.Customers.HandleRecognitionAsync(Face(org, 1, 1, [1, 2, 3]));
        Assert.Null(Assert.Single((await h.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = org })).Items).CropPath);
        Assert.False(Directory.Exists(Path.Combine(h.Dir, "crops")));
    }

    [Fact]
    public async Task Export_holds_everything_about_the_customer_as_json()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        await h.Catalog.UpsertProductAsync(org, new Product { Id = "sku" });
        var ada = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada", Email = "ada@example.com", Embeddings = [new float[] { 0.6f, 0.8f }], Consent = new("Ada", T, "web-form") });
        var bea = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Bea" });
        await h.Customers.AddPurchaseAsync(org, ada.Id, "sku", 2, 9.5m);
        await h.Customers.AddPurchaseAsync(org, bea.Id, "sku", 1, 1m);
        await h.Customers.HandleRecognitionAsync(new RecognitionEvent { OrganizationId = org, Timestamp = T, CameraId = "cam", Status = RecognitionStatus.Matched, CustomerId = ada.Id });
        await h.Visits.HandleEnteredAsync(new PersonEnteredStoreEvent { OrganizationId = org, Timestamp = T, StoreId = "s", PersonId = "p", CustomerId = ada.Id });

        using var doc = JsonDocument.Parse(await h.Privacy.ExportAsync(org, ada.Id));
        var root = doc.RootElement;
        var customer = root.GetProperty("customer");
        Assert.Equal(("Ada", "ada@example.com", "bronze", ada.VectorId), (customer.GetProperty("name").GetString(), customer.GetProperty("email").GetString(), customer.GetProperty("loyalty_status").GetString(), customer.GetProperty("vector_id").GetInt64()));
        Assert.Equal("web-form", customer.GetProperty("consent").GetProperty("method").GetString());
        Assert.Equal(0.8f, root.GetProperty("embeddings")[0][1].GetSingle());
        Assert.Equal(9.5m, root.GetProperty("purchases").EnumerateArray().Single().GetProperty("amount").GetDecimal());
        Assert.Single(root.GetProperty("visits").EnumerateArray());
        Assert.Equal("MATCHED", root.GetProperty("detections")[0].GetProperty("status").GetString());
        var other = await h.OrgAsync("org-b");
        await Assert.ThrowsAsync<RetailNotFoundException>(() => h.Privacy.ExportAsync(other, ada.Id));
    }

    [Fact]
    public async Task Retention_erases_unconsented_auto_registrations_and_stale_visitors_but_keeps_consented_ones()
    {
        await using var h = new RetailHarness(o =>
        {
            o.AutoRegistration = AutoRegistrationMode.ProvisionalUntilConsent;
            o.AutoRegisterMinSightings = 2;
            o.UnconsentedRetention = TimeSpan.FromDays(30);
            o.RetentionSweepInterval = TimeSpan.FromDays(1);
        }, startPipeline: true);
        var org = await h.OrgAsync();
        var erasedVisitor = (await h.Customers.HandleRecognitionAsync(Face(org, 1, 0))).VisitorId;
        var first = await h.Customers.HandleRecognitionAsync(Face(org, 1, 1));
        var second = await h.Customers.HandleRecognitionAsync(Face(org, 2, 0));
        await h.Customers.HandleRecognitionAsync(Face(org, 2, 1));
        var customers = (await h.Customers.ListAsync(org)).Items;
        Assert.Equal(2, customers.Count);
        var consented = customers.Single(c => c.Id != first.CustomerId);
        h.Time.Advance(TimeSpan.FromDays(10));
        await h.Customers.RecordConsentAsync(org, consented.Id, new ConsentRecord("visitor", h.Time.GetUtcNow(), "kiosk"));
        var lonely = await h.Customers.HandleRecognitionAsync(Face(org, 3, 0) with { Timestamp = T.AddDays(10) });

        // Day 29: nothing expired yet. The sweep runs on the virtual-time scheduler.
        h.Time.Advance(TimeSpan.FromDays(19));
        h.Scheduler.AdvanceBy(TimeSpan.FromDays(29));
        await Task.Delay(200);
        Assert.Equal(2, (await h.Customers.ListAsync(org)).Total);

        // Day 31: the unconsented auto-registration and its visitor go; the consented one stays.
        var erased = h.NextAsync<CustomerErasedEvent>();
        h.Time.Advance(TimeSpan.FromDays(2));
        h.Scheduler.AdvanceBy(TimeSpan.FromDays(2));
        Assert.Equal((first.CustomerId, "retention"), ((await erased).CustomerId, (await erased).Actor));
        SpinWait.SpinUntil(() => h.Customers.ListAsync(org).Result.Total == 1, 5000);
        Assert.Equal(consented.Id, Assert.Single((await h.Customers.ListAsync(org)).Items).Id);
        var visitors = await h.Customers.ListVisitorsAsync(org);
        Assert.DoesNotContain(visitors, v => v.Id == erasedVisitor);
        Assert.Contains(visitors, v => v.Id == lonely.VisitorId); // seen on day 10: kept until day 40
        Assert.Contains(visitors, v => v.Id == second.VisitorId);
        Assert.Null((await h.Customers.GetAsync(org, consented.Id))!.ExpiresAt);
    }
}
