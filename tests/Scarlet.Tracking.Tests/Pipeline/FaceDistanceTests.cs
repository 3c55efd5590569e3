using Scarlet.Evaluation.Tracking;
using Scarlet.Testing;
using Scarlet.Vision;
using Xunit.Abstractions;

namespace Scarlet.Tracking.Tests.Pipeline;

[Collection("NativeObjects")]
public sealed class FaceDistanceTests(ITestOutputHelper output)
{
    [Fact]
    public void PersonCropSearch_finds_small_faces_that_the_whole_frame_misses()
    {
        using var faces = new YuNetFaceDetector(TestAssets.YuNet);
        using var persons = new YoloxPersonDetector(TestAssets.YoloxNano);
        var images = AnnotatedFaceImage.LoadDlibXml(TestAssets.Data("images/dlib_faces/training.xml"))
            .Concat(AnnotatedFaceImage.LoadDlibXml(TestAssets.Data("images/dlib_faces/testing.xml"))).ToList();
        using var background = FaceDistanceEvaluation.BackgroundFromVideo(TestAssets.VtestVideo, 100);
        var evaluation = new FaceDistanceEvaluation(faces, new HeadRegionFaceSearch(faces), persons);

        var results = evaluation.Run(background, images, new FaceDistanceEvaluationOptions { Sizes = [16, 24], Rounds = 1 });

        foreach (var r in results)
        {
            output.WriteLine($"{r.Size} px: whole frame R {r.WholeFrame.Recall:F3} P {r.WholeFrame.Precision:F3}, person crops R {r.PersonCrops.Recall:F3} P {r.PersonCrops.Precision:F3}");
        }

        // Measured 2026-12-06 (`scarlet bench faces`, 3 rounds; docs/benchmarks.md): whole frame 0.000 / 0.116, person
        // crops 0.992 / 0.992 recall at 16 / 24 px, precision >= 0.985. Floors well below (one round here, 43 faces).
        var at16 = Assert.Single(results, r => r.Size == 16);
        var at24 = Assert.Single(results, r => r.Size == 24);
        Assert.True(at16.PersonCrops.Recall >= 0.85, $"16 px recall {at16.PersonCrops.Recall:F3}");
        Assert.True(at24.PersonCrops.Recall >= 0.90, $"24 px recall {at24.PersonCrops.Recall:F3}");
        Assert.True(at24.PersonCrops.Recall - at24.WholeFrame.Recall >= 0.75, "the gain at 24 px");
        Assert.True(at16.PersonCrops.Precision >= 0.9 && at24.PersonCrops.Precision >= 0.9, "precision");
    }

    [Fact]
    public void HeadRegionSearch_maps_faces_back_to_the_frame_and_skips_persons_outside_it()
    {
        using var faces = new YuNetFaceDetector(TestAssets.YuNet);
        using var image = OpenCvSharp.Cv2.ImRead(TestAssets.Data("images/dlib_faces/2008_002506.jpg"));
        var truth = AnnotatedFaceImage.LoadDlibXml(TestAssets.Data("images/dlib_faces/testing.xml")).Single(i => i.Path.EndsWith("2008_002506.jpg", StringComparison.Ordinal)).Faces;
        var search = new HeadRegionFaceSearch(faces);
        // Person boxes derived from the faces (3 wide, 7 high); one box lies outside the image.
        BoundingBox[] boxes = [.. truth.Select(f => new BoundingBox(f.CenterX - (1.5f * f.Width), f.Y - (0.3f * f.Height), 3 * f.Width, 7 * f.Height)), new BoundingBox(5000, 5000, 50, 100)];

        var found = search.Search(image, boxes);

        Assert.Equal(truth.Count, found.Count);
        foreach (var f in found)
        {
            Assert.InRange(f.PersonIndex, 0, truth.Count - 1);
            Assert.True(truth.Max(t => BoundingBox.IoU(t, f.Face.Box)) >= 0.4, $"face {f.Face.Box} matches a true face");
            var eye = f.Face.Landmarks.RightEye;
            Assert.True(eye.X >= f.Face.Box.X && eye.X <= f.Face.Box.Right && eye.Y >= f.Face.Box.Y && eye.Y <= f.Face.Box.Bottom, "landmarks in the frame's pixels");
        }
    }
}
