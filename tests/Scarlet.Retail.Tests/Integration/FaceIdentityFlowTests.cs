using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scarlet.Recognition;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Tests.Support;
using Xunit.Abstractions;

namespace Scarlet.Retail.Tests.Integration;

/// <summary>
/// Recognition and retail connected by <see cref="FaceIdentityService"/>, on real LFW faces, real models and a real SQLite
/// file: enrolment, identification to recommendations, duplicates, erasure, tenant isolation and rebuild (lookalikes and
/// merges: <see cref="DuplicateRegistrationTests"/>).
/// </summary>
public sealed class FaceIdentityFlowTests(ITestOutputHelper output) : IDisposable
{
    // Two LFW people with several photos each; photo 1 enrols, photo 2 is the later sighting.
    private const string PersonX = "Tony_Blair";
    private const string PersonY = "Hans_Blix";

    // Photos 1 and 3 of this person are far closer through our pipeline (0.89 measured) than two photos of Tony Blair (0.52).
    private const string PersonZ = "Gerhard_Schroeder";

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Another_photo_of_an_enrolled_customer_gives_an_action_event_with_products_of_the_zone()
    {
        await using var h = new ScarletHarness(_dir.Path);
        var org = await h.OrgAsync("org-a");
        var catalog = h.Get<ICatalogStore>();
        await catalog.UpsertProductAsync(org, new Product { Id = "tea-green", Name = "Green tea", Category = "tea", Zones = ["aisle-1"] });
        await catalog.UpsertProductAsync(org, new Product { Id = "tea-black", Name = "Black tea", Category = "tea", Zones = ["aisle-1"] });
        await catalog.UpsertProductAsync(org, new Product { Id = "biscuits", Name = "Biscuits", Category = "snacks", Zones = ["aisle-1"] });
        await catalog.UpsertProductAsync(org, new Product { Id = "wine", Name = "Wine", Category = "drinks", Zones = ["aisle-9"] });

        var customer = await h.EnrolAsync(org, "Tony", PersonX, 1);
        Assert.Equal(1, (await h.Faces.GetGalleryAsync(org)).IdentityCount);
        await h.Customers.AddPurchaseAsync(org, customer.Id, "tea-black", 1, 4.5m);

        var identified = h.NextAsync<CustomerIdentifiedEvent>(e => e.CustomerId == customer.Id);
        var action = h.NextAsync<ActionEvent>(e => e.CustomerId == customer.Id);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var seen = await h.IdentifyAsync(org, PersonX, 2, zone: "aisle-1");
        output.WriteLine($"identify (warm models, decode + detect + embed + gallery + publish): {watch.Elapsed.TotalMilliseconds:F1} ms");

        Assert.Equal(RecognitionStatus.Matched, seen.Status);
        Assert.Equal(customer.Id, seen.CustomerId);
        Assert.InRange(seen.Distance!.Value, 0f, 1f - h.Faces.MatchThreshold);
        Assert.Equal(ScarletTopics.CustomerIdentified, (await identified).Topic);
        var a = await action;
        Assert.Equal(ScarletTopics.Actions, a.Topic);
        Assert.Equal("aisle-1", a.StoreZone);
        Assert.Equal(h.Time.GetUtcNow(), a.Timestamp);

        // History first: the tea category was bought, so both teas lead; the product of another zone never appears.
        Assert.Equal(["tea-black", "tea-green", "biscuits"], a.RecommendedProducts);

        // The detection event was recorded with the customer, box and distance.
        var detections = await h.Get<IEventStore>().QueryDetectionsAsync(new DetectionQuery { OrganizationId = org, CustomerId = customer.Id });
        var d = Assert.Single(detections.Items);
        Assert.Equal(RecognitionStatus.Matched, d.Status);
        Assert.Equal("cam-1", d.CameraId);
        Assert.Equal(seen.Box, d.Box);
        Assert.Equal(seen.Distance, d.Distance);
    }

    [Fact]
    public async Task Enrolling_a_face_taken_for_another_customers_is_refused()
    {
        await using var h = new ScarletHarness(_dir.Path);
        var org = await h.OrgAsync("org-a");
        var similarity = Vectors.Cosine(h.Embed(PersonZ, 1), h.Embed(PersonZ, 3));
        Assert.True(similarity >= h.Faces.DuplicateThreshold, $"photos 1 and 3 of {PersonZ} score {similarity:F3}, below the duplicate threshold {h.Faces.DuplicateThreshold}: the test needs a closer pair");
        var first = await h.EnrolAsync(org, "Gerhard", PersonZ, 1);

        var ex = await Assert.ThrowsAsync<DuplicateFaceException>(() => h.EnrolAsync(org, "Someone else", PersonZ, 3));
        Assert.Equal(first.Id, ex.ExistingCustomerId);
        Assert.InRange(ex.Similarity, h.Faces.DuplicateThreshold, 1f);
        Assert.Equal(1, (await h.Customers.ListAsync(org)).Total);
        Assert.Equal(1, (await h.Faces.GetGalleryAsync(org)).IdentityCount);
        Assert.Empty(await h.Merges.ListAsync(org));

        // Another person enrols fine.
        await h.EnrolAsync(org, "Hans", PersonY, 1);
        Assert.Equal(2, (await h.Faces.GetGalleryAsync(org)).IdentityCount);
    }

    [Fact]
    public async Task An_image_without_a_usable_face_registers_nobody()
    {
        await using var h = new ScarletHarness(_dir.Path);
        var org = await h.OrgAsync("org-a");
        using var blank = new OpenCvSharp.Mat(240, 320, OpenCvSharp.MatType.CV_8UC3, OpenCvSharp.Scalar.All(127));
        await Assert.ThrowsAsync<NoUsableFaceException>(() => h.Faces.RegisterAsync(org, new FaceRegistration { Name = "Nobody", Consent = ScarletHarness.Consent }, [blank]));
        await Assert.ThrowsAsync<Scarlet.Vision.InvalidImageException>(() => h.Faces.RegisterAsync(org, new FaceRegistration { Name = "Nobody", Consent = ScarletHarness.Consent }, [new ReadOnlyMemory<byte>("not an image"u8.ToArray())]));
        Assert.Equal(0, (await h.Customers.ListAsync(org)).Total);
    }

    [Fact]
    public async Task Erasure_removes_the_face_from_the_gallery_and_the_snapshot()
    {
        await using var h = new ScarletHarness(_dir.Path);
        var org = await h.OrgAsync("org-a");
        var tony = await h.EnrolAsync(org, "Tony", PersonX, 1);
        var hans = await h.EnrolAsync(org, "Hans", PersonY, 1);
        var snapshot = h.Faces.SnapshotPath(org)!;
        Assert.Equal(2, LoadSnapshot(snapshot).IdentityCount);
        Assert.Equal(RecognitionStatus.Matched, (await h.IdentifyAsync(org, PersonX, 1)).Status);

        await h.Get<PrivacyService>().EraseAsync(org, tony.Id, "admin");

        var after = await h.IdentifyAsync(org, PersonX, 1);
        Assert.Equal(RecognitionStatus.NewFace, after.Status);
        Assert.Null(after.CustomerId);
        using var saved = LoadSnapshot(snapshot);
        Assert.Equal(1, saved.IdentityCount);
        Assert.False(saved.Contains(tony.VectorId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.True(saved.Contains(hans.VectorId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(RecognitionStatus.Matched, (await h.IdentifyAsync(org, PersonY, 1)).Status);
    }

    [Fact]
    public async Task Erasure_in_a_later_run_rewrites_the_snapshot_of_the_earlier_one()
    {
        string tonyId;
        string snapshot;
        await using (var h = new ScarletHarness(_dir.Path))
        {
            var org = await h.OrgAsync("org-a");
            tonyId = (await h.EnrolAsync(org, "Tony", PersonX, 1)).Id;
            await h.EnrolAsync(org, "Hans", PersonY, 1);
            snapshot = h.Faces.SnapshotPath(org)!;
        }

        Assert.Equal(2, LoadSnapshot(snapshot).IdentityCount);
        await using (var h = new ScarletHarness(_dir.Path))
        {
            _ = h.Faces; // the service exists (as the hosted service makes it) but org-a's gallery was never used
            await h.Get<PrivacyService>().EraseAsync("org-a", tonyId, "admin");
            var count = 2;
            for (var i = 0; i < 400 && count != 1; i++)
            {
                await Task.Delay(25);
                count = LoadSnapshot(snapshot).IdentityCount;
            }

            Assert.Equal(1, count);
            Assert.Equal(RecognitionStatus.NewFace, (await h.IdentifyAsync("org-a", PersonX, 1)).Status);
        }
    }

    [Fact]
    public async Task A_face_enrolled_in_one_organisation_never_matches_in_another()
    {
        await using var h = new ScarletHarness(_dir.Path);
        var a = await h.OrgAsync("org-a");
        var b = await h.OrgAsync("org-b");
        var inA = await h.EnrolAsync(a, "Tony", PersonX, 1);

        Assert.Equal(RecognitionStatus.Matched, (await h.IdentifyAsync(a, PersonX, 2)).Status);
        Assert.Equal(RecognitionStatus.NewFace, (await h.IdentifyAsync(b, PersonX, 2)).Status);

        // The same person may be a customer of both: no duplicate across organisations, two separate identities.
        var inB = await h.EnrolAsync(b, "Tony", PersonX, 1);
        Assert.NotEqual(inA.Id, inB.Id);
        Assert.Equal(inB.Id, (await h.IdentifyAsync(b, PersonX, 2)).CustomerId);
        Assert.Equal(inA.Id, (await h.IdentifyAsync(a, PersonX, 2)).CustomerId);
        Assert.NotEqual(h.Faces.SnapshotPath(a), h.Faces.SnapshotPath(b));
    }

    [Fact]
    public async Task Galleries_rebuilt_from_the_store_answer_as_before()
    {
        string tonyId, hansId;
        await using (var h = new ScarletHarness(_dir.Path))
        {
            var org = await h.OrgAsync("org-a");
            tonyId = (await h.EnrolAsync(org, "Tony", PersonX, 1)).Id;
            hansId = (await h.EnrolAsync(org, "Hans", PersonY, 1)).Id;
        }

        // A new process on the same database, without snapshots: the galleries come from the stored embeddings.
        await using (var h = new ScarletHarness(_dir.Path, snapshots: false))
        {
            await h.Faces.StartAsync();
            var gallery = await h.Faces.GetGalleryAsync("org-a");
            Assert.Equal(2, gallery.IdentityCount);
            Assert.Equal(tonyId, (await h.IdentifyAsync("org-a", PersonX, 2)).CustomerId);
            Assert.Equal(hansId, (await h.IdentifyAsync("org-a", PersonY, 2)).CustomerId);
            Assert.Equal(2, await h.Faces.RebuildAsync("org-a"));
            Assert.Equal(tonyId, (await h.IdentifyAsync("org-a", PersonX, 2)).CustomerId);
        }
    }

    [Fact]
    public async Task A_visitor_cluster_assigned_to_a_customer_joins_the_gallery()
    {
        await using var h = new ScarletHarness(_dir.Path);
        var org = await h.OrgAsync("org-a");
        var customer = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Hans (no face yet)" });

        var stranger = await h.IdentifyAsync(org, PersonY, 1);
        Assert.Equal(RecognitionStatus.NewFace, stranger.Status);
        VisitorCluster? cluster = null;
        for (var i = 0; i < 200 && cluster is null; i++)
        {
            cluster = (await h.Customers.ListVisitorsAsync(org)).FirstOrDefault();
            await Task.Delay(25);
        }

        Assert.NotNull(cluster);
        await h.Customers.AssignVisitorAsync(org, cluster.Id, customer.Id, "admin");

        var again = await h.IdentifyAsync(org, PersonY, 2);
        Assert.Equal(RecognitionStatus.Matched, again.Status);
        Assert.Equal(customer.Id, again.CustomerId);
    }

    [Fact]
    public void AddScarlet_validates_every_layer_at_start()
    {
        var services = new ServiceCollection();
        services.AddScarlet(r => r.DatabasePath = string.Empty);
        services.AddScarletRecognition(r => r.Gallery.MatchThreshold = 7f);
        using var sp = services.BuildServiceProvider();
        var ex = Assert.ThrowsAny<Exception>(() => sp.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("DatabasePath", ex.ToString(), StringComparison.Ordinal);
        Assert.Contains("MatchThreshold", ex.ToString(), StringComparison.Ordinal);

        // Without a database path the whole SDK registers, and the host refuses to start (no exception at registration).
        using var bare = new ServiceCollection().AddScarlet().Services.BuildServiceProvider();
        Assert.Contains("DatabasePath", Assert.ThrowsAny<Exception>(() => bare.GetRequiredService<IStartupValidator>().Validate()).ToString(), StringComparison.Ordinal);
    }

    private static FaceGallery LoadSnapshot(string path)
    {
        // The writer replaces the file atomically; open with sharing so a concurrent replace is never blocked.
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return FaceGallerySnapshot.Read(file);
    }
}
