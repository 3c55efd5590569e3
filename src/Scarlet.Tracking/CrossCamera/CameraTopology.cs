namespace Scarlet.Tracking.CrossCamera;

/// <summary>
/// Which cameras see the same floor at once (overlapping pairs may show one person simultaneously) and the minimum
/// walking time between cameras that do not overlap (a person cannot be in two of them at once).
/// </summary>
/// <remarks>Configure before use; reads are thread-safe once configuration is done.</remarks>
public sealed class CameraTopology
{
    private readonly HashSet<(string, string)> _overlaps = [];
    private readonly Dictionary<(string, string), TimeSpan> _transit = [];

    /// <summary>Gets or sets the minimum transit time between non-overlapping cameras without an explicit entry (default 0).</summary>
    public TimeSpan DefaultTransitTime { get; set; } = TimeSpan.Zero;

    /// <summary>Declares that two cameras overlap (symmetric).</summary>
    /// <exception cref="ArgumentException">An id is empty or both ids are the same.</exception>
    public CameraTopology AddOverlap(string cameraA, string cameraB)
    {
        var key = Key(cameraA, cameraB);
        _overlaps.Add(key);
        return this;
    }

    /// <summary>Sets the minimum time to walk between two non-overlapping cameras (symmetric).</summary>
    /// <exception cref="ArgumentException">An id is empty or both ids are the same.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The time is negative.</exception>
    public CameraTopology SetTransitTime(string cameraA, string cameraB, TimeSpan minimum)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minimum, TimeSpan.Zero);
        _transit[Key(cameraA, cameraB)] = minimum;
        return this;
    }

    /// <summary>Gets whether two cameras overlap (a camera overlaps itself only in the sense of one track at a time: false).</summary>
    public bool Overlaps(string cameraA, string cameraB) =>
        !string.Equals(cameraA, cameraB, StringComparison.Ordinal) && _overlaps.Contains(Order(cameraA, cameraB));

    /// <summary>Gets the minimum transit time between two different cameras (zero for overlapping ones).</summary>
    public TimeSpan MinTransitTime(string cameraA, string cameraB)
    {
        if (Overlaps(cameraA, cameraB))
        {
            return TimeSpan.Zero;
        }

        return _transit.TryGetValue(Order(cameraA, cameraB), out var t) ? t : DefaultTransitTime;
    }

    private static (string, string) Key(string a, string b)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(a);
        ArgumentException.ThrowIfNullOrWhiteSpace(b);
        if (string.Equals(a, b, StringComparison.Ordinal))
        {
            throw new ArgumentException($"A camera pair needs two different cameras; got '{a}' twice.", nameof(b));
        }

        return Order(a, b);
    }

    private static (string, string) Order(string a, string b) => string.CompareOrdinal(a, b) <= 0 ? (a, b) : (b, a);
}
