using OpenCvSharp;
using Scarlet.Recognition;
using Scarlet.Testing;
using Scarlet.Tracking.CrossCamera;
using Scarlet.Tracking.Identity;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Scarlet.Tracking.Tests.Pipeline;

/// <summary>
/// Face attributes in the camera pipeline: estimated once per track (at most once more on a clearly better face), on
/// real models, and carried by the track's exit event.
/// </summary>
[Collection("NativeObjects")]
public sealed class CameraPipelineAttributeTests
{
    [HumanModelsFact]
    public void A_track_gets_its_attributes_once_or_twice_never_per_face_and_they_come_with_its_exit()
    {
        using var detector = new YoloxPersonDetector(TestAssets.YoloxNano, new PersonDetectorOptions { ScoreThreshold = 0.1f });
        using var faceDetector = new YuNetFaceDetector(TestAssets.YuNet);
        using var embedder = new OnnxFaceEmbedder(TestAssets.MobileFaceNet);
        using var gallery = new FaceGallery(embedder.Dimension, embedder.ModelId);
        using var estimator = new OnnxFaceAttributeEstimator(new ModelLocator(new ModelLocatorOptions { CacheDirectory = HumanModels.CacheDir, AllowDownload = false }), new FaceAttributeOptions { Emotion = false });
        var counting = new CountingEstimator(estimator);
        var faces = new FaceModels(faceDetector, new FaceRecognizer(faceDetector, embedder, gallery)).WithAttributes(counting);
        var models = new CameraPipelineModels(detector, null, faces);

        // A woman (tests/data/face-gender-labelled.csv) seen in 6 frames, then gone.
        using var image = Cv2.ImRead(Path.Combine(TestAssets.Lfw, "images", "Amelia_Vega", "Amelia_Vega_0001.jpg"));

        // The default improvement: one run for six frames of the same face.
        var exited = Run(models, image, attributeImprovement: 1.5);
        Assert.Equal(1, counting.Calls);
        Assert.NotNull(exited.Attributes);
        Assert.Equal(Gender.Female, exited.Attributes!.Gender);

        // Any face counts as better at 1.0: still at most two runs.
        counting.Calls = 0;
        Assert.NotNull(Run(models, image, attributeImprovement: 1.0).Attributes);
        Assert.Equal(2, counting.Calls);

        // Off by default, and refused without an estimator.
        counting.Calls = 0;
        Assert.Null(Run(models, image, attributeImprovement: 1.5, enable: false).Attributes);
        Assert.Equal(0, counting.Calls);
        Assert.Throws<ArgumentException>(() => new CameraPipeline(new CameraPipelineOptions { CameraId = "x", EnableAttributes = true }, new CameraPipelineModels(detector, null, new FaceModels(faceDetector, faces.Recognizer)), new CrossCameraResolver(), new IdentityTracker()));
    }

    private static TrackingEvent Run(CameraPipelineModels models, Mat image, double attributeImprovement, bool enable = true)
    {
        var options = new CameraPipelineOptions
        {
            CameraId = "door",
            FaceInterval = 1,
            EnableAttributes = enable,
            AttributeImprovement = attributeImprovement,
            Tracker = new TrackerOptions { LostTrackBuffer = 1 },
        };
        var events = new List<TrackingEvent>();
        using var pipeline = new CameraPipeline(options, models, new CrossCameraResolver(), new IdentityTracker());
        using var sub = pipeline.Events.Subscribe(events.Add);
        using var blank = new Mat(image.Size(), MatType.CV_8UC3, Scalar.Black);
        for (var f = 1; f <= 16 && !events.Any(e => e.Kind == TrackingEventKind.PersonExited); f++)
        {
            using var frame = new Frame((f <= 6 ? image : blank).Clone(), "door", DateTimeOffset.UnixEpoch.AddSeconds(f * 0.1), f);
            pipeline.Process(frame);
        }

        return Assert.Single(events, e => e.Kind == TrackingEventKind.PersonExited);
    }

    /// <summary>Counts the runs of the real estimator it wraps.</summary>
    private sealed class CountingEstimator(IFaceAttributeEstimator inner) : IFaceAttributeEstimator
    {
        public int Calls { get; set; }

        public string ModelId => inner.ModelId;

        public IReadOnlyList<FaceAttributes> Estimate(Mat image, IReadOnlyList<FaceLandmarks5> faces)
        {
            Calls++;
            return inner.Estimate(image, faces);
        }
    }
}
