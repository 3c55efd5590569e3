using OpenCvSharp;

namespace Scarlet.Vision;

/// <summary>
/// Aligns a face to the standard ArcFace 112x112 template with a least-squares 5-point similarity transform
/// (rotation, uniform scale, translation; no reflection), as InsightFace's <c>norm_crop</c>.
/// </summary>
public sealed class FaceAligner
{
    /// <summary>The output crop size in pixels (square).</summary>
    public const int CropSize = 112;

    /// <summary>The ArcFace 112x112 template: right eye, left eye, nose, right mouth corner, left mouth corner.</summary>
    public static FaceLandmarks5 Template { get; } = new(
        new PointF(38.2946f, 51.6963f),
        new PointF(73.5318f, 51.5014f),
        new PointF(56.0252f, 71.7366f),
        new PointF(41.5493f, 92.3655f),
        new PointF(70.7299f, 92.2041f));

    private readonly FaceLandmarks5 _target;

    /// <summary>Creates an aligner to the ArcFace template.</summary>
    public FaceAligner()
        : this(1f)
    {
    }

    /// <summary>Creates an aligner whose crop shows more (or less) around the face than the ArcFace template.</summary>
    /// <param name="margin">
    /// How many times the template's field of view the crop covers, about the crop centre: 1 is the ArcFace crop (for
    /// MobileFaceNet); models trained on looser face crops (the HSE faceres models) take more than 1.
    /// </param>
    public FaceAligner(float margin)
    {
        if (!(margin is >= 0.5f and <= 3f))
        {
            throw new ArgumentOutOfRangeException(nameof(margin), margin, "The crop margin must be in [0.5, 3].");
        }

        Margin = margin;
        const float c = CropSize / 2f;
        static PointF Scale(PointF p, float m) => new(c + ((p.X - c) / m), c + ((p.Y - c) / m));
        var t = Template;
        _target = new FaceLandmarks5(Scale(t.RightEye, margin), Scale(t.LeftEye, margin), Scale(t.Nose, margin), Scale(t.RightMouth, margin), Scale(t.LeftMouth, margin));
    }

    /// <summary>Gets the crop's field of view relative to the ArcFace template (1 = the template).</summary>
    public float Margin { get; }

    /// <summary>
    /// Estimates the similarity transform that maps <paramref name="source"/> onto <paramref name="target"/> in the least-squares
    /// sense: <c>[a -b tx; b a ty]</c>.
    /// </summary>
    /// <returns>The 2x3 affine matrix as six numbers, row-major.</returns>
    public static double[] EstimateSimilarity(in FaceLandmarks5 source, in FaceLandmarks5 target)
    {
        double msx = 0, msy = 0, mtx = 0, mty = 0;
        for (var i = 0; i < 5; i++)
        {
            msx += source[i].X;
            msy += source[i].Y;
            mtx += target[i].X;
            mty += target[i].Y;
        }

        msx /= 5;
        msy /= 5;
        mtx /= 5;
        mty /= 5;
        double num1 = 0, num2 = 0, den = 0;
        for (var i = 0; i < 5; i++)
        {
            var px = source[i].X - msx;
            var py = source[i].Y - msy;
            var qx = target[i].X - mtx;
            var qy = target[i].Y - mty;
            num1 += (px * qx) + (py * qy);
            num2 += (px * qy) - (py * qx);
            den += (px * px) + (py * py);
        }

        if (den < 1e-9)
        {
            throw new ArgumentException("The landmarks are degenerate (all in one place).", nameof(source));
        }

        var a = num1 / den;
        var b = num2 / den;
        var tx = mtx - ((a * msx) - (b * msy));
        var ty = mty - ((b * msx) + (a * msy));
        return [a, -b, tx, b, a, ty];
    }

    /// <summary>Maps a point through a 2x3 affine matrix.</summary>
    public static PointF Transform(ReadOnlySpan<double> m, PointF p) =>
        new((float)((m[0] * p.X) + (m[1] * p.Y) + m[2]), (float)((m[3] * p.X) + (m[4] * p.Y) + m[5]));

    /// <summary>Warps the face with <paramref name="landmarks"/> in <paramref name="image"/> to a 112x112 BGR crop.</summary>
    /// <param name="image">The source image (8-bit BGR); not modified.</param>
    /// <param name="landmarks">The face's five landmarks in <paramref name="image"/> pixels.</param>
    /// <returns>A new 112x112 crop; the caller disposes it.</returns>
    public Mat Align(Mat image, in FaceLandmarks5 landmarks)
    {
        DetectorInput.Validate(image);
        var m = EstimateSimilarity(landmarks, _target);
        using var matrix = Mat.FromPixelData(2, 3, MatType.CV_64FC1, m);
        var crop = new Mat();
        try
        {
            Cv2.WarpAffine(image, crop, matrix, new Size(CropSize, CropSize), InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
            return crop;
        }
        catch
        {
            crop.Dispose();
            throw;
        }
    }
}
