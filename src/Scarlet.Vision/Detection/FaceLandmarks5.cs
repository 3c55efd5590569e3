namespace Scarlet.Vision;

/// <summary>
/// Five facial landmarks in pixels of the original image, in the ArcFace template order: the subject's right eye
/// (image left), left eye, nose tip, right mouth corner, left mouth corner.
/// </summary>
public readonly record struct FaceLandmarks5(
    PointF RightEye,
    PointF LeftEye,
    PointF Nose,
    PointF RightMouth,
    PointF LeftMouth)
{
    /// <summary>Gets landmark <paramref name="index"/> (0 to 4) in template order.</summary>
    public PointF this[int index] => index switch
    {
        0 => RightEye,
        1 => LeftEye,
        2 => Nose,
        3 => RightMouth,
        4 => LeftMouth,
        _ => throw new ArgumentOutOfRangeException(nameof(index), index, "A landmark index is 0 to 4."),
    };
}

/// <summary>A point in pixels.</summary>
/// <param name="X">Horizontal coordinate.</param>
/// <param name="Y">Vertical coordinate.</param>
public readonly record struct PointF(float X, float Y);
