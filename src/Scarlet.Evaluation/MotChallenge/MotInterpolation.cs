namespace Scarlet.Evaluation.MotChallenge;

/// <summary>
/// Offline post-processing of tracker results: fills short gaps inside a track by linear interpolation of the box
/// (as ByteTrack's published MOTChallenge results do). Only for recorded results, never for live output.
/// </summary>
public static class MotInterpolation
{
    /// <summary>Fills every gap of at most <paramref name="maxGap"/> missing frames between two rows of the same id.</summary>
    /// <param name="rows">Result rows (any order).</param>
    /// <param name="maxGap">Largest number of missing frames to fill (≥ 1).</param>
    /// <returns>The rows plus the interpolated ones, sorted by frame then id.</returns>
    public static List<MotRecord> FillGaps(IReadOnlyList<MotRecord> rows, int maxGap)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxGap, 1);
        var sorted = new List<MotRecord>(rows);
        sorted.Sort(static (a, b) => a.Id != b.Id ? a.Id.CompareTo(b.Id) : a.Frame.CompareTo(b.Frame));
        var result = new List<MotRecord>(rows.Count + (rows.Count / 10));
        for (var i = 0; i < sorted.Count; i++)
        {
            var cur = sorted[i];
            result.Add(cur);
            if (i + 1 >= sorted.Count || sorted[i + 1].Id != cur.Id)
            {
                continue;
            }

            var next = sorted[i + 1];
            var missing = next.Frame - cur.Frame - 1;
            if (missing < 1 || missing > maxGap)
            {
                continue;
            }

            for (var k = 1; k <= missing; k++)
            {
                var t = k / (double)(missing + 1);
                result.Add(new MotRecord(
                    cur.Frame + k,
                    cur.Id,
                    cur.X + ((next.X - cur.X) * t),
                    cur.Y + ((next.Y - cur.Y) * t),
                    cur.Width + ((next.Width - cur.Width) * t),
                    cur.Height + ((next.Height - cur.Height) * t),
                    Math.Min(cur.Confidence, next.Confidence),
                    -1,
                    -1));
            }
        }

        result.Sort(static (a, b) => a.Frame != b.Frame ? a.Frame.CompareTo(b.Frame) : a.Id.CompareTo(b.Id));
        return result;
    }
}
