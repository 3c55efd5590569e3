using OpenCvSharp;
using Scarlet.Testing;
using Xunit.Abstractions;

namespace Scarlet.Vision.Tests;

public sealed class FaceAlignerTests(DetectorFixture models, ITestOutputHelper output) : IClassFixture<DetectorFixture>
{
    [Fact]
    public void Similarity_estimate_recovers_a_known_transform()
    {
        // Rotate by 20 degrees, scale 1.7, shift; the estimate must invert it exactly.
        var angle = 20 * Math.PI / 180;
        var (c, s) = (1.7 * Math.Cos(angle), 1.7 * Math.Sin(angle));
        var t = FaceAligner.Template;
        PointF Map(PointF p) => new((float)((c * p.X) - (s * p.Y) + 30), (float)((s * p.X) + (c * p.Y) - 12));
        var moved = new FaceLandmarks5(Map(t[0]), Map(t[1]), Map(t[2]), Map(t[3]), Map(t[4]));
        var m = FaceAligner.EstimateSimilarity(moved, t);
        for (var i = 0; i < 5; i++)
        {
            var back = FaceAligner.Transform(m, moved[i]);
            Assert.Equal(t[i].X, back.X, 3);
            Assert.Equal(t[i].Y, back.Y, 3);
        }
    }

    [Fact]
    public void A_crop_margin_widens_the_view_about_the_centre_and_bad_margins_are_refused()
    {
        // Margin 1.5: the crop is the warp onto the template shrunk 1.5 times about the crop centre, so the face
        // (eye distance) is 1.5 times smaller and more of the head shows.
        using var image = Cv2.ImRead(LfwFiles().First());
        var face = Central(models.Faces.Detect(image), image)!.Value;
        Assert.Equal(1f, new FaceAligner().Margin);
        using var crop = new FaceAligner(1.5f).Align(image, face.Landmarks);
        var t = FaceAligner.Template;
        const float c = FaceAligner.CropSize / 2f;
        PointF Shrink(PointF p) => new(c + ((p.X - c) / 1.5f), c + ((p.Y - c) / 1.5f));
        var m = FaceAligner.EstimateSimilarity(face.Landmarks, new FaceLandmarks5(Shrink(t[0]), Shrink(t[1]), Shrink(t[2]), Shrink(t[3]), Shrink(t[4])));
        using var matrix = Mat.FromPixelData(2, 3, MatType.CV_64FC1, m);
        using var expected = new Mat();
        Cv2.WarpAffine(image, expected, matrix, new Size(FaceAligner.CropSize, FaceAligner.CropSize), InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
        using var diff = new Mat();
        Cv2.Absdiff(crop, expected, diff);
        Assert.Equal(0, Cv2.CountNonZero(diff.Reshape(1)));

        var plain = FaceAligner.EstimateSimilarity(face.Landmarks, t);
        double Eyes(double[] x) => FaceAligner.Transform(x, face.Landmarks.LeftEye).X - FaceAligner.Transform(x, face.Landmarks.RightEye).X;
        Assert.Equal(Eyes(plain) / 1.5, Eyes(m), 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaceAligner(0.2f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaceAligner(float.NaN));
    }

    [Fact]
    public void Landmarks_of_real_faces_land_within_a_few_pixels_of_the_template()
    {
        var errors = new List<double>();
        foreach (var file in LfwFiles().Take(40))
        {
            using var image = Cv2.ImRead(file);
            var face = Central(models.Faces.Detect(image), image);
            if (face is null)
            {
                continue;
            }

            var m = FaceAligner.EstimateSimilarity(face.Value.Landmarks, FaceAligner.Template);
            for (var i = 0; i < 5; i++)
            {
                var p = FaceAligner.Transform(m, face.Value.Landmarks[i]);
                errors.Add(Math.Sqrt(Math.Pow(p.X - FaceAligner.Template[i].X, 2) + Math.Pow(p.Y - FaceAligner.Template[i].Y, 2)));
            }

            using var crop = models.Aligner.Align(image, face.Value.Landmarks);
            Assert.Equal(112, crop.Width);
            Assert.Equal(112, crop.Height);
        }

        var mean = errors.Average();
        output.WriteLine($"mean landmark error after alignment: {mean:F2} px over {errors.Count / 5} faces, max {errors.Max():F2}");
        Assert.True(errors.Count >= 150);
        Assert.True(mean < 3.0, $"mean {mean}");
    }

    [Fact]
    public void Aligned_crops_of_the_same_person_are_closer_than_of_different_people()
    {
        var pairs = File.ReadLines(Path.Combine(TestAssets.Lfw, "pairs.txt")).Skip(1).Select(l => l.Split('\t')).ToList();
        var same = pairs.Where(p => p.Length == 3).Take(60).Select(p => Distance(Img(p[0], p[1]), Img(p[0], p[2]))).Where(d => d >= 0).ToList();
        var diff = pairs.Where(p => p.Length == 4).Take(60).Select(p => Distance(Img(p[0], p[1]), Img(p[2], p[3]))).Where(d => d >= 0).ToList();
        output.WriteLine($"pixel distance of aligned crops: same {same.Average():F4} (n={same.Count}), different {diff.Average():F4} (n={diff.Count})");
        Assert.True(same.Average() < diff.Average());

        // Alignment is what makes pixels comparable: unaligned centre crops separate worse.
        static string Img(string name, string n) => Path.Combine(TestAssets.Lfw, "images", name, $"{name}_{int.Parse(n, System.Globalization.CultureInfo.InvariantCulture):D4}.jpg");
    }

    [Fact]
    public void Mirror_refinement_makes_landmarks_consistent_between_an_image_and_its_mirror()
    {
        // A detector's landmarks on a mirrored image are not exactly the mirror of its landmarks on the original; that
        // asymmetry is landmark noise. The refiner averages both views, so its results must be clearly more consistent
        // (measured: 0.091 -> 0.051 eye distances; not zero, since the second view is detected on a crop).
        var refiner = new MirrorLandmarkRefiner(models.Faces);
        var raw = new List<double>();
        var refined = new List<double>();
        var moved = new List<double>();
        foreach (var file in LfwFiles().Take(30))
        {
            // An uneven border, so the refiner's crop is an inner region at an offset, not the whole image.
            using var lfw = Cv2.ImRead(file);
            using var image = new Mat();
            Cv2.CopyMakeBorder(lfw, image, 60, 20, 230, 90, BorderTypes.Constant, Scalar.All(90));
            using var mirror = new Mat();
            Cv2.Flip(image, mirror, FlipMode.Y);
            // The LFW face is the one at the centre of the original 250x250 picture.
            var a = Nearest(models.Faces.Detect(image), 230 + 125, 60 + 125);
            var b = Nearest(models.Faces.Detect(mirror), image.Width - 1 - (230 + 125), 60 + 125);
            if (a is null || b is null)
            {
                continue;
            }

            var ra = refiner.Refine(image, a.Value);
            var rb = refiner.Refine(mirror, b.Value);
            var eyes = Dist(a.Value.Landmarks.RightEye, a.Value.Landmarks.LeftEye);
            raw.Add(Asymmetry(a.Value.Landmarks, b.Value.Landmarks, image.Width) / eyes);
            refined.Add(Asymmetry(ra, rb, image.Width) / eyes);
            for (var i = 0; i < 5; i++)
            {
                moved.Add(Dist(ra[i], a.Value.Landmarks[i]) / eyes);
            }
        }

        output.WriteLine($"mirror asymmetry / eye distance over {raw.Count} faces: detector {raw.Average():F4}, refined {refined.Average():F4}; refinement moved points by {moved.Average():F4} on average (max {moved.Max():F4})");
        Assert.True(raw.Count >= 25);
        Assert.True(refined.Average() < raw.Average() * 0.75, $"refined {refined.Average()} vs raw {raw.Average()}");
        Assert.True(moved.Max() < 0.25, $"a landmark moved {moved.Max()} eye distances");
    }

    [Fact]
    public void Mirror_refinement_keeps_the_landmarks_of_a_face_too_small_to_redetect_and_rejects_bad_scales()
    {
        var refiner = new MirrorLandmarkRefiner(models.Faces);
        using var image = new Mat(64, 64, MatType.CV_8UC3, Scalar.All(128));
        var lm = new FaceLandmarks5(new(30, 30), new(33, 30), new(31, 32), new(30, 34), new(33, 34));
        var tiny = new FaceDetection(new BoundingBox(29, 29, 2, 2), 0.9f, lm);
        Assert.Equal(lm, refiner.Refine(image, tiny));

        // A blank image holds no face in the mirror either: the original landmarks come back.
        var blank = new FaceDetection(new BoundingBox(16, 16, 32, 32), 0.9f, lm);
        Assert.Equal(lm, refiner.Refine(image, blank));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MirrorLandmarkRefiner(models.Faces, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MirrorLandmarkRefiner(models.Faces, float.NaN));
    }

    private static double Dist(PointF a, PointF b) => Math.Sqrt(Math.Pow(a.X - b.X, 2) + Math.Pow(a.Y - b.Y, 2));

    // Mean distance between landmarks found on the original and the mirror's landmarks mapped back (sides swapped).
    private static double Asymmetry(FaceLandmarks5 original, FaceLandmarks5 inMirror, int width)
    {
        var w = width - 1f;
        PointF Back(PointF p) => new(w - p.X, p.Y);
        return (Dist(original.RightEye, Back(inMirror.LeftEye)) + Dist(original.LeftEye, Back(inMirror.RightEye))
            + Dist(original.Nose, Back(inMirror.Nose)) + Dist(original.RightMouth, Back(inMirror.LeftMouth))
            + Dist(original.LeftMouth, Back(inMirror.RightMouth))) / 5;
    }

    private double Distance(string a, string b)
    {
        using var va = AlignedVector(a);
        using var vb = AlignedVector(b);
        if (va is null || vb is null)
        {
            return -1;
        }

        return 1 - va.Dot(vb);
    }

    private Mat? AlignedVector(string file)
    {
        using var image = Cv2.ImRead(file);
        var face = Central(models.Faces.Detect(image), image);
        if (face is null)
        {
            return null;
        }

        using var crop = models.Aligner.Align(image, face.Value.Landmarks);
        using var gray = crop.CvtColor(ColorConversionCodes.BGR2GRAY);
        // Inner face only (no background), zero mean, unit norm: a cosine in pixel space.
        using var inner = new Mat(gray, new Rect(24, 30, 64, 72));
        var v = new Mat();
        inner.ConvertTo(v, MatType.CV_32F);
        Cv2.Subtract(v, Cv2.Mean(v), v);
        Cv2.Normalize(v, v);
        return v;
    }

    private static FaceDetection? Central(IReadOnlyList<FaceDetection> faces, Mat image) => Nearest(faces, image.Width / 2.0, image.Height / 2.0);

    private static FaceDetection? Nearest(IReadOnlyList<FaceDetection> faces, double x, double y)
    {
        FaceDetection? best = null;
        var bestDistance = double.MaxValue;
        foreach (var f in faces)
        {
            var d = Math.Pow(f.Box.CenterX - x, 2) + Math.Pow(f.Box.CenterY - y, 2);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = f;
            }
        }

        return best;
    }

    private static IEnumerable<string> LfwFiles() =>
        Directory.EnumerateDirectories(Path.Combine(TestAssets.Lfw, "images")).Order(StringComparer.Ordinal)
            .Select(d => Directory.EnumerateFiles(d, "*.jpg").Order(StringComparer.Ordinal).First());
}
