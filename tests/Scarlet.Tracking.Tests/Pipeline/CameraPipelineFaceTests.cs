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

    [Fact]
    public void A_known_track_is_searched_again_every_KnownFaceInterval_face_frames_and_an_undecided_one_every_frame()
    {
        var lfw = Path.Combine(TestAssets.Lfw, "images", "Padraig_Harrington");
        using var detector = new YoloxPersonDetector(TestAssets.YoloxNano, new PersonDetectorOptions { ScoreThreshold = 0.1f });
        using var faceDetector = new YuNetFaceDetector(TestAssets.YuNet);
        using var embedder = new OnnxFaceEmbedder(TestAssets.MobileFaceNet);
        using var gallery = new FaceGallery(embedder.Dimension, embedder.ModelId);
        var recognizer = new FaceRecognizer(faceDetector, embedder, gallery, landmarkRefiner: new MirrorLandmarkRefiner(faceDetector));
        using (var a = Cv2.ImRead(Path.Combine(lfw, "Padraig_Harrington_0001.jpg")))
        {
            recognizer.Enroll("padraig", [a]);
        }

        using var image = Cv2.ImRead(Path.Combine(lfw, "Padraig_Harrington_0002.jpg"));

        // The head-region searches (runs of the face models' detector) per frame, and the frame the track became known.
        (List<int> Searches, int? KnownAt) Play(float matchSimilarity)
        {
            var counting = new CountingFaceDetector(faceDetector);
            var models = new CameraPipelineModels(detector, null, new FaceModels(counting, recognizer));
            var options = new CameraPipelineOptions
            {
                CameraId = "door",
                FaceInterval = 1,
                KnownFaceInterval = 4,
                Voting = new IdentityVotingOptions { MinFaces = 1, MatchSimilarity = matchSimilarity, UnknownSimilarity = -1f },
            };
            using var pipeline = new CameraPipeline(options, models, new CrossCameraResolver(), new IdentityTracker());
            var searches = new List<int>();
            int? knownAt = null;
            for (var f = 1; f <= 14; f++)
            {
                using var frame = new Frame(image.Clone(), "door", DateTimeOffset.UnixEpoch.AddSeconds(f * 0.1), f);
                var before = counting.Calls;
                var update = pipeline.Process(frame);
                if (counting.Calls > before)
                {
                    searches.Add(f);
                }

                if (knownAt is null && update.Persons.Count == 1 && update.Persons[0].IdentityStatus == TrackIdentityStatus.Known)
                {
                    knownAt = f;
                }
            }

            return (searches, knownAt);
        }

        // Known on its first face: then searched again every fourth frame (a better face can re-decide it), not every frame.
        var (known, knownAt) = Play(0.3f);
        Assert.NotNull(knownAt);
        var after = known.Where(f => f > knownAt).ToList();
        Assert.True(after.Count >= 2, string.Join(",", known));
        Assert.All(after.Zip(after.Skip(1)), p => Assert.Equal(4, p.Second - p.First));
        Assert.Equal(4, after[0] - known.Last(f => f <= knownAt!.Value));

        // Never known (no face reaches an impossible similarity): searched on every frame from the first search on.
        var (undecided, never) = Play(1f);
        Assert.Null(never);
        Assert.Equal(Enumerable.Range(undecided[0], 15 - undecided[0]), undecided);
    }

    [Fact]
    public void A_face_without_a_person_box_anchors_a_track_that_the_vote_names()
    {
        // A real face photo cut to the face (the person detector sees no person in it) moving over a plain 640x480 frame,
        // as a till or entrance camera that sees heads without bodies does.
        var lfw = Path.Combine(TestAssets.Lfw, "images", "Padraig_Harrington");
        using var detector = new YoloxPersonDetector(TestAssets.YoloxNano, new PersonDetectorOptions { ScoreThreshold = 0.1f });
        using var faceDetector = new YuNetFaceDetector(TestAssets.YuNet);
        using var embedder = new OnnxFaceEmbedder(TestAssets.MobileFaceNet);
        using var gallery = new FaceGallery(embedder.Dimension, embedder.ModelId);
        var recognizer = new FaceRecognizer(faceDetector, embedder, gallery, landmarkRefiner: new MirrorLandmarkRefiner(faceDetector));
        using (var a = Cv2.ImRead(Path.Combine(lfw, "Padraig_Harrington_0001.jpg")))
        using (var b = Cv2.ImRead(Path.Combine(lfw, "Padraig_Harrington_0003.jpg")))
        using (var c = Cv2.ImRead(Path.Combine(lfw, "Padraig_Harrington_0004.jpg")))
        {
            Assert.Equal(3, recognizer.Enroll("padraig", [a, b, c]).Added);
        }

        using var photo = Cv2.ImRead(Path.Combine(lfw, "Padraig_Harrington_0002.jpg"));
        // At this size (a face of about 44 px) YOLOX-Nano gives the face at most a weak person score (measured 0.16).
        using var faceOnly = new Mat(photo, new Rect(75, 70, 100, 115));
        using var face = faceOnly.Resize(new Size(60, 69));

        (int Persons, string? Customer) Play(bool anchors)
        {
            var models = new CameraPipelineModels(detector, null, new FaceModels(faceDetector, recognizer));
            var options = new CameraPipelineOptions
            {
                CameraId = "kiosk",
                FaceInterval = 1,
                FaceSearch = FaceSearchMode.Both,
                FaceAnchoredTracks = anchors,
                Voting = new IdentityVotingOptions { MinFaces = 1 },
            };
            using var pipeline = new CameraPipeline(options, models, new CrossCameraResolver(), new IdentityTracker());
            TrackingUpdate? last = null;
            var persons = 0;
            for (var f = 0; f < 6; f++)
            {
                using var image = new Mat(480, 640, MatType.CV_8UC3, new Scalar(120, 125, 130));
                using (var target = new Mat(image, new Rect(150 + (f * 8), 100, face.Width, face.Height)))
                {
                    face.CopyTo(target);
                }

                persons += detector.Detect(image).Count(d => d.Score >= options.Tracker.HighScoreThreshold);
                using var frame = new Frame(image.Clone(), "kiosk", DateTimeOffset.UnixEpoch.AddSeconds(f * 0.1), f);
                last = pipeline.Process(frame);
            }

            return (persons, last!.Persons.Select(p => p.CustomerId).SingleOrDefault());
        }

        // Without anchors the face has no track to vote on; with them it is followed and named.
        var (persons, without) = Play(anchors: false);
        Assert.Equal(0, persons);
        Assert.Null(without);
        Assert.Equal("padraig", Play(anchors: true).Customer);
    }

    private sealed class CountingFaceDetector(IFaceDetector inner) : IFaceDetector
    {
        public int Calls { get; private set; }

        public IReadOnlyList<FaceDetection> Detect(Mat image)
        {
            Calls++;
            return inner.Detect(image);
        }
    }
}
