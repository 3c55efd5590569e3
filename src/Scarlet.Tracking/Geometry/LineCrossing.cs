using Scarlet.Vision;

namespace Scarlet.Tracking.Geometry;

/// <summary>Which way a track crossed a <see cref="LineCrossing"/>.</summary>
public enum CrossingDirection
{
    /// <summary>From the right-hand side of A→B to the left-hand side (image coordinates, y down).</summary>
    In,

    /// <summary>From the left-hand side of A→B to the right-hand side.</summary>
    Out,
}

/// <summary>One crossing of a counting line by a track.</summary>
/// <param name="Line">The line name.</param>
/// <param name="TrackId">The track.</param>
/// <param name="Direction">The direction.</param>
/// <param name="Timestamp">When it happened.</param>
public readonly record struct LineCrossingEvent(string Line, int TrackId, CrossingDirection Direction, DateTimeOffset Timestamp);

/// <summary>
/// Counts tracks crossing the segment A→B, in and out. A crossing is the track's foot point changing side while its
/// step intersects the segment. Not thread-safe: one instance per camera.
/// </summary>
public sealed class LineCrossing
{
    private readonly Dictionary<int, PointF> _last = [];

    /// <summary>Creates a counting line.</summary>
    /// <param name="name">The line name.</param>
    /// <param name="a">First end.</param>
    /// <param name="b">Second end.</param>
    /// <exception cref="ArgumentException">The ends coincide.</exception>
    public LineCrossing(string name, PointF a, PointF b)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (a == b)
        {
            throw new ArgumentException("The line ends must differ.", nameof(b));
        }

        Name = name;
        A = a;
        B = b;
    }

    /// <summary>Gets the line name.</summary>
    public string Name { get; }

    /// <summary>Gets the first end.</summary>
    public PointF A { get; }

    /// <summary>Gets the second end.</summary>
    public PointF B { get; }

    /// <summary>Gets the number of inward crossings so far.</summary>
    public int InCount { get; private set; }

    /// <summary>Gets the number of outward crossings so far.</summary>
    public int OutCount { get; private set; }

    /// <summary>Feeds one frame's tracks; returns the crossings it caused.</summary>
    /// <param name="tracks">The tracks reported for the frame.</param>
    /// <param name="timestamp">The frame time.</param>
    /// <returns>The crossings (empty list when none).</returns>
    public IReadOnlyList<LineCrossingEvent> Update(IReadOnlyList<Track> tracks, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        List<LineCrossingEvent>? events = null;
        foreach (var t in tracks)
        {
            var p = Zone.FootPoint(t.Box);
            if (_last.TryGetValue(t.Id, out var q) && Intersects(q, p))
            {
                var before = Side(q);
                var after = Side(p);
                if (before != after && before != 0 && after != 0)
                {
                    // y grows downwards, so a negative cross product is the left-hand side on screen.
                    var dir = after < 0 ? CrossingDirection.In : CrossingDirection.Out;
                    if (dir == CrossingDirection.In)
                    {
                        InCount++;
                    }
                    else
                    {
                        OutCount++;
                    }

                    (events ??= []).Add(new LineCrossingEvent(Name, t.Id, dir, timestamp));
                }
            }

            _last[t.Id] = p;
        }

        return events ?? (IReadOnlyList<LineCrossingEvent>)[];
    }

    /// <summary>Forgets a track (call when it is removed).</summary>
    /// <param name="trackId">The track id.</param>
    public void Forget(int trackId) => _last.Remove(trackId);

    private int Side(PointF p)
    {
        var cross = ((double)(B.X - A.X) * (p.Y - A.Y)) - ((double)(B.Y - A.Y) * (p.X - A.X));
        return Math.Sign(cross);
    }

    private bool Intersects(PointF p, PointF q)
    {
        static double Cross(PointF o, PointF a, PointF b) => ((double)(a.X - o.X) * (b.Y - o.Y)) - ((double)(a.Y - o.Y) * (b.X - o.X));
        var d1 = Cross(p, q, A);
        var d2 = Cross(p, q, B);
        var d3 = Cross(A, B, p);
        var d4 = Cross(A, B, q);
        return ((d1 > 0) != (d2 > 0)) && ((d3 > 0) != (d4 > 0));
    }
}
