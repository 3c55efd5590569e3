using Scarlet.Vision;

namespace Scarlet.Tracking.Pipeline;

/// <summary>Where a face and a person box meet: which person box a face belongs to, and the person box a face alone stands for.</summary>
internal static class FaceAnchor
{
    // Shoulder breadth is about 2.7 face widths (biacromial ~39 cm, face ~14.5 cm); the top of the head is about half a
    // face height above the detector's face box (brows to chin), and a close camera sees down to about mid-chest.
    private const float WidthInFaces = 2.7f;
    private const float AboveInFaces = 0.5f;
    private const float BelowInFaces = 2.5f;

    /// <summary>Whether <paramref name="person"/> holds the face centre in its upper two thirds (head-and-shoulders views included).</summary>
    public static bool Holds(in BoundingBox person, in BoundingBox face)
    {
        var cx = face.CenterX;
        var cy = face.CenterY;
        return cx >= person.X && cx <= person.Right && cy >= person.Y && cy <= person.Y + (person.Height * 0.67f);
    }

    /// <summary>The head-and-shoulders box a face stands for when no person box holds it, clipped to the frame.</summary>
    public static BoundingBox PersonBox(in BoundingBox face, int frameWidth, int frameHeight)
    {
        var halfWidth = face.Width * WidthInFaces / 2;
        var x1 = Math.Clamp(face.CenterX - halfWidth, 0, frameWidth);
        var x2 = Math.Clamp(face.CenterX + halfWidth, 0, frameWidth);
        var y1 = Math.Clamp(face.Y - (face.Height * AboveInFaces), 0, frameHeight);
        var y2 = Math.Clamp(face.Bottom + (face.Height * BelowInFaces), 0, frameHeight);
        return new BoundingBox(x1, y1, x2 - x1, y2 - y1);
    }
}
