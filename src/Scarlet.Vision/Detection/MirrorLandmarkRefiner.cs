using OpenCvSharp;

namespace Scarlet.Vision;

/// <summary>
/// Refines a face's five landmarks by test-time mirroring: the detector runs again on a horizontally mirrored crop
/// around the face, its landmarks are mapped back (left and right swap), and the two sets are averaged. A detector's
/// landmark error is partly asymmetric (it depends on which side of the face a point is on), so the mirrored
/// estimate errs the other way and the mean lands closer; that steadies the alignment the embedder sees.
/// </summary>
/// <remarks>
/// Costs one extra detector run per face, on a crop. Measured on LFW (docs/models.md): 7-fold accuracy 99.31 % → 99.43 %
/// with MobileFaceNet. Thread-safe when the detector is.
/// </remarks>
public sealed class MirrorLandmarkRefiner
{
    private readonly IFaceDetector _detector;

    /// <summary>Initializes a new instance of the <see cref="MirrorLandmarkRefiner"/> class.</summary>
    /// <param name="detector">The face detector that found the faces (the same model, so both estimates are alike).</param>
    /// <param name="cropScale">Side of the square crop around the face, in multiples of the face box's longer side (1.5 to 6).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cropScale"/> is outside [1.5, 6].</exception>
    public MirrorLandmarkRefiner(IFaceDetector detector, float cropScale = DefaultCropScale)
    {
        ArgumentNullException.ThrowIfNull(detector);
        if (!(cropScale >= 1.5f && cropScale <= 6f))
        {
            throw new ArgumentOutOfRangeException(nameof(cropScale), cropScale, "The crop scale is 1.5 to 6 face sizes.");
        }

        _detector = detector;
        CropScale = cropScale;
    }

    /// <summary>The default crop: 2.5 face sizes, about the framing of an LFW image around its face.</summary>
    public const float DefaultCropScale = 2.5f;

    /// <summary>Gets the crop side in face sizes.</summary>
    public float CropScale { get; }

    /// <summary>
    /// Returns the mean of <paramref name="face"/>'s landmarks and those found on the mirrored crop, or the face's own
    /// landmarks when the mirrored crop shows no face near the same place.
    /// </summary>
    /// <param name="image">The 8-bit BGR image the face was detected in; not modified.</param>
    /// <param name="face">The detected face.</param>
    /// <returns>The refined landmarks, in pixels of <paramref name="image"/>.</returns>
    public FaceLandmarks5 Refine(Mat image, in FaceDetection face)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var activity = ScarletDiagnostics.Activities.StartActivity("face.refine");
        var box = face.Box;
        var side = CropScale * Math.Max(box.Width, box.Height);
        var x0 = (int)Math.Floor(box.CenterX - (side / 2));
        var y0 = (int)Math.Floor(box.CenterY - (side / 2));
        var s = (int)Math.Ceiling(side);
        var rect = new Rect(x0, y0, s, s).Intersect(new Rect(0, 0, image.Width, image.Height));
        if (rect.Width < 8 || rect.Height < 8)
        {
            return face.Landmarks;
        }

        using var roi = new Mat(image, rect);
        using var mirrored = new Mat();
        Cv2.Flip(roi, mirrored, FlipMode.Y);
        var faces = _detector.Detect(mirrored);

        // Pixel column c of the crop is column (w - 1 - c) of the mirror.
        var w = rect.Width - 1f;
        var expectedX = w - (box.CenterX - rect.X);
        var expectedY = box.CenterY - rect.Y;
        var best = -1;
        var bestDistance = double.MaxValue;
        for (var i = 0; i < faces.Count; i++)
        {
            var dx = faces[i].Box.CenterX - expectedX;
            var dy = faces[i].Box.CenterY - expectedY;
            var d = (dx * dx) + (dy * dy);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = i;
            }
        }

        // The mirrored face must be the same face: its centre within half a face size of where it should be.
        var limit = 0.5 * Math.Max(box.Width, box.Height);
        if (best < 0 || bestDistance > limit * limit)
        {
            return face.Landmarks;
        }

        var m = faces[best].Landmarks;
        var o = face.Landmarks;

        // The subject's right eye in the mirror is the left eye here: swap the sides while mapping back.
        return new FaceLandmarks5(
            Mean(o.RightEye, m.LeftEye),
            Mean(o.LeftEye, m.RightEye),
            Mean(o.Nose, m.Nose),
            Mean(o.RightMouth, m.LeftMouth),
            Mean(o.LeftMouth, m.RightMouth));

        PointF Mean(PointF original, PointF inMirror) =>
            new((original.X + (w - inMirror.X) + rect.X) / 2f, (original.Y + inMirror.Y + rect.Y) / 2f);
    }
}
