using System.Reactive.Linq;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Tests.Support;

namespace Scarlet.Retail.Tests.Integration;

/// <summary>
/// <see cref="FaceIdentityService.RecognizeAsync"/> (a look-up that publishes nothing) and
/// <see cref="FaceIdentityService.EnrolledEmbeddingCountAsync"/>, on real LFW faces and real models.
/// </summary>
public sealed class FaceLookupTests : IDisposable
{
    private const string Person = "Tony_Blair";

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_lookup_finds_the_customer_but_publishes_and_records_nothing()
    {
        await using var h = new ScarletHarness(_dir.Path, snapshots: false);
        var org = await h.OrgAsync("org-a");
        var customer = await h.EnrolAsync(org, "Tony", Person, 1);

        var published = new List<ScarletEvent>();
        using (h.Stream.Subscribe(published.Add))
        {
            using var image = ScarletHarness.Lfw(Person, 2);
            var sightings = await h.Faces.RecognizeAsync(org, image);
            var seen = sightings.MaxBy(s => s.Box.Width * s.Box.Height)!;

            Assert.Equal(RecognitionStatus.Matched, seen.Status);
            Assert.Equal(customer.Id, seen.CustomerId);
            Assert.Null(seen.EventId);
            Assert.InRange(seen.Similarity!.Value, h.Faces.MatchThreshold, 1f);
            Assert.InRange(seen.DetectorScore, 0.3f, 1f);
            Assert.False(seen.Embedding.IsEmpty);
        }

        Assert.DoesNotContain(published, e => e is RecognitionEvent);
        var detections = await h.Get<IEventStore>().QueryDetectionsAsync(new DetectionQuery { OrganizationId = org });
        Assert.Empty(detections.Items);

        // The publishing variant of the same photo does go out, with an event id.
        var sighting = await h.IdentifyAsync(org, Person, 2);
        Assert.NotNull(sighting.EventId);
        Assert.False(sighting.Embedding.IsEmpty);
    }

    [Fact]
    public async Task The_enrolled_embedding_count_follows_registration_and_erasure()
    {
        await using var h = new ScarletHarness(_dir.Path, snapshots: false);
        var org = await h.OrgAsync("org-a");
        var customer = await h.EnrolAsync(org, "Tony", Person, 1);
        Assert.Equal(1, await h.Faces.EnrolledEmbeddingCountAsync(org, customer));

        var other = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "No face", Consent = ScarletHarness.Consent });
        Assert.Equal(0, await h.Faces.EnrolledEmbeddingCountAsync(org, other));

        await h.Get<PrivacyService>().EraseAsync(org, customer.Id, "admin");
        Assert.Equal(0, await h.Faces.EnrolledEmbeddingCountAsync(org, customer));
    }
}
