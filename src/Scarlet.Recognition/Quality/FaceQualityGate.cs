using OpenCvSharp;
using Scarlet.Vision;

namespace Scarlet.Recognition;

/// <summary>Why a face was rejected by <see cref="FaceQualityGate"/>.</summary>
public enum FaceQualityIssue
{
    /// <summary>The face is good enough to recognise.</summary>
    None,

    /// <summary>The face box is smaller than <see cref="FaceQualityOptions.MinFaceSize"/>.</summary>
    TooSmall,

    /// <summary>The aligned crop is blurrier than <see cref="FaceQualityOptions.MinSharpness"/>.</summary>
    Blurry,

    /// <summary>The head is turned further than <see cref="FaceQualityOptions.MaxYawDegrees"/>.</summary>
    TooMuchYaw,

    /// <summary>The head is tilted further than <see cref="FaceQualityOptions.MaxRollDegrees"/>.</summary>
    TooMuchRoll,

    /// <summary>
    /// The detector score is below <see cref="FaceQualityOptions.MinDetectionScore"/>: probably not a face (a painting,
    /// a poster, a pattern). <see cref="FaceRecognizer.Recognize(OpenCvSharp.Mat, bool)"/> drops such detections.
    /// </summary>
    LowDetectionScore,
}

/// <summary>The measured quality of one face and the gate's verdict.</summary>
/// <param name="Issue">The first failed check, or <see cref="FaceQualityIssue.None"/>.</param>
/// <param name="FaceSize">The shorter side of the face box, in pixels.</param>
/// <param name="Sharpness">The variance of the Laplacian of the aligned grey crop (NaN when no crop was given).</param>
/// <param name="YawDegrees">The estimated yaw in degrees; positive when the nose is to the image right of the eye midpoint.</param>
/// <param name="RollDegrees">The tilt of the eye line in degrees; positive clockwise in the image.</param>
public readonly record struct FaceQuality(FaceQualityIssue Issue, float FaceSize, double Sharpness, float YawDegrees, float RollDegrees)
{
    /// <summary>Gets the detector score of the face (NaN when the quality was built without one).</summary>
    public float DetectorScore { get; init; } = float.NaN;

    /// <summary>Gets whether the face passed every check.</summary>
    public bool IsAcceptable => Issue == FaceQualityIssue.None;

    /// <summary>Gets a short English reason (for logs and API responses).</summary>
    public string Reason => Issue switch
    {
        FaceQualityIssue.None => "ok",
        FaceQualityIssue.TooSmall => $"face too small ({FaceSize:F0} px)",
        FaceQualityIssue.Blurry => $"face too blurry (sharpness {Sharpness:F0})",
        FaceQualityIssue.TooMuchYaw => $"head turned too far (yaw {YawDegrees:F0} degrees)",
        FaceQualityIssue.TooMuchRoll => $"head tilted too far (roll {RollDegrees:F0} degrees)",
        FaceQualityIssue.LowDetectionScore => $"probably not a face (detector score {DetectorScore:F2})",
        _ => Issue.ToString(),
    };
}

/// <summary>
/// Decides whether a face is good enough to recognise: minimum size (detector box), blur (variance of the Laplacian on
/// the aligned crop) and pose from the five landmarks (yaw from the nose against the eyes, roll from the eye line).
/// Stateless and thread-safe.
/// </summary>
public sealed class FaceQualityGate
{
    // Nose-tip depth in front of the eye plane as a fraction of the inter-ocular distance (anthropometric average,
    // ~30 mm against ~63 mm): the projected nose offset is depth * sin(yaw), the eye distance D * cos(yaw).
    private const float NoseDepthRatio = 0.5f;

    /// <summary>Creates the gate.</summary>
    /// <param name="options">The limits; defaults when <see langword="null"/>.</param>
    public FaceQualityGate(FaceQualityOptions? options = null)
    {
        Options = options ?? new FaceQualityOptions();
    }

    /// <summary>Gets the limits in use.</summary>
    public FaceQualityOptions Options { get; }

    /// <summary>Gets whether the detector is confident enough that this is a face (<see cref="FaceQualityOptions.MinDetectionScore"/>).</summary>
    /// <param name="face">The detection.</param>
    /// <returns><see langword="false"/> for a detection that is probably not a face.</returns>
    public bool IsFace(in FaceDetection face) => face.Score >= Options.MinDetectionScore;

    /// <summary>Measures a detected face and its aligned crop.</summary>
    /// <param name="face">The detection (box and landmarks in image pixels).</param>
    /// <param name="alignedCrop">The aligned 8-bit BGR crop, or <see langword="null"/> to skip the blur check.</param>
    /// <returns>The measurements and the first failed check.</returns>
    public FaceQuality Evaluate(in FaceDetection face, Mat? alignedCrop)
    {
        var size = MathF.Min(face.Box.Width, face.Box.Height);
        var (yaw, roll) = EstimatePose(face.Landmarks);
        var sharpness = alignedCrop is null ? double.NaN : Sharpness(alignedCrop);
        return Judge(new FaceQuality(FaceQualityIssue.None, size, sharpness, yaw, roll) { DetectorScore = face.Score });
    }

    /// <summary>
    /// Applies this gate's limits to measurements taken earlier (by this or another gate), so that many limits can be
    /// tried on one measurement (the face-gate evaluation does). A NaN sharpness skips the blur check.
    /// </summary>
    /// <param name="measured">The measurements; its <see cref="FaceQuality.Issue"/> is ignored.</param>
    /// <returns>The same measurements with this gate's verdict.</returns>
    public FaceQuality Judge(in FaceQuality measured)
    {
        // The score comes first: a detection that is not a face has no meaningful size, pose or sharpness.
        var issue = FaceQualityIssue.None;
        if (!(measured.DetectorScore >= Options.MinDetectionScore) && !float.IsNaN(measured.DetectorScore))
        {
            issue = FaceQualityIssue.LowDetectionScore;
        }
        else if (!(measured.FaceSize >= Options.MinFaceSize))
        {
            issue = FaceQualityIssue.TooSmall;
        }
        else if (MathF.Abs(measured.RollDegrees) > Options.MaxRollDegrees)
        {
            issue = FaceQualityIssue.TooMuchRoll;
        }
        else if (MathF.Abs(measured.YawDegrees) > Options.MaxYawDegrees)
        {
            issue = FaceQualityIssue.TooMuchYaw;
        }
        else if (!double.IsNaN(measured.Sharpness) && !(measured.Sharpness >= Options.MinSharpness))
        {
            issue = FaceQualityIssue.Blurry;
        }

        return measured with { Issue = issue };
    }

    /// <summary>Estimates yaw and roll in degrees from five landmarks.</summary>
    /// <param name="landmarks">The landmarks in image pixels.</param>
    /// <returns>Yaw (nose to the image right is positive) and roll (eye line clockwise is positive).</returns>
    public static (float YawDegrees, float RollDegrees) EstimatePose(in FaceLandmarks5 landmarks)
    {
        var re = landmarks.RightEye;
        var le = landmarks.LeftEye;
        var ex = le.X - re.X;
        var ey = le.Y - re.Y;
        var eyeDistance = MathF.Sqrt((ex * ex) + (ey * ey));
        var roll = MathF.Atan2(ey, ex);
        if (eyeDistance < 1e-3f)
        {
            // Both eyes at one point: a full profile (or a broken detection).
            return (90f, roll * 180f / MathF.PI);
        }

        // Nose offset from the eye midpoint along the (de-rolled) eye line, in units of the projected eye distance.
        var mx = (re.X + le.X) / 2;
        var my = (re.Y + le.Y) / 2;
        var along = (((landmarks.Nose.X - mx) * ex) + ((landmarks.Nose.Y - my) * ey)) / eyeDistance;
        var yaw = MathF.Atan(along / eyeDistance / NoseDepthRatio);
        return (yaw * 180f / MathF.PI, roll * 180f / MathF.PI);
    }

    /// <summary>The variance of the Laplacian of the grey image: low for blurred faces.</summary>
    /// <param name="crop">An 8-bit BGR or grey image.</param>
    /// <returns>The variance.</returns>
    /// <exception cref="ArgumentException">The image is empty or disposed.</exception>
    public static double Sharpness(Mat crop)
    {
        ArgumentNullException.ThrowIfNull(crop);
        if (crop.IsDisposed || crop.Empty())
        {
            throw new ArgumentException("The crop is empty or disposed.", nameof(crop));
        }

        using var grey = crop.Channels() == 1 ? crop.Clone() : crop.CvtColor(ColorConversionCodes.BGR2GRAY);
        using var laplacian = new Mat();
        Cv2.Laplacian(grey, laplacian, MatType.CV_64F);
        Cv2.MeanStdDev(laplacian, out _, out var std);
        return std.Val0 * std.Val0;
    }
}
