using OpenCvSharp;

namespace Scarlet.Vision;

/// <summary>Draws detections, landmarks and labels onto BGR images for live views, overlay videos and debugging.</summary>
public sealed class OverlayRenderer
{
    private static readonly Scalar FaceColor = new(0, 220, 0);
    private static readonly Scalar PersonColor = new(255, 160, 0);
    private static readonly Scalar[] LandmarkColors =
    [
        new(255, 0, 0), new(0, 0, 255), new(0, 255, 0), new(255, 0, 255), new(0, 255, 255),
    ];

    /// <summary>Gets or sets the line thickness in pixels. The default value is 2.</summary>
    public int Thickness { get; set; } = 2;

    /// <summary>Draws a box with an optional label above it (in place).</summary>
    public void DrawBox(Mat image, in BoundingBox box, Scalar color, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var rect = new Rect((int)box.X, (int)box.Y, Math.Max(1, (int)box.Width), Math.Max(1, (int)box.Height));
        Cv2.Rectangle(image, rect, color, Thickness);
        if (!string.IsNullOrEmpty(label))
        {
            var size = Cv2.GetTextSize(label, HersheyFonts.HersheySimplex, 0.5, 1, out var baseline);
            var top = Math.Max(0, rect.Y - size.Height - baseline - 2);
            Cv2.Rectangle(image, new Rect(rect.X, top, size.Width + 4, size.Height + baseline + 2), color, -1);
            Cv2.PutText(image, label, new Point(rect.X + 2, top + size.Height + 1), HersheyFonts.HersheySimplex, 0.5, Scalar.Black, 1, LineTypes.AntiAlias);
        }
    }

    /// <summary>Draws a face box, its five landmarks and its score (in place).</summary>
    public void DrawFace(Mat image, in FaceDetection face, string? label = null)
    {
        DrawBox(image, face.Box, FaceColor, label ?? face.Score.ToString("F2", System.Globalization.CultureInfo.InvariantCulture));
        for (var i = 0; i < 5; i++)
        {
            var p = face.Landmarks[i];
            Cv2.Circle(image, new Point((int)p.X, (int)p.Y), Math.Max(2, Thickness), LandmarkColors[i], -1);
        }
    }

    /// <summary>Draws a person box and its score or label (in place).</summary>
    public void DrawPerson(Mat image, in PersonDetection person, string? label = null) =>
        DrawBox(image, person.Box, PersonColor, label ?? person.Score.ToString("F2", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Draws all faces and people (in place).</summary>
    public void Draw(Mat image, IReadOnlyList<FaceDetection> faces, IReadOnlyList<PersonDetection> persons)
    {
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(persons);
        foreach (var p in persons)
        {
            DrawPerson(image, p);
        }

        foreach (var f in faces)
        {
            DrawFace(image, f);
        }
    }
}
