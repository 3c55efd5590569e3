namespace Scarlet.Evaluation.MotChallenge;

/// <summary>
/// Offline post-processing of tracker results: smooths each track's boxes over time with a Gaussian kernel (in the
/// spirit of StrongSORT's Gaussian-smoothed interpolation), so per-frame jitter of the boxes cancels. Only for recorded
/// results, never for live output.
/// </summary>
public static class MotSmoothing
{
    /// <summary>Replaces every box by the Gaussian-weighted mean of its track's boxes in nearby frames.</summary>
    /// <param name="rows">Result rows (any order).</param>
    /// <param name="sigmaFrames">The kernel's standard deviation in frames (&gt; 0); rows up to 3 sigma away count.</param>
    /// <returns>The rows with smoothed boxes, sorted by frame then id.</returns>
    public static List<MotRecord> Smooth(IReadOnlyList<MotRecord> rows, double sigmaFrames)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sigmaFrames);
        var sorted = new List<MotRecord>(rows);
        sorted.Sort(static (a, b) => a.Id != b.Id ? a.Id.CompareTo(b.Id) : a.Frame.CompareTo(b.Frame));
        var reach = (int)Math.Ceiling(3 * sigmaFrames);
        var result = new List<MotRecord>(sorted.Count);
        var start = 0;
        while (start < sorted.Count)
        {
            var end = start;
            while (end < sorted.Count && sorted[end].Id == sorted[start].Id)
            {
                end++;
            }

            for (var i = start; i < end; i++)
            {
                double sw = 0, sx = 0, sy = 0, sWidth = 0, sHeight = 0;
                for (var j = i; j >= start && sorted[i].Frame - sorted[j].Frame <= reach; j--)
                {
                    Add(sorted[j], sorted[i].Frame - sorted[j].Frame);
                }

                for (var j = i + 1; j < end && sorted[j].Frame - sorted[i].Frame <= reach; j++)
                {
                    Add(sorted[j], sorted[j].Frame - sorted[i].Frame);
                }

                result.Add(sorted[i] with { X = sx / sw, Y = sy / sw, Width = sWidth / sw, Height = sHeight / sw });

                void Add(MotRecord r, int distance)
                {
                    var w = Math.Exp(-(distance * distance) / (2 * sigmaFrames * sigmaFrames));
                    sw += w;
                    sx += w * r.X;
                    sy += w * r.Y;
                    sWidth += w * r.Width;
                    sHeight += w * r.Height;
                }
            }

            start = end;
        }

        result.Sort(static (a, b) => a.Frame != b.Frame ? a.Frame.CompareTo(b.Frame) : a.Id.CompareTo(b.Id));
        return result;
    }
}
