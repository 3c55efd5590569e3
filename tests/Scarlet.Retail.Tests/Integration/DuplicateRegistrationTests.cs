using Scarlet.Recognition;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Tests.Support;

namespace Scarlet.Retail.Tests.Integration;

/// <summary>
/// Two different real people whose faces our pipeline finds alike. Their similarity is measured once, and the tests set
/// the gallery's thresholds around it, so the pair is a lookalike whatever the calibrated defaults are.
/// </summary>
public sealed class LookalikePair : IAsyncLifetime
{
    public const string Existing = "Gerhard_Schroeder";
    public const string Lookalike = "Abdullah_Gul";

    /// <summary>How far each threshold sits from the pair's similarity (well above the spread of one face through two code paths).</summary>
    public const float Gap = 0.1f;

    public float Similarity { get; private set; }

    public async Task InitializeAsync()
    {
        using var dir = new TempDir();
        await using var h = new ScarletHarness(dir.Path, snapshots: false);
        Similarity = Vectors.Cosine(h.Embed(Existing, 1), h.Embed(Lookalike, 1));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Thresholds with the pair between them: alike enough to flag, not enough to be taken for one person.</summary>
    public void Between(FaceGalleryOptions gallery)
    {
        gallery.MatchThreshold = Similarity - Gap;
        gallery.DuplicateThreshold = Similarity + Gap;
    }
}

/// <summary>
/// Lookalike registrations on real LFW faces, real models and a real SQLite file: registered and flagged rather than
/// refused, listed for review, merged (history, face and gallery), and flagged on the auto-registration path too.
/// </summary>
public sealed class DuplicateRegistrationTests(LookalikePair pair) : IClassFixture<LookalikePair>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_lookalike_is_registered_and_flagged_not_refused()
    {
        await using var h = new ScarletHarness(_dir.Path, gallery: pair.Between);
        var org = await h.OrgAsync("org-a");
        var existing = await h.EnrolAsync(org, "Gerhard", LookalikePair.Existing, 1);
        var flagged = h.NextAsync<PossibleDuplicateFlaggedEvent>();

        using var image = ScarletHarness.Lfw(LookalikePair.Lookalike, 1);
        var result = await h.Faces.RegisterAsync(org, new FaceRegistration { Name = "Abdullah", Consent = ScarletHarness.Consent }, [image]);

        Assert.True(result.IsPossibleDuplicate);
        var p = Assert.Single(result.PossibleDuplicates);
        Assert.Equal((org, result.Customer.Id, existing.Id), (p.OrganizationId, p.CustomerId, p.ExistingCustomerId));
        Assert.InRange(p.Similarity, h.Faces.MatchThreshold, h.Faces.DuplicateThreshold);
        Assert.InRange(p.Similarity, pair.Similarity - 0.01f, pair.Similarity + 0.01f);
        var f = await flagged;
        Assert.Equal((result.Customer.Id, existing.Id), (f.CustomerId, f.ExistingCustomerId));

        // Both are customers, each identified as itself.
        Assert.Equal(2, (await h.Customers.ListAsync(org)).Total);
        Assert.Equal(2, (await h.Faces.GetGalleryAsync(org)).IdentityCount);
        Assert.Equal(existing.Id, (await h.IdentifyAsync(org, LookalikePair.Existing, 3)).CustomerId);
        Assert.Equal(result.Customer.Id, (await h.IdentifyAsync(org, LookalikePair.Lookalike, 1)).CustomerId);

        var listed = Assert.Single(await h.Merges.ListAsync(org));
        Assert.Equal(("Abdullah", "Gerhard", p.Similarity), (listed.Customer.Name, listed.ExistingCustomer.Name, listed.Similarity));
    }

    [Fact]
    public async Task Merging_the_lookalike_keeps_purchases_and_visits_of_both_and_its_face_identifies_the_kept_customer()
    {
        await using var h = new ScarletHarness(_dir.Path, gallery: pair.Between);
        var org = await h.OrgAsync("org-a");
        await h.Get<ICatalogStore>().UpsertProductAsync(org, new Product { Id = "tea", Name = "Tea", Category = "tea" });
        var kept = await h.EnrolAsync(org, "Gerhard", LookalikePair.Existing, 1);
        var twin = await h.EnrolAsync(org, "Abdullah", LookalikePair.Lookalike, 1);
        Assert.Single(await h.Merges.ListAsync(org));

        await h.Customers.AddPurchaseAsync(org, kept.Id, "tea", 1, 4m);
        await h.Customers.AddPurchaseAsync(org, twin.Id, "tea", 2, 7m);
        var visits = h.Get<VisitAnalytics>();
        foreach (var (customer, person) in new[] { (kept, "p-1"), (twin, "p-2") })
        {
            var at = h.Time.GetUtcNow();
            await visits.HandleEnteredAsync(new PersonEnteredStoreEvent { OrganizationId = org, Timestamp = at, StoreId = "s1", PersonId = person, CustomerId = customer.Id });
            await visits.HandleExitedAsync(new PersonExitedStoreEvent { OrganizationId = org, Timestamp = at.AddMinutes(10), StoreId = "s1", PersonId = person, CustomerId = customer.Id });
        }

        var result = await h.Merges.MergeAsync(org, twin.Id, kept.Id, "admin");

        Assert.Equal((1, 1, 2), (result.PurchasesMoved, result.VisitsMoved, result.Embeddings.Count));
        Assert.Null(await h.Customers.GetAsync(org, twin.Id));
        var after = await h.Customers.GetAsync(org, kept.Id);
        Assert.Equal((11m, 2), (after!.TotalSpend, after.VisitCount));
        Assert.Equal(2, (await h.Customers.GetPurchasesAsync(org, kept.Id)).Count);
        Assert.Equal(["p-1", "p-2"], (await h.Get<IVisitStore>().ListForCustomerAsync(org, kept.Id)).Select(v => v.PersonId).Order(StringComparer.Ordinal));
        Assert.Empty(await h.Merges.ListAsync(org));

        // The merged-away face (another photo of it) now identifies the kept customer; so does the kept one's own.
        var seen = await h.IdentifyAsync(org, LookalikePair.Lookalike, 2);
        Assert.Equal((RecognitionStatus.Matched, kept.Id), (seen.Status, seen.CustomerId));
        Assert.Equal(kept.Id, (await h.IdentifyAsync(org, LookalikePair.Existing, 3)).CustomerId);
        var gallery = await h.Faces.GetGalleryAsync(org);
        Assert.Equal(1, gallery.IdentityCount);
        Assert.Equal(2, await h.Faces.EnrolledEmbeddingCountAsync(org, kept));

        // The snapshot and a gallery rebuilt from the store agree with the live one.
        using (var saved = LoadSnapshot(h.Faces.SnapshotPath(org)!))
        {
            Assert.Equal(1, saved.IdentityCount);
            Assert.False(saved.Contains(twin.VectorId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        Assert.Equal(1, await h.Faces.RebuildAsync(org));
        Assert.Equal(kept.Id, (await h.IdentifyAsync(org, LookalikePair.Lookalike, 2)).CustomerId);
    }

    [Fact]
    public async Task An_auto_registered_lookalike_is_flagged_for_review()
    {
        await using var h = new ScarletHarness(_dir.Path, gallery: pair.Between, retail: r =>
        {
            r.AutoRegistration = AutoRegistrationMode.ProvisionalUntilConsent;
            r.AutoRegisterMinSightings = 1;
        });
        var org = await h.OrgAsync("org-a");
        var existing = await h.EnrolAsync(org, "Gerhard", LookalikePair.Existing, 1);
        var flagged = h.NextAsync<PossibleDuplicateFlaggedEvent>();

        // An edge node that had not yet seen the enrolment reported the lookalike's face as new: its cluster auto-registers.
        var handled = await h.Customers.HandleRecognitionAsync(new RecognitionEvent
        {
            OrganizationId = org,
            Timestamp = h.Time.GetUtcNow(),
            CameraId = "edge-2",
            Status = RecognitionStatus.NewFace,
            Confidence = 0.9f,
            Embedding = h.Embed(LookalikePair.Lookalike, 1),
        });

        Assert.True(handled.AutoRegistered);
        var f = await flagged;
        Assert.Equal((handled.CustomerId, existing.Id), (f.CustomerId, f.ExistingCustomerId));
        var listed = Assert.Single(await h.Merges.ListAsync(org));
        Assert.True(listed.Customer.IsAutoRegistered);
        Assert.InRange(listed.Similarity, h.Faces.MatchThreshold, 1f);
    }

    private static FaceGallery LoadSnapshot(string path)
    {
        // The writer replaces the file atomically; open with sharing so a concurrent replace is never blocked.
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return FaceGallerySnapshot.Read(file);
    }
}
