namespace Scarlet.Vision;

/// <summary>An axis-aligned box in pixels of the original image: top-left corner, width and height.</summary>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width.</param>
/// <param name="Height">Height.</param>
public readonly record struct BoundingBox(float X, float Y, float Width, float Height)
{
    /// <summary>Gets the right edge.</summary>
    public float Right => X + Width;

    /// <summary>Gets the bottom edge.</summary>
    public float Bottom => Y + Height;

    /// <summary>Gets the area (zero for degenerate boxes).</summary>
    public float Area => Width > 0 && Height > 0 ? Width * Height : 0f;

    /// <summary>Gets the centre x.</summary>
    public float CenterX => X + (Width / 2f);

    /// <summary>Gets the centre y.</summary>
    public float CenterY => Y + (Height / 2f);

    /// <summary>Creates a box from corner coordinates.</summary>
    public static BoundingBox FromCorners(float x1, float y1, float x2, float y2) => new(x1, y1, x2 - x1, y2 - y1);

    /// <summary>Intersection over union of two boxes, in [0, 1].</summary>
    public static float IoU(in BoundingBox a, in BoundingBox b)
    {
        var iw = MathF.Min(a.Right, b.Right) - MathF.Max(a.X, b.X);
        var ih = MathF.Min(a.Bottom, b.Bottom) - MathF.Max(a.Y, b.Y);
        if (iw <= 0 || ih <= 0)
        {
            return 0f;
        }

        var inter = iw * ih;
        var union = a.Area + b.Area - inter;
        return union <= 0 ? 0f : inter / union;
    }
}
