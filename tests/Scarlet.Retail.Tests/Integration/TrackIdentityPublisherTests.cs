using OpenCvSharp;
using Scarlet.Retail.Events;
using Scarlet.Retail.Tests.Support;
using Scarlet.Tracking;
using Scarlet.Tracking.CrossCamera;
using Scarlet.Tracking.Identity;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;

namespace Scarlet.Retail.Tests.Integration;

/// <summary>
/// The one face path: a camera pipeline finds the faces of its tracks, decides each track by its vote over the
/// organisation's gallery (<see cref="FaceIdentityService.FaceModelsForAsync"/>), and <see cref="TrackIdentityPublisher"/>
/// names the customer and publishes throttled recognition events (real LFW photos, real models).
/// </summary>
public sealed class TrackIdentityPublisherTests : IDisposable
{
    private const string Person = "Tony_Blair";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static async Task<CameraPipeline> PipelineAsync(ScarletHarness h, string org) =>
        new(
            new CameraPipelineOptions { CameraId = "cam-1", FaceInterval = 1, Voting = new IdentityVotingOptions { MinFaces = 2 } },
            new CameraPipelineModels(h.Get<IPersonDetector>(), null, await h.Faces.FaceModelsForAsync(org)),
            new CrossCameraResolver(),
            new IdentityTracker());

    private static TrackingUpdate Step(CameraPipeline pipeline, Mat image, int f) =>
        pipeline.Process(new Frame(image.Clone(), "cam-1", ScarletHarness.Start.AddSeconds(f), f));

    [Fact]
    public async Task An_enrolled_customer_is_decided_by_the_track_vote_and_announced_on_change_or_every_interval_only()
    {
        await using var h = new ScarletHarness(_dir.Path, snapshots: false);
        var org = await h.OrgAsync("org-a");
        var customer = await h.EnrolAsync(org, "Tony", Person, 1);
        using var pipeline = await PipelineAsync(h, org);
        var ids = new TrackIdentityPublisher(h.Faces, h.Stream, new CameraPlacement(org, "store-1", "aisle-1"), TimeSpan.FromSeconds(10));
        using var image = ScarletHarness.Lfw(Person, 2);

        // One face is not enough (MinFaces 2): nothing is decided, nothing published.
        var first = Step(pipeline, image, 0);
        Assert.Equal(TrackIdentityStatus.Undecided, Assert.Single(first.Persons).IdentityStatus);
        Assert.False(ids.HasNews(first));
        Assert.Empty(await ids.PublishAsync(first));

        // The same face again is no better, so it is not embedded again: a slightly larger view is (re-decided on a better face).
        using var closer = new Mat();
        Cv2.Resize(image, closer, new Size(350, 350));
        var second = Step(pipeline, closer, 1);
        var person = Assert.Single(second.Persons);
        Assert.True(person.IdentityStatus == TrackIdentityStatus.Known, $"{person.IdentityStatus} {person.IdentityScore} track {person.TrackId} vs {first.Persons[0].TrackId}");
        Assert.InRange(person.IdentityScore, h.Faces.MatchThreshold, 1f);
        Assert.True(ids.HasNews(second));
        var evt = Assert.Single(await ids.PublishAsync(second));
        Assert.Equal((RecognitionStatus.Matched, customer.Id, $"person-{person.GlobalId}", "aisle-1", "cam-1", org), (evt.Status, evt.CustomerId, evt.PersonId, evt.StoreZone, evt.CameraId, evt.OrganizationId));
        Assert.Equal(customer.Id, ids.IdentityOf(person.TrackId)!.Customer.Id);

        // Unchanged and within 10 s: nothing; after 10 s: once more.
        var third = Step(pipeline, closer, 2);
        Assert.False(ids.HasNews(third));
        Assert.Empty(await ids.PublishAsync(third));
        Assert.Single(await ids.PublishAsync(Step(pipeline, closer, 12)));

        Assert.Equal(customer.Id, ids.Forget(person.TrackId)!.Customer.Id);
        Assert.Null(ids.IdentityOf(person.TrackId));
    }

    [Fact]
    public async Task A_stranger_is_never_named_is_published_once_as_a_new_face_and_bad_arguments_are_refused()
    {
        await using var h = new ScarletHarness(_dir.Path, snapshots: false);
        var org = await h.OrgAsync("org-a");
        await h.EnrolAsync(org, "Tony", Person, 1);
        using var pipeline = await PipelineAsync(h, org);
        var ids = new TrackIdentityPublisher(h.Faces, h.Stream, new CameraPlacement(org, "store-1", "aisle-1"));
        using var stranger = ScarletHarness.Lfw("Hans_Blix", 1);
        var published = new List<RecognitionEvent>();
        for (var f = 0; f < 4; f++)
        {
            using var view = new Mat();
            Cv2.Resize(stranger, view, new Size(250 + (30 * f), 250 + (30 * f)));
            var update = Step(pipeline, view, f);
            Assert.All(update.Persons, p => Assert.Null(p.CustomerId));
            published.AddRange(await ids.PublishAsync(update));
        }

        // Decided a stranger after MinFaces (2) faces: one NEW_FACE with the best face's embedding, for visitor clustering.
        var newFace = Assert.Single(published);
        Assert.Equal(RecognitionStatus.NewFace, newFace.Status);
        Assert.Null(newFace.CustomerId);
        Assert.Equal(128, newFace.Embedding.Length);

        Assert.Throws<ArgumentOutOfRangeException>(() => new TrackIdentityPublisher(h.Faces, h.Stream, new CameraPlacement(org, "s", "z"), TimeSpan.FromSeconds(-1)));
        await Assert.ThrowsAsync<ArgumentNullException>(() => ids.PublishAsync(null!));
    }
}
