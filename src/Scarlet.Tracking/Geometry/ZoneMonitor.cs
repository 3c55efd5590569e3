using Scarlet.Vision;

namespace Scarlet.Tracking.Geometry;

/// <summary>What happened between a track and a zone.</summary>
public enum ZoneEventKind
{
    /// <summary>The track's foot point entered the zone.</summary>
    Entered,

    /// <summary>The track left the zone (or ended inside it); <see cref="ZoneEvent.Dwell"/> holds the time spent.</summary>
    Exited,
}

/// <summary>A zone entry or exit.</summary>
/// <param name="CameraId">The camera.</param>
/// <param name="Zone">The zone name.</param>
/// <param name="TrackId">The track.</param>
/// <param name="Kind">Entry or exit.</param>
/// <param name="Timestamp">When it happened.</param>
/// <param name="Dwell">Time inside the zone (zero for entries).</param>
public readonly record struct ZoneEvent(string CameraId, string Zone, int TrackId, ZoneEventKind Kind, DateTimeOffset Timestamp, TimeSpan Dwell);

/// <summary>Something a <see cref="ZoneMonitor"/> follows: an id and its foot point, in the zones' coordinates.</summary>
/// <param name="Id">The track (or person) id.</param>
/// <param name="Foot">The foot point (see <see cref="Zone.FootPoint"/>).</param>
public readonly record struct ZoneSubject(int Id, PointF Foot);

/// <summary>A track inside a zone now (a stay within its exit grace included).</summary>
/// <param name="Zone">The zone name.</param>
/// <param name="TrackId">The track.</param>
/// <param name="Since">When the stay began.</param>
public readonly record struct ZoneOccupant(string Zone, int TrackId, DateTimeOffset Since);

/// <summary>
/// Zone entries, exits, dwell time per track and live occupancy for one camera. Time comes from the caller (frame
/// timestamps) or from a <see cref="TimeProvider"/>. Not thread-safe: one instance per camera.
/// </summary>
/// <remarks>
/// A stay ends only after the track has been outside the zone, or unreported, for the exit grace: a detection missed
/// for a frame or two, or a foot point jittering on the zone's edge, must not split one visit into several (each
/// split would count an extra entry and cut the dwell). The exit is stamped with the first frame the track was no
/// longer seen inside, so the dwell does not include the grace.
/// </remarks>
public sealed class ZoneMonitor
{
    private readonly Zone[] _zones;
    private readonly Dictionary<(int Zone, int Track), Stay> _inside = [];
    private readonly TimeProvider _time;
    private readonly HashSet<int> _seen = [];
    private readonly List<(int Zone, int Track)> _ended = [];

    /// <summary>Creates a monitor.</summary>
    /// <param name="cameraId">The camera id written into events.</param>
    /// <param name="zones">The zones.</param>
    /// <param name="timeProvider">Clock used by <see cref="Update(IReadOnlyList{Track})"/>; the system clock when null.</param>
    /// <param name="exitGrace">
    /// How long a track must stay outside (or unreported) before its stay ends; <see langword="null"/> means
    /// <see cref="DefaultExitGrace"/>, <see cref="TimeSpan.Zero"/> ends a stay on the first frame outside.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="exitGrace"/> is negative.</exception>
    public ZoneMonitor(string cameraId, IReadOnlyList<Zone> zones, TimeProvider? timeProvider = null, TimeSpan? exitGrace = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cameraId);
        ArgumentNullException.ThrowIfNull(zones);
        var grace = exitGrace ?? DefaultExitGrace;
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero, nameof(exitGrace));
        CameraId = cameraId;
        _zones = [.. zones];
        _time = timeProvider ?? TimeProvider.System;
        ExitGrace = grace;
    }

    /// <summary>The default exit grace: one second (about ten frames at store-camera rates).</summary>
    public static readonly TimeSpan DefaultExitGrace = TimeSpan.FromSeconds(1);

    /// <summary>Gets the camera id.</summary>
    public string CameraId { get; }

    /// <summary>Gets how long a track must be outside or unreported before its stay ends.</summary>
    public TimeSpan ExitGrace { get; }

    /// <summary>Number of tracks currently in a zone (a stay within its exit grace still counts).</summary>
    /// <param name="zoneName">The zone name.</param>
    /// <returns>The occupancy.</returns>
    public int Occupancy(string zoneName)
    {
        var index = Array.FindIndex(_zones, z => z.Name == zoneName);
        if (index < 0)
        {
            throw new ArgumentException($"Unknown zone '{zoneName}'.", nameof(zoneName));
        }

        var n = 0;
        foreach (var key in _inside.Keys)
        {
            if (key.Zone == index)
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>Feeds one frame's reported tracks, stamped with the clock's current time.</summary>
    /// <param name="tracks">The tracks reported for the frame; tracks absent from it count as outside every zone.</param>
    /// <returns>The events of this frame.</returns>
    public IReadOnlyList<ZoneEvent> Update(IReadOnlyList<Track> tracks) => Update(tracks, _time.GetUtcNow());

    /// <summary>Feeds one frame's reported tracks with the frame's timestamp.</summary>
    /// <param name="tracks">The tracks reported for the frame; tracks absent from it count as outside every zone.</param>
    /// <param name="timestamp">The frame time.</param>
    /// <returns>The events of this frame.</returns>
    public IReadOnlyList<ZoneEvent> Update(IReadOnlyList<Track> tracks, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        return Update(tracks, static t => new ZoneSubject(t.Id, Zone.FootPoint(t.Box)), timestamp);
    }

    /// <summary>Feeds one frame's subjects (ids with foot points) with the frame's timestamp.</summary>
    /// <param name="subjects">The subjects seen in the frame; those absent count as outside every zone.</param>
    /// <param name="timestamp">The frame time.</param>
    /// <returns>The events of this frame.</returns>
    public IReadOnlyList<ZoneEvent> UpdateSubjects(IReadOnlyList<ZoneSubject> subjects, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        return Update(subjects, static s => s, timestamp);
    }

    /// <summary>The tracks inside each zone now, with when their stay began.</summary>
    /// <param name="into">Cleared, then filled (ordered by zone, then track).</param>
    public void CopyOccupants(List<ZoneOccupant> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        into.Clear();
        foreach (var (key, stay) in _inside)
        {
            into.Add(new ZoneOccupant(_zones[key.Zone].Name, key.Track, stay.Since));
        }

        into.Sort(static (a, b) => a.Zone == b.Zone ? a.TrackId.CompareTo(b.TrackId) : string.CompareOrdinal(a.Zone, b.Zone));
    }

    private List<ZoneEvent> Update<T>(IReadOnlyList<T> items, Func<T, ZoneSubject> subjectOf, DateTimeOffset timestamp)
    {
        var events = new List<ZoneEvent>();
        _seen.Clear();
        foreach (var item in items)
        {
            var t = subjectOf(item);
            _seen.Add(t.Id);
            var foot = t.Foot;
            for (var z = 0; z < _zones.Length; z++)
            {
                var key = (z, t.Id);
                _inside.TryGetValue(key, out var stay);
                if (_zones[z].Contains(foot))
                {
                    if (stay is null)
                    {
                        _inside[key] = new Stay(timestamp);
                        events.Add(new ZoneEvent(CameraId, _zones[z].Name, t.Id, ZoneEventKind.Entered, timestamp, TimeSpan.Zero));
                    }
                    else
                    {
                        stay.LastInside = timestamp;
                        stay.LeftAt = null;
                    }
                }
                else if (stay is not null)
                {
                    stay.LeftAt ??= timestamp;
                }
            }
        }

        // Unreported tracks are outside; stays outside for the grace end, stamped when they were first outside.
        _ended.Clear();
        foreach (var (key, stay) in _inside)
        {
            if (!_seen.Contains(key.Track))
            {
                stay.LeftAt ??= timestamp;
            }

            if (stay.LeftAt is { } left && timestamp - stay.LastInside >= ExitGrace)
            {
                _ended.Add(key);
                events.Add(new ZoneEvent(CameraId, _zones[key.Zone].Name, key.Track, ZoneEventKind.Exited, left, left - stay.Since));
            }
        }

        foreach (var key in _ended)
        {
            _inside.Remove(key);
        }

        return events;
    }

    private sealed class Stay(DateTimeOffset since)
    {
        public DateTimeOffset Since { get; } = since;

        public DateTimeOffset LastInside { get; set; } = since;

        public DateTimeOffset? LeftAt { get; set; }
    }
}
