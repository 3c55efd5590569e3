using Scarlet.Vision;

namespace Scarlet.Tracking.Geometry;

/// <summary>A named polygon zone in image (or floor-plan) coordinates.</summary>
public sealed class Zone
{
    private readonly PointF[] _vertices;

    /// <summary>Creates a zone.</summary>
    /// <param name="name">The zone name (used in events).</param>
    /// <param name="vertices">At least three vertices, in order (either winding).</param>
    /// <exception cref="ArgumentException">Fewer than three vertices, a non-finite vertex, or zero area.</exception>
    public Zone(string name, IReadOnlyList<PointF> vertices)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(vertices);
        if (vertices.Count < 3)
        {
            throw new ArgumentException("A zone needs at least three vertices.", nameof(vertices));
        }

        _vertices = [.. vertices];
        double area2 = 0;
        for (var i = 0; i < _vertices.Length; i++)
        {
            var a = _vertices[i];
            var b = _vertices[(i + 1) % _vertices.Length];
            if (!float.IsFinite(a.X) || !float.IsFinite(a.Y))
            {
                throw new ArgumentException($"Vertex {i} is not finite.", nameof(vertices));
            }

            area2 += ((double)a.X * b.Y) - ((double)b.X * a.Y);
        }

        if (Math.Abs(area2) < 1e-9)
        {
            throw new ArgumentException("The zone polygon has zero area.", nameof(vertices));
        }

        Name = name;
        Area = Math.Abs(area2) / 2;
    }

    /// <summary>Gets the zone name.</summary>
    public string Name { get; }

    /// <summary>Gets the polygon area.</summary>
    public double Area { get; }

    /// <summary>Gets the vertices.</summary>
    public IReadOnlyList<PointF> Vertices => _vertices;

    /// <summary>Whether a point lies inside the polygon (even-odd rule; points on an edge may go either way).</summary>
    /// <param name="p">The point.</param>
    /// <returns>True when inside.</returns>
    public bool Contains(PointF p)
    {
        var inside = false;
        for (int i = 0, j = _vertices.Length - 1; i < _vertices.Length; j = i++)
        {
            var a = _vertices[i];
            var b = _vertices[j];
            if ((a.Y > p.Y) != (b.Y > p.Y) && p.X < ((b.X - a.X) * (p.Y - a.Y) / (b.Y - a.Y)) + a.X)
            {
                inside = !inside;
            }
        }

        return inside;
    }

    /// <summary>The point of a person box that stands for its position on the floor: the bottom centre.</summary>
    /// <param name="box">The box.</param>
    /// <returns>The foot point.</returns>
    public static PointF FootPoint(BoundingBox box) => new(box.CenterX, box.Bottom);
}
