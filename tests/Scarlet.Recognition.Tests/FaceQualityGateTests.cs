using OpenCvSharp;
using Scarlet.Testing;
using Scarlet.Vision;
using Xunit.Abstractions;

namespace Scarlet.Recognition.Tests;

public sealed class FaceQualityGateTests(RecognitionFixture models, ITestOutputHelper output) : IClassFixture<RecognitionFixture>
{
    private static FaceLandmarks5 Frontal(float cx, float cy, float eye) => new(
        new PointF(cx - (eye / 2), cy),
        new PointF(cx + (eye / 2), cy),
        new PointF(cx, cy + (0.6f * eye)),
        new PointF(cx - (0.4f * eye), cy + (1.1f * eye)),
        new PointF(cx + (0.4f * eye), cy + (1.1f * eye)));

    [Fact]
    public void Options_defaults()
    {
        var o = new FaceQualityOptions();
        Assert.Equal(0.72f, o.MinDetectionScore);
        Assert.Equal(40f, o.MinFaceSize);
        Assert.Equal(25.0, o.MinSharpness);
        Assert.Equal(45f, o.MaxYawDegrees);
        Assert.Equal(45f, o.MaxRollDegrees);
    }

    [Fact]
    public void Pose_is_estimated_from_landmarks()
    {
        var (yaw, roll) = FaceQualityGate.EstimatePose(Frontal(100, 100, 40));
        Assert.Equal(0f, yaw, 3);
        Assert.Equal(0f, roll, 3);

        // Nose shifted by half the eye distance: tan(yaw) = 0.5 / 0.5 -> 45 degrees.
        var lm = Frontal(100, 100, 40);
        var turned = lm with { Nose = new PointF(lm.Nose.X + 20, lm.Nose.Y) };
        Assert.Equal(45f, FaceQualityGate.EstimatePose(turned).YawDegrees, 2);

        // Rotating all points by 30 degrees rolls the eye line by 30 and leaves yaw at 0.
        var a = 30 * MathF.PI / 180;
        PointF R(PointF p) => new((MathF.Cos(a) * (p.X - 100)) - (MathF.Sin(a) * (p.Y - 100)) + 100, (MathF.Sin(a) * (p.X - 100)) + (MathF.Cos(a) * (p.Y - 100)) + 100);
        var rolled = new FaceLandmarks5(R(lm.RightEye), R(lm.LeftEye), R(lm.Nose), R(lm.RightMouth), R(lm.LeftMouth));
        var (y2, r2) = FaceQualityGate.EstimatePose(rolled);
        Assert.Equal(30f, r2, 2);
        Assert.Equal(0f, y2, 2);
    }

    [Fact]
    public void Each_check_reports_its_reason()
    {
        var gate = new FaceQualityGate();
        var lm = Frontal(100, 100, 40);
        var ok = gate.Evaluate(new FaceDetection(new BoundingBox(60, 60, 80, 90), 0.9f, lm), null);
        Assert.True(ok.IsAcceptable, ok.Reason);
        Assert.Equal("ok", ok.Reason);

        var small = gate.Evaluate(new FaceDetection(new BoundingBox(60, 60, 30, 36), 0.9f, lm), null);
        Assert.Equal(FaceQualityIssue.TooSmall, small.Issue);
        Assert.Contains("too small", small.Reason, StringComparison.Ordinal);

        var side = gate.Evaluate(new FaceDetection(new BoundingBox(60, 60, 80, 90), 0.9f, lm with { Nose = new PointF(140, 124) }), null);
        Assert.Equal(FaceQualityIssue.TooMuchYaw, side.Issue);

        var tilted = lm with { LeftEye = new PointF(110, 140) };
        Assert.Equal(FaceQualityIssue.TooMuchRoll, gate.Evaluate(new FaceDetection(new BoundingBox(60, 60, 80, 90), 0.9f, tilted), null).Issue);

        using var flat = new Mat(112, 112, MatType.CV_8UC3, Scalar.All(120));
        var blurry = gate.Evaluate(new FaceDetection(new BoundingBox(60, 60, 80, 90), 0.9f, lm), flat);
        Assert.Equal(FaceQualityIssue.Blurry, blurry.Issue);
        Assert.Contains("blurry", blurry.Reason, StringComparison.Ordinal);

        // The score comes first: a small, blurry detection below the score limit is "not a face", not "too small".
        var painted = new FaceDetection(new BoundingBox(60, 60, 30, 36), 0.71f, lm);
        Assert.False(gate.IsFace(painted));
        var notFace = gate.Evaluate(painted, flat);
        Assert.Equal(FaceQualityIssue.LowDetectionScore, notFace.Issue);
        Assert.Equal(0.71f, notFace.DetectorScore);
        Assert.Equal("probably not a face (detector score 0.71)", notFace.Reason);
        Assert.True(gate.IsFace(painted with { Score = 0.72f }));
    }

    [Fact]
    public void Judge_applies_other_limits_to_earlier_measurements()
    {
        var lm = Frontal(100, 100, 40);
        var measured = new FaceQualityGate(new FaceQualityOptions { MinDetectionScore = 0, MinFaceSize = 0, MinSharpness = 0 })
            .Evaluate(new FaceDetection(new BoundingBox(60, 60, 30, 36), 0.65f, lm), null);
        Assert.True(measured.IsAcceptable);
        Assert.Equal(FaceQualityIssue.LowDetectionScore, new FaceQualityGate().Judge(measured).Issue);
        Assert.Equal(FaceQualityIssue.TooSmall, new FaceQualityGate(new FaceQualityOptions { MinDetectionScore = 0.6f }).Judge(measured).Issue);

        // A quality built without a score (NaN) is not judged on it; without a crop (NaN sharpness) not on blur.
        var noScore = new FaceQuality(FaceQualityIssue.TooSmall, 80, double.NaN, 0, 0);
        Assert.True(new FaceQualityGate().Judge(noScore).IsAcceptable);
    }

    [Fact]
    public void Real_crops_pass_and_blurred_ones_fail()
    {
        var gate = new FaceQualityGate();
        var sharp = new List<double>();
        var blurred = new List<double>();
        var yaws = new List<float>();
        var files = Directory.GetDirectories(Path.Combine(TestAssets.Lfw, "images")).Order(StringComparer.Ordinal).Take(60).Select(d => Directory.GetFiles(d)[0]);
        foreach (var file in files)
        {
            using var image = Cv2.ImRead(file);
            var faces = models.Detector.Detect(image);
            if (faces.Count == 0)
            {
                continue;
            }

            var face = faces.MinBy(f => Math.Abs(f.Box.CenterX - 125) + Math.Abs(f.Box.CenterY - 125));
            using var crop = models.Aligner.Align(image, face.Landmarks);
            var q = gate.Evaluate(face, crop);
            sharp.Add(q.Sharpness);
            yaws.Add(Math.Abs(q.YawDegrees));
            using var blur = new Mat();
            Cv2.GaussianBlur(crop, blur, new Size(0, 0), 2.0);
            var qb = gate.Evaluate(face, blur);
            blurred.Add(qb.Sharpness);
            Assert.Equal(FaceQualityIssue.Blurry, qb.Issue);
        }

        sharp.Sort();
        blurred.Sort();
        yaws.Sort();
        output.WriteLine($"LFW crops: sharpness min {sharp[0]:F0}, p5 {sharp[sharp.Count / 20]:F0}, median {sharp[sharp.Count / 2]:F0}; blurred (sigma 2) max {blurred[^1]:F1}, median {blurred[blurred.Count / 2]:F1}; |yaw| median {yaws[yaws.Count / 2]:F1}, max {yaws[^1]:F1}");
        Assert.True(sharp.Count >= 50);

        // Nearly all real LFW crops are sharp enough; every blurred one is not.
        Assert.True(sharp.Count(s => s >= gate.Options.MinSharpness) >= sharp.Count * 0.95);
        Assert.True(blurred[^1] < gate.Options.MinSharpness);
    }
}

public sealed class FaceSizeTests(RecognitionFixture models, ITestOutputHelper output) : IClassFixture<RecognitionFixture>
{
    [Fact]
    public void Same_person_similarity_drops_on_small_faces()
    {
        // One image of each LFW same-person pair is shrunk so its face is about 100, 60, 40, 28 and 20 px wide.
        var pairs = Scarlet.Evaluation.Recognition.LfwPairs.Load(Path.Combine(TestAssets.Lfw, "pairs.txt")).Pairs.Where(p => p.Same).Take(30).ToList();
        double[] scales = [1.0, 0.6, 0.4, 0.28, 0.2];
        var means = new double[scales.Length];
        var sizes = new double[scales.Length];
        var found = new int[scales.Length];
        foreach (var pair in pairs)
        {
            using var a = Cv2.ImRead(Path.Combine(TestAssets.Lfw, "images", pair.ImageA));
            using var b = Cv2.ImRead(Path.Combine(TestAssets.Lfw, "images", pair.ImageB));
            using var cropB = Scarlet.Evaluation.Recognition.LfwEvaluation.CentralFaceCrop(b, models.Detector, models.Aligner, out _);
            var eb = models.Embedder.Embed(cropB);
            for (var s = 0; s < scales.Length; s++)
            {
                using var small = new Mat();
                Cv2.Resize(a, small, new Size(0, 0), scales[s], scales[s], InterpolationFlags.Area);
                using var padded = new Mat();
                Cv2.CopyMakeBorder(small, padded, 100, 100, 100, 100, BorderTypes.Constant, Scalar.All(0));
                var faces = models.Detector.Detect(padded);
                var face = faces.Count == 0 ? (FaceDetection?)null : faces.MinBy(f => Math.Abs(f.Box.CenterX - (padded.Width / 2f)) + Math.Abs(f.Box.CenterY - (padded.Height / 2f)));
                if (face is null)
                {
                    continue;
                }

                using var crop = models.Aligner.Align(padded, face.Value.Landmarks);
                means[s] += System.Numerics.Tensors.TensorPrimitives.Dot(models.Embedder.Embed(crop), eb);
                sizes[s] += Math.Min(face.Value.Box.Width, face.Value.Box.Height);
                found[s]++;
            }
        }

        for (var s = 0; s < scales.Length; s++)
        {
            means[s] /= Math.Max(1, found[s]);
            sizes[s] /= Math.Max(1, found[s]);
            output.WriteLine($"scale {scales[s]:F2}: face ~{sizes[s]:F0} px, detected {found[s]}/{pairs.Count}, mean same-person cosine {means[s]:F3}");
        }

        Assert.True(means[^1] < means[0] - 0.1, "small faces should lose similarity");
    }
}
