using OpenCvSharp;
using Scarlet.Recognition;
using Scarlet.Testing;
using Scarlet.Tracking.CrossCamera;
using Scarlet.Tracking.Identity;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;

namespace Scarlet.Tracking.Tests.Pipeline;

[Collection("NativeObjects")]
public sealed class CameraPipelineFaceTests
{
    [Fact]
    public void EnrolledCustomer_IsResolvedOnTheTrack_AndAnnouncedOnce()
    {
        var lfw = Path.Combine(TestAssets.Lfw, "images", "Padraig_Harrington");
        using var detector = new YoloxPersonDetector(TestAssets.YoloxNano, new PersonDetectorOptions { ScoreThreshold = 0.1f });
        using var faceDetector = new YuNetFaceDetector(TestAssets.YuNet);
        using var embedder = new OnnxFaceEmbedder(TestAssets.MobileFaceNet);
        using var gallery = new FaceGallery(embedder.Dimension, embedder.ModelId);
        var recognizer = new FaceRecognizer(faceDetector, embedder, gallery, landmarkRefiner: new MirrorLandmarkRefiner(faceDetector));

        // Enrolled from three photos, as docs/recognition.md advises (several templates raise genuine matches at the
        // calibrated threshold); the camera sees a fourth.
        using (var a = Cv2.ImRead(Path.Combine(lfw, "Padraig_Harrington_0001.jpg")))
        using (var b = Cv2.ImRead(Path.Combine(lfw, "Padraig_Harrington_0003.jpg")))
        using (var c = Cv2.ImRead(Path.Combine(lfw, "Padraig_Harrington_0004.jpg")))
        {
            Assert.Equal(3, recognizer.Enroll("padraig", [a, b, c]).Added);
        }

        var models = new CameraPipelineModels(detector, null, new FaceModels(faceDetector, recognizer));
        var options = new CameraPipelineOptions { CameraId = "door", FaceInterval = 1, Voting = new IdentityVotingOptions { MinFaces = 1 } };
        var identities = new IdentityTracker();
        var events = new List<TrackingEvent>();
        using var pipeline = new CameraPipeline(options, models, new CrossCameraResolver(), identities);
        using var sub = pipeline.Events.Subscribe(events.Add);
        using var image = Cv2.ImRead(Path.Combine(lfw, "Padraig_Harrington_0002.jpg"));
        TrackingUpdate? last = null;
        for (var f = 1; f <= 4; f++)
        {
            using var frame = new Frame(image.Clone(), "door", DateTimeOffset.UnixEpoch.AddSeconds(f * 0.1), f);
            last = pipeline.Process(frame);
        }

        var person = Assert.Single(last!.Persons);
        Assert.Equal("padraig", person.CustomerId);
        Assert.Equal(TrackIdentityStatus.Known, person.IdentityStatus);
        var resolved = Assert.Single(events, e => e.Kind == TrackingEventKind.IdentityResolved);
        Assert.Equal("padraig", resolved.CustomerId);
        Assert.True(identities.TryGet(person.GlobalId, out var record));
        Assert.Equal("padraig", record!.CustomerId);
    }
}
