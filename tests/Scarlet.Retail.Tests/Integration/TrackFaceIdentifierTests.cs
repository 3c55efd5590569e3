using Scarlet.Retail.Events;
using Scarlet.Retail.Tests.Support;
using Scarlet.Tracking.Identity;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;

namespace Scarlet.Retail.Tests.Integration;

/// <summary>Tracked persons get customers from their faces (real LFW photo, real models), with throttled recognition events.</summary>
public sealed class TrackFaceIdentifierTests : IDisposable
{
    private const string Person = "Tony_Blair";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static TrackingUpdate Update(long sequence, DateTimeOffset at, params TrackedPerson[] persons) =>
        new("cam-1", sequence, at, 250, 250, true, persons);

    private static TrackedPerson Track(int trackId, int globalId, BoundingBox box) =>
        new(trackId, globalId, box, 0.9f, null, TrackIdentityStatus.Undecided, null);

    [Fact]
    public async Task A_tracked_person_is_identified_and_announced_on_change_or_every_interval_only()
    {
        await using var h = new ScarletHarness(_dir.Path, snapshots: false);
        var org = await h.OrgAsync("org-a");
        var customer = await h.EnrolAsync(org, "Tony", Person, 1);
        var ids = new TrackFaceIdentifier(h.Faces, h.Stream, new CameraPlacement(org, "store-1", "aisle-1"), recognizeEvery: 2, repeatInterval: TimeSpan.FromSeconds(10));
        using var image = ScarletHarness.Lfw(Person, 2);
        var whole = Track(4, 17, new BoundingBox(0, 0, 250, 250));
        var corner = Track(5, 18, new BoundingBox(0, 0, 20, 20)); // holds no face centre
        var t0 = ScarletHarness.Start;

        Assert.True(ids.IsDue(Update(0, t0, whole)));
        Assert.False(ids.IsDue(Update(0, t0))); // no persons: nothing to look up
        var first = await ids.ProcessAsync(image, Update(0, t0, whole, corner));
        Assert.False(ids.IsDue(Update(1, t0, whole)));
        var evt = Assert.Single(first.Published);
        Assert.Equal((RecognitionStatus.Matched, customer.Id, "person-17", "aisle-1", "cam-1", org), (evt.Status, evt.CustomerId, evt.PersonId, evt.StoreZone, evt.CameraId, evt.OrganizationId));
        Assert.False(evt.Embedding.IsEmpty);
        Assert.NotEmpty(first.Faces);
        Assert.Equal(customer.Id, ids.IdentityOf(4)!.Customer.Id);
        Assert.InRange(ids.IdentityOf(4)!.Similarity, h.Faces.MatchThreshold, 1f);
        Assert.Null(ids.IdentityOf(5));

        // Frame 2 is not a look-up frame; frame 3 is, but the customer is unchanged and 10 s have not passed.
        Assert.Empty((await ids.ProcessAsync(image, Update(1, t0.AddSeconds(1), whole))).Faces);
        var third = await ids.ProcessAsync(image, Update(2, t0.AddSeconds(2), whole));
        Assert.NotEmpty(third.Faces);
        Assert.Empty(third.Published);

        _ = await ids.ProcessAsync(image, Update(3, t0.AddSeconds(11), whole));
        Assert.Single((await ids.ProcessAsync(image, Update(4, t0.AddSeconds(11), whole))).Published);

        Assert.Equal(customer.Id, ids.Forget(4)!.Customer.Id);
        Assert.Null(ids.IdentityOf(4));
        Assert.Null(ids.Forget(4));
    }

    [Fact]
    public async Task Frames_without_persons_look_nothing_up_and_bad_arguments_are_refused()
    {
        await using var h = new ScarletHarness(_dir.Path, snapshots: false);
        var org = await h.OrgAsync("org-a");
        var ids = new TrackFaceIdentifier(h.Faces, h.Stream, new CameraPlacement(org, "store-1", "aisle-1"), recognizeEvery: 1);
        using var image = ScarletHarness.Lfw(Person, 2);
        var empty = await ids.ProcessAsync(image, Update(0, ScarletHarness.Start));
        Assert.Empty(empty.Faces);
        Assert.Empty(empty.Published);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrackFaceIdentifier(h.Faces, h.Stream, new CameraPlacement(org, "s", "z"), recognizeEvery: 0));
        await Assert.ThrowsAsync<ArgumentNullException>(() => ids.ProcessAsync(null!, Update(0, ScarletHarness.Start)));
    }
}
