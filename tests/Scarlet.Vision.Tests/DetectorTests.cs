using System.Globalization;
using System.Xml.Linq;
using OpenCvSharp;
using Scarlet.Testing;
using Xunit.Abstractions;

namespace Scarlet.Vision.Tests;

public sealed class DetectorTests(DetectorFixture models, ITestOutputHelper output) : IClassFixture<DetectorFixture>
{
    [Theory]
    [InlineData("faces/face_recognition/obama/obama.jpg", 1)]
    [InlineData("faces/face_recognition/_group/two_people.jpg", 2)]
    [InlineData("faces/face_recognition/_group/obama_and_biden.jpg", 3)]
    public void YuNet_finds_the_faces_of_known_photos(string file, int expected)
    {
        using var image = Cv2.ImRead(TestAssets.Data(file));
        var faces = models.Faces.Detect(image);
        Assert.Equal(expected, faces.Count);
        foreach (var f in faces)
        {
            Assert.InRange(f.Score, 0.6f, 1f);
            // Landmarks sit inside their box: eyes above the mouth, left-to-right order as the template.
            Assert.True(f.Landmarks.RightEye.X < f.Landmarks.LeftEye.X);
            Assert.True(f.Landmarks.Nose.Y < f.Landmarks.RightMouth.Y);
            for (var i = 0; i < 5; i++)
            {
                Assert.InRange(f.Landmarks[i].X, f.Box.X - 2, f.Box.Right + 2);
                Assert.InRange(f.Landmarks[i].Y, f.Box.Y - 2, f.Box.Bottom + 2);
            }
        }
    }

    [Fact]
    public void One_thread_without_spinning_detects_exactly_what_the_default_session_does()
    {
        // The web host's session settings (docs/benchmarks.md "Face requests") change the threading, not the result.
        using var image = Cv2.ImRead(TestAssets.Data("faces/face_recognition/_group/obama_and_biden.jpg"));
        using var hostLike = new YuNetFaceDetector(TestAssets.YuNet, inference: new Models.InferenceOptions { IntraOpThreads = 1, AllowSpinning = false });
        var expected = models.Faces.Detect(image);
        var actual = hostLike.Detect(image);
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Score, actual[i].Score, 1e-4f);
            Assert.Equal(expected[i].Box.X, actual[i].Box.X, 0.05f);
            Assert.Equal(expected[i].Landmarks.Nose.Y, actual[i].Landmarks.Nose.Y, 0.05f);
        }
    }

    [Fact]
    public void YuNet_finds_no_face_among_dogs_at_the_OpenCV_Zoo_threshold()
    {
        // YuNet scores some dog faces 0.80-0.87 (measured); at OpenCV Zoo's 0.9 none remain. Known limitation, docs/models.md.
        using var image = Cv2.ImRead(TestAssets.Data("images/dlib_faces/dogs.jpg"));
        Assert.All(models.Faces.Detect(image), f => Assert.True(f.Score < 0.9f, $"score {f.Score}"));
    }

    [Fact]
    public void Dynamic_and_fixed_YuNet_agree_on_a_portrait()
    {
        using var image = Cv2.ImRead(TestAssets.Data("faces/face_recognition/obama/obama.jpg"));
        var a = models.Faces.Detect(image);
        var b = models.FacesDynamic.Detect(image);
        Assert.Single(a);
        Assert.Single(b);
        Assert.True(BoundingBox.IoU(a[0].Box, b[0].Box) > 0.7, $"{a[0].Box} vs {b[0].Box}");
    }

    [Theory]
    [InlineData("images/ultralytics/bus.jpg", 3)]
    [InlineData("images/ultralytics/zidane.jpg", 2)]
    [InlineData("faces/face_recognition/_group/two_people.jpg", 2)]
    public void Yolox_finds_the_people_of_known_photos(string file, int atLeast)
    {
        using var image = Cv2.ImRead(TestAssets.Data(file));
        var persons = models.Persons.Detect(image);
        Assert.InRange(persons.Count, atLeast, atLeast + 2);
        Assert.All(persons, p => Assert.InRange(p.Score, 0.3f, 1f));
        for (var i = 1; i < persons.Count; i++)
        {
            Assert.True(persons[i - 1].Score >= persons[i].Score, "best first");
        }
    }

    [Fact]
    public void Faces_on_dlib_VOC_images_reach_the_measured_recall_and_precision()
    {
        var matching = new DetectionMatching();
        foreach (var xml in new[] { "training.xml", "testing.xml" })
        {
            var doc = XDocument.Load(TestAssets.Data("images/dlib_faces/" + xml));
            foreach (var img in doc.Descendants("image"))
            {
                using var image = Cv2.ImRead(TestAssets.Data("images/dlib_faces/" + (string)img.Attribute("file")!));
                var truth = img.Elements("box").Select(b => new BoundingBox(
                    Attr(b, "left"), Attr(b, "top"), Attr(b, "width"), Attr(b, "height"))).ToList();
                var found = models.Faces.Detect(image).Select(f => f.Box).ToList();
                matching.Add(found, truth, 0.4);
            }
        }

        output.WriteLine($"YuNet-s on dlib VOC faces: {matching}");
        // Measured 2026-11-25: see docs/models.md. Floors a little below.
        Assert.True(matching.Recall >= 0.90, matching.ToString());
        Assert.True(matching.Precision >= 0.90, matching.ToString());
    }

    [Theory]
    [InlineData("gt_mot_cropped.txt", 0.88, 0.64)]
    [InlineData("gt_mot.txt", 0.88, 0.76)]
    public void Persons_on_vtest_reach_the_measured_recall_and_precision(string groundTruth, double recall, double precision)
    {
        // The cropped ground truth leaves out people outside PETS' tracking area, so detections of them count as false positives.
        var truth = File.ReadLines(TestAssets.Data("video/vtest_annotations/" + groundTruth))
            .Select(l => l.Split(','))
            .GroupBy(p => int.Parse(p[0], CultureInfo.InvariantCulture))
            .ToDictionary(g => g.Key, g => g.Select(p => new BoundingBox(F(p[2]), F(p[3]), F(p[4]), F(p[5]))).ToList());
        var matching = new DetectionMatching();
        using var capture = new VideoCapture(TestAssets.VtestVideo);
        using var frame = new Mat();
        var index = 0;
        while (capture.Read(frame) && !frame.Empty())
        {
            index++;
            // Every 4th frame keeps the unit suite fast; `scarlet detect` covers all frames.
            if (index % 4 != 1)
            {
                continue;
            }

            var found = models.Persons.Detect(frame).Select(p => p.Box).ToList();
            matching.Add(found, truth.GetValueOrDefault(index, []), 0.5);
        }

        output.WriteLine($"YOLOX-Nano persons on vtest vs {groundTruth} (every 4th frame): {matching}");
        Assert.True(matching.Recall >= recall, matching.ToString());
        Assert.True(matching.Precision >= precision, matching.ToString());
    }

    [Fact]
    public void Unknown_model_is_rejected_with_what_was_found()
    {
        var ex = Assert.Throws<NotSupportedException>(() => new YuNetFaceDetector(TestAssets.YoloxNano));
        Assert.Contains("images", ex.Message, StringComparison.Ordinal);
        var ex2 = Assert.Throws<NotSupportedException>(() => new YoloxPersonDetector(TestAssets.YuNet));
        Assert.Contains("cls_8", ex2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_images_are_rejected()
    {
        using var empty = new Mat();
        Assert.Throws<ArgumentException>(() => models.Faces.Detect(empty));
        using var gray = new Mat(64, 64, MatType.CV_8UC1, Scalar.All(0));
        Assert.Throws<ArgumentException>(() => models.Persons.Detect(gray));
    }

    private static float Attr(XElement e, string name) => float.Parse((string)e.Attribute(name)!, CultureInfo.InvariantCulture);

    private static float F(string s) => float.Parse(s, CultureInfo.InvariantCulture);
}
