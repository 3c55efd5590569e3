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

/// <summary>
/// Zone entries, exits, dwell time per track and live occupancy for one camera. Time comes from the caller (frame
/// timestamps) or from a <see cref="TimeProvider"/>. Not thread-safe: one instance per camera.
/// </summary>
public sealed class ZoneMonitor
{
    private readonly Zone[] _zones;
    private readonly Dictionary<(int Zone, int Track), DateTimeOffset> _inside = [];
    private readonly TimeProvider _time;
    private readonly HashSet<int> _seen = [];

    /// <summary>Creates a monitor.</summary>
    /// <param name="cameraId">The camera id written into events.</param>
    /// <param name="zones">The zones.</param>
    /// <param name="timeProvider">Clock used by <see cref="Update(IReadOnlyList{Track})"/>; the system clock when null.</param>
    public ZoneMonitor(string cameraId, IReadOnlyList<Zone> zones, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cameraId);
        ArgumentNullException.ThrowIfNull(zones);
        CameraId = cameraId;
        _zones = [.. zones];
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the camera id.</summary>
    public string CameraId { get; }

    /// <summary>Number of tracks currently inside a zone.</summary>
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
    /// <param name="tracks">The tracks reported for the frame; tracks absent from it are treated as gone.</param>
    /// <returns>The events of this frame.</returns>
    public IReadOnlyList<ZoneEvent> Update(IReadOnlyList<Track> tracks) => Update(tracks, _time.GetUtcNow());

    /// <summary>Feeds one frame's reported tracks with the frame's timestamp.</summary>
    /// <param name="tracks">The tracks reported for the frame; tracks absent from it are treated as gone.</param>
    /// <param name="timestamp">The frame time.</param>
    /// <returns>The events of this frame.</returns>
    public IReadOnlyList<ZoneEvent> Update(IReadOnlyList<Track> tracks, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        var events = new List<ZoneEvent>();
        _seen.Clear();
        foreach (var t in tracks)
        {
            _seen.Add(t.Id);
            var foot = Zone.FootPoint(t.Box);
            for (var z = 0; z < _zones.Length; z++)
            {
                var key = (z, t.Id);
                var wasInside = _inside.TryGetValue(key, out var since);
                var isInside = _zones[z].Contains(foot);
                if (isInside && !wasInside)
                {
                    _inside[key] = timestamp;
                    events.Add(new ZoneEvent(CameraId, _zones[z].Name, t.Id, ZoneEventKind.Entered, timestamp, TimeSpan.Zero));
                }
                else if (!isInside && wasInside)
                {
                    _inside.Remove(key);
                    events.Add(new ZoneEvent(CameraId, _zones[z].Name, t.Id, ZoneEventKind.Exited, timestamp, timestamp - since));
                }
            }
        }

        // Tracks no longer reported end their stay.
        foreach (var key in _inside.Keys.ToArray())
        {
            if (!_seen.Contains(key.Track))
            {
                var since = _inside[key];
                _inside.Remove(key);
                events.Add(new ZoneEvent(CameraId, _zones[key.Zone].Name, key.Track, ZoneEventKind.Exited, timestamp, timestamp - since));
            }
        }

        return events;
    }
}
