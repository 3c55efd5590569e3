using OpenCvSharp;
using Scarlet.Vision;

namespace Scarlet.Tracking.Pipeline;

/// <summary>
/// Whether a track's box shows change of its own (issue 19): the share of the box's pixels whose grey level changed by
/// more than <see cref="LevelThreshold"/> since a frame at least <see cref="Gap"/> earlier, its median over the track's
/// last <see cref="Window"/> such comparisons (Frigate's false-positive test on a score history, applied to pixel change).
/// A person, walking or standing, changes some of their pixels; a printed figure, a mannequin or a reflection of a
/// still scene does not. Once changed, a track stays changed (a customer who then stands still is still there).
/// </summary>
internal sealed class PixelChangeEvidence
{
    /// <summary>How many of a track's latest comparisons the median covers (Frigate keeps 10 scores).</summary>
    internal const int Window = 10;

    /// <summary>How far apart the compared frames are at least: consecutive frames at 10 fps (the demo clip, where the threshold was chosen, with jitter), every third at 30 fps.</summary>
    internal static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(80);

    /// <summary>How far apart they may be at most (beyond, a slow change of light would count).</summary>
    internal static readonly TimeSpan MaxGap = TimeSpan.FromSeconds(2);

    /// <summary>The grey-level difference (of 255) above which a pixel as changed: Frigate's motion threshold, above sensor noise.</summary>
    internal const double LevelThreshold = 30;

    private readonly float[] _recent = new float[Window];
    private int _count;

    /// <summary>Gets whether the track has shown change of its own.</summary>
    public bool Changed { get; private set; }

    /// <summary>Records one detection frame's changed share; returns <see cref="Changed"/>.</summary>
    /// <param name="share">The share of the box's pixels that changed (0 to 1).</param>
    /// <param name="minShare">The median share that counts as change.</param>
    public bool Add(float share, float minShare)
    {
        if (Changed)
        {
            return true;
        }

        _recent[_count % Window] = share;
        _count++;
        Span<float> sorted = stackalloc float[Window];
        var n = Math.Min(_count, Window);
        sorted = sorted[..n];
        _recent.AsSpan(0, n).CopyTo(sorted);
        sorted.Sort();
        var median = (n & 1) == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2f;
        Changed = median >= minShare;
        return Changed;
    }

    /// <summary>The share of a box's pixels whose grey level differs by more than <see cref="LevelThreshold"/> between two frames.</summary>
    /// <param name="grey">This frame (CV_8UC1).</param>
    /// <param name="previous">The previous frame (CV_8UC1, same size).</param>
    /// <param name="scratch">A work image of the same size and type (overwritten inside the box).</param>
    /// <param name="box">The box (clipped to the frame).</param>
    /// <returns>The share, 0 to 1 (0 for a box outside the frame).</returns>
    public static float ChangedShare(Mat grey, Mat previous, Mat scratch, in BoundingBox box)
    {
        var x0 = Math.Clamp((int)MathF.Floor(box.X), 0, grey.Width);
        var y0 = Math.Clamp((int)MathF.Floor(box.Y), 0, grey.Height);
        var x1 = Math.Clamp((int)MathF.Ceiling(box.Right), 0, grey.Width);
        var y1 = Math.Clamp((int)MathF.Ceiling(box.Bottom), 0, grey.Height);
        if (x1 <= x0 || y1 <= y0)
        {
            return 0f;
        }

        var r = new Rect(x0, y0, x1 - x0, y1 - y0);
        using var a = new Mat(grey, r);
        using var b = new Mat(previous, r);
        using var d = new Mat(scratch, r);
        Cv2.Absdiff(a, b, d);
        Cv2.Threshold(d, d, LevelThreshold, 255, ThresholdTypes.Binary);
        return Cv2.CountNonZero(d) / (float)(r.Width * r.Height);
    }
}
