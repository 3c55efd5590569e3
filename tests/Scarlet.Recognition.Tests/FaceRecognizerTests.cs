using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using Scarlet.Testing;
using Scarlet.Vision;
using Scarlet.Vision.Models;
using Xunit.Abstractions;

namespace Scarlet.Recognition.Tests;

public sealed class FaceRecognizerTests(RecognitionFixture models, ITestOutputHelper output) : IClassFixture<RecognitionFixture>
{
    [Fact]
    public void Group_photo_faces_are_identified_after_enrolment_from_single_portraits()
    {
        using var gallery = new FaceGallery(models.Embedder.Dimension, models.Embedder.ModelId);
        var recognizer = new FaceRecognizer(models.Detector, models.Embedder, gallery);
        using var obama = Cv2.ImRead(RecognitionFixture.Face("face_recognition/obama/obama.jpg"));
        using var biden = Cv2.ImRead(RecognitionFixture.Face("face_recognition/biden/biden2.jpg"));
        Assert.Equal(1, recognizer.Enroll("obama", [obama]).Added);
        Assert.Equal(1, recognizer.Enroll("biden", [biden]).Added);

        using var group = Cv2.ImRead(RecognitionFixture.Face("face_recognition/_group/obama_and_biden.jpg"));
        var faces = recognizer.Recognize(group);
        foreach (var f in faces)
        {
            output.WriteLine($"{f.Box} score {f.Score:F2} quality {f.Quality.Reason} -> {f.Identity}");
        }

        Assert.True(faces.Count >= 2);
        Assert.Contains(faces, f => f.Identity!.Status == MatchStatus.Matched && f.Identity.IdentityId == "obama");
        Assert.Contains(faces, f => f.Identity!.Status == MatchStatus.Matched && f.Identity.IdentityId == "biden");
        foreach (var f in faces)
        {
            Assert.Equal(f.Embedding is null, !f.Quality.IsAcceptable);
            Assert.Equal(f.Quality.IsAcceptable, f.Identity!.Status != MatchStatus.Unknown);
        }

        // Frames work the same way.
        using var frame = new Frame(group.Clone(), "cam-1", DateTimeOffset.UnixEpoch, 0);
        Assert.Equal(faces.Count, recognizer.Recognize(frame).Count);
    }

    [Fact]
    public void Painted_faces_behind_a_person_are_not_reported()
    {
        // biden2.jpg: Biden (detector score 0.94) in front of a painted landscape that YuNet scores 0.71 and 0.62.
        using var gallery = new FaceGallery(models.Embedder.Dimension, models.Embedder.ModelId);
        var recognizer = new FaceRecognizer(models.Detector, models.Embedder, gallery);
        using var biden = Cv2.ImRead(RecognitionFixture.Face("face_recognition/biden/biden.jpg"));
        using var painted = Cv2.ImRead(RecognitionFixture.Face("face_recognition/biden/biden2.jpg"));
        Assert.Equal(1, recognizer.Enroll("biden", [biden]).Added);
        var detections = models.Detector.Detect(painted);
        Assert.Equal(3, detections.Count);

        var faces = recognizer.Recognize(painted);
        var face = Assert.Single(faces);
        output.WriteLine($"{face.Box} score {face.Score:F2} -> {face.Identity}");
        Assert.Equal(MatchStatus.Matched, face.Identity!.Status);
        Assert.Equal("biden", face.Identity.IdentityId);
        Assert.Equal(recognizer.LargestFace(painted).Box, face.Box);

        // Handed one directly (as a tracker does), a painted face is judged, reported unknown and never embedded.
        var paint = detections.First(d => !recognizer.QualityGate.IsFace(d));
        var judged = recognizer.Analyze(painted, paint);
        Assert.Equal(FaceQualityIssue.LowDetectionScore, judged.Quality.Issue);
        Assert.Null(judged.Embedding);
        Assert.Equal(MatchStatus.Unknown, judged.Identity!.Status);
    }

    [Fact]
    public void Images_without_a_usable_face_are_refused_for_enrolment()
    {
        using var gallery = new FaceGallery(models.Embedder.Dimension, models.Embedder.ModelId);
        var recognizer = new FaceRecognizer(models.Detector, models.Embedder, gallery);
        using var blank = new Mat(240, 320, MatType.CV_8UC3, Scalar.All(127));
        var ex = Assert.Throws<NoUsableFaceException>(() => recognizer.Enroll("x", [blank]));
        Assert.Contains("No face", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, gallery.IdentityCount);

        var strict = new FaceRecognizer(models.Detector, models.Embedder, gallery, new FaceQualityGate(new FaceQualityOptions { MinFaceSize = 4000 }));
        using var obama = Cv2.ImRead(RecognitionFixture.Face("face_recognition/obama/obama.jpg"));
        var small = Assert.Throws<NoUsableFaceException>(() => strict.Enroll("obama", [obama]));
        Assert.Equal(FaceQualityIssue.TooSmall, small.Quality!.Value.Issue);
    }

    [Fact]
    public void Embedder_and_gallery_must_agree()
    {
        using var gallery = new FaceGallery(64, "other");
        Assert.Throws<ArgumentException>(() => new FaceRecognizer(models.Detector, models.Embedder, gallery));
    }

    [Fact]
    public void Services_resolve_with_validated_options()
    {
        var services = new ServiceCollection();
        services.AddSingleton(new ModelLocator(new ModelLocatorOptions { ModelsDirectory = TestAssets.ModelsDir, AllowDownload = false }));
        services.AddScarletRecognition(o => o.Gallery.MatchThreshold = 0.4f);
        using var sp = services.BuildServiceProvider();
        var recognizer = sp.GetRequiredService<FaceRecognizer>();
        Assert.Equal(0.4f, recognizer.Gallery.Options.MatchThreshold);
        Assert.Equal("mobilefacenet", sp.GetRequiredService<IFaceEmbedder>().ModelId);
        Assert.IsType<YuNetFaceDetector>(sp.GetRequiredService<IFaceDetector>());
        using var obama = Cv2.ImRead(RecognitionFixture.Face("face_recognition/obama/obama.jpg"));
        Assert.Single(recognizer.Recognize(obama));

        var bad = new ServiceCollection();
        bad.AddScarletRecognition(o =>
        {
            o.Gallery.MatchThreshold = 3f;
            o.Quality.MaxYawDegrees = -1f;
            o.Quality.MinDetectionScore = 1.5f;
            o.EmbeddingModel = "";
        });
        using var badSp = bad.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => badSp.GetRequiredService<IOptions<RecognitionOptions>>().Value);
        output.WriteLine(ex.Message);
        Assert.Contains("Recognition.Gallery", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MatchThreshold", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxYawDegrees", ex.Message, StringComparison.Ordinal);

        // Each threshold in range, but a duplicate threshold under the match threshold is refused at start too.
        var crossed = new ServiceCollection();
        crossed.AddScarletRecognition(o =>
        {
            o.Gallery.MatchThreshold = 0.6f;
            o.Gallery.DuplicateThreshold = 0.5f;
        });
        using var crossedSp = crossed.BuildServiceProvider();
        var crossedEx = Assert.Throws<OptionsValidationException>(() => crossedSp.GetRequiredService<IOptions<RecognitionOptions>>().Value);
        Assert.Contains("DuplicateThreshold (0.5) must be at least MatchThreshold (0.6)", crossedEx.Message, StringComparison.Ordinal);
        Assert.Contains("MinDetectionScore", ex.Message, StringComparison.Ordinal);
        Assert.Contains("EmbeddingModel", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Recognition_options_defaults()
    {
        var o = new RecognitionOptions();
        Assert.Equal("mobilefacenet", o.EmbeddingModel);
        Assert.True(o.FlipAugmentation);
        Assert.Null(o.GallerySnapshotPath);
        Assert.NotNull(o.Gallery);
        Assert.NotNull(o.Quality);
    }
}
