namespace Scarlet.Evaluation.MotChallenge;

/// <summary>
/// Offline post-processing of tracker results without appearance: joins a track that ends to one that starts up to
/// <c>maxGap</c> frames later when each one's constant-velocity motion, carried across the gap, lands on the other
/// (StrongSORT's appearance-free link, without its learned model). Only for recorded results, never for live output.
/// </summary>
public static class MotLinking
{
    /// <summary>Frames at a track's end (and start) its velocity is measured over.</summary>
    private const int VelocityFrames = 10;

    /// <summary>
    /// Relabels tracks so that each chain of joined tracks carries its first track's id. A pair is joined when the mean
    /// of the forward and backward prediction errors, in units of the boxes' mean height, plus the absolute log ratio of
    /// their heights, is at most <paramref name="maxCost"/>; pairs are taken cheapest first, one successor and one
    /// predecessor a track.
    /// </summary>
    /// <param name="rows">Result rows (any order).</param>
    /// <param name="maxGap">Largest number of missing frames between the two tracks (≥ 1).</param>
    /// <param name="maxCost">Largest cost of a join (&gt; 0).</param>
    /// <returns>The rows, relabelled, sorted by frame then id.</returns>
    public static List<MotRecord> Link(IReadOnlyList<MotRecord> rows, int maxGap, double maxCost)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxGap, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCost);

        var byId = new Dictionary<int, List<MotRecord>>();
        foreach (var r in rows)
        {
            if (!byId.TryGetValue(r.Id, out var list))
            {
                byId[r.Id] = list = [];
            }

            list.Add(r);
        }

        var tracks = new List<Ends>(byId.Count);
        foreach (var (id, list) in byId)
        {
            list.Sort(static (a, b) => a.Frame.CompareTo(b.Frame));
            tracks.Add(new Ends(id, list));
        }

        var pairs = new List<(double Cost, int From, int To)>();
        for (var a = 0; a < tracks.Count; a++)
        {
            for (var b = 0; b < tracks.Count; b++)
            {
                var dt = tracks[b].First.Frame - tracks[a].Last.Frame;
                if (a == b || dt < 2 || dt > maxGap + 1)
                {
                    continue;
                }

                var cost = Cost(tracks[a], tracks[b], dt);
                if (cost <= maxCost)
                {
                    pairs.Add((cost, a, b));
                }
            }
        }

        pairs.Sort(static (x, y) => x.Cost.CompareTo(y.Cost));
        var next = new int[tracks.Count];
        var previous = new int[tracks.Count];
        Array.Fill(next, -1);
        Array.Fill(previous, -1);
        foreach (var (_, from, to) in pairs)
        {
            if (next[from] < 0 && previous[to] < 0)
            {
                next[from] = to;
                previous[to] = from;
            }
        }

        var label = new Dictionary<int, int>(tracks.Count);
        for (var t = 0; t < tracks.Count; t++)
        {
            if (previous[t] >= 0)
            {
                continue;
            }

            for (var c = t; c >= 0; c = next[c])
            {
                label[tracks[c].Id] = tracks[t].Id;
            }
        }

        var result = new List<MotRecord>(rows.Count);
        foreach (var r in rows)
        {
            result.Add(r with { Id = label[r.Id] });
        }

        result.Sort(static (a, b) => a.Frame != b.Frame ? a.Frame.CompareTo(b.Frame) : a.Id.CompareTo(b.Id));
        return result;
    }

    private static double Cost(Ends a, Ends b, int dt)
    {
        var (ax, ay) = Centre(a.Last);
        var (bx, by) = Centre(b.First);
        var forward = Math.Sqrt(Square(ax + (a.EndVx * dt) - bx) + Square(ay + (a.EndVy * dt) - by));
        var backward = Math.Sqrt(Square(bx - (b.StartVx * dt) - ax) + Square(by - (b.StartVy * dt) - ay));
        var height = (a.Last.Height + b.First.Height) / 2;
        return ((forward + backward) / 2 / Math.Max(height, 1)) + Math.Abs(Math.Log(Math.Max(a.Last.Height, 1) / Math.Max(b.First.Height, 1)));
    }

    private static (double X, double Y) Centre(MotRecord r) => (r.X + (r.Width / 2), r.Y + (r.Height / 2));

    private static double Square(double v) => v * v;

    /// <summary>A track's first and last rows and its velocity (pixels a frame) over the frames next to each.</summary>
    private sealed class Ends
    {
        public Ends(int id, List<MotRecord> rows)
        {
            Id = id;
            First = rows[0];
            Last = rows[^1];
            (StartVx, StartVy) = Velocity(rows[0], rows[Math.Min(VelocityFrames, rows.Count - 1)]);
            (EndVx, EndVy) = Velocity(rows[Math.Max(0, rows.Count - 1 - VelocityFrames)], rows[^1]);
        }

        public int Id { get; }

        public MotRecord First { get; }

        public MotRecord Last { get; }

        public double StartVx { get; }

        public double StartVy { get; }

        public double EndVx { get; }

        public double EndVy { get; }

        private static (double, double) Velocity(MotRecord from, MotRecord to)
        {
            var frames = to.Frame - from.Frame;
            if (frames <= 0)
            {
                return (0, 0);
            }

            var (fx, fy) = Centre(from);
            var (tx, ty) = Centre(to);
            return ((tx - fx) / frames, (ty - fy) / frames);
        }
    }
}
