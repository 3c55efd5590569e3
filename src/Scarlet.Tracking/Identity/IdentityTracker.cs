using Scarlet.Vision;

namespace Scarlet.Tracking.Identity;

/// <summary>A position of a person: camera, time, image foot point and floor-plan point (when the camera has a homography).</summary>
/// <param name="CameraId">The camera.</param>
/// <param name="Timestamp">The frame time.</param>
/// <param name="Image">The foot point (bottom centre of the box) in image pixels.</param>
/// <param name="Floor">The foot point on the floor plan, or null when the camera has no homography.</param>
public readonly record struct PersonPosition(string CameraId, DateTimeOffset Timestamp, PointF Image, PointF? Floor);

/// <summary>A snapshot of what is known about one global person.</summary>
/// <param name="GlobalId">The global person id (from <see cref="CrossCamera.CrossCameraResolver"/>).</param>
/// <param name="CustomerId">The customer (gallery identity) when known.</param>
/// <param name="FirstSeen">When the person was first seen.</param>
/// <param name="LastSeen">When the person was last seen.</param>
/// <param name="Cameras">The cameras that saw the person, in order of first sighting.</param>
/// <param name="LastPosition">The latest position.</param>
/// <param name="Trail">Recent positions, oldest first (bounded by <see cref="IdentityTracker.TrailLength"/>).</param>
public sealed record PersonRecord(
    int GlobalId,
    string? CustomerId,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    IReadOnlyList<string> Cameras,
    PersonPosition LastPosition,
    IReadOnlyList<PersonPosition> Trail);

/// <summary>
/// Keeps, per global person, the customer id when known, first and last sighting, the cameras and a bounded trail of
/// image and floor-plan positions. Thread-safe (camera pipelines report concurrently).
/// </summary>
public sealed class IdentityTracker
{
    private readonly object _gate = new();
    private readonly Dictionary<int, Entry> _people = [];
    private readonly TimeSpan _retention;

    /// <summary>Creates a tracker.</summary>
    /// <param name="retention">How long a person not seen is kept (default 30 minutes).</param>
    /// <param name="trailLength">How many positions are kept per person (default 200).</param>
    /// <exception cref="ArgumentOutOfRangeException">Retention not positive or trail length below 1.</exception>
    public IdentityTracker(TimeSpan? retention = null, int trailLength = 200)
    {
        _retention = retention ?? TimeSpan.FromMinutes(30);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_retention, TimeSpan.Zero, nameof(retention));
        ArgumentOutOfRangeException.ThrowIfLessThan(trailLength, 1);
        TrailLength = trailLength;
    }

    /// <summary>Gets how many positions are kept per person.</summary>
    public int TrailLength { get; }

    /// <summary>Gets the number of people currently kept.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _people.Count;
            }
        }
    }

    /// <summary>Records a sighting.</summary>
    /// <param name="globalId">The global person id.</param>
    /// <param name="position">Where and when.</param>
    /// <param name="customerId">The customer when known (a later null does not erase it; a different id replaces it).</param>
    /// <returns>True when this sighting resolved the person's customer (first known or changed).</returns>
    public bool Observe(int globalId, in PersonPosition position, string? customerId)
    {
        ArgumentNullException.ThrowIfNull(position.CameraId);
        lock (_gate)
        {
            if (!_people.TryGetValue(globalId, out var e))
            {
                e = new Entry(globalId, position.Timestamp);
                _people[globalId] = e;
            }

            if (position.Timestamp > e.LastSeen)
            {
                e.LastSeen = position.Timestamp;
            }

            if (position.Timestamp < e.FirstSeen)
            {
                e.FirstSeen = position.Timestamp;
            }

            if (!e.Cameras.Contains(position.CameraId))
            {
                e.Cameras.Add(position.CameraId);
            }

            e.Last = position;
            e.Trail.Enqueue(position);
            while (e.Trail.Count > TrailLength)
            {
                e.Trail.Dequeue();
            }

            if (customerId is not null && !string.Equals(customerId, e.CustomerId, StringComparison.Ordinal))
            {
                e.CustomerId = customerId;
                return true;
            }

            return false;
        }
    }

    /// <summary>Gets a person's record.</summary>
    public bool TryGet(int globalId, out PersonRecord? record)
    {
        lock (_gate)
        {
            record = _people.TryGetValue(globalId, out var e) ? e.Snapshot() : null;
            return record is not null;
        }
    }

    /// <summary>Returns every person kept, by global id.</summary>
    public IReadOnlyList<PersonRecord> Snapshot()
    {
        lock (_gate)
        {
            var list = new List<PersonRecord>(_people.Count);
            foreach (var e in _people.Values)
            {
                list.Add(e.Snapshot());
            }

            list.Sort((a, b) => a.GlobalId.CompareTo(b.GlobalId));
            return list;
        }
    }

    /// <summary>Forgets people not seen since <paramref name="now"/> minus the retention.</summary>
    /// <returns>The number of people forgotten.</returns>
    public int Prune(DateTimeOffset now)
    {
        lock (_gate)
        {
            var removed = 0;
            foreach (var id in _people.Keys.ToArray())
            {
                if (now - _people[id].LastSeen > _retention)
                {
                    _people.Remove(id);
                    removed++;
                }
            }

            return removed;
        }
    }

    private sealed class Entry(int id, DateTimeOffset first)
    {
        public int Id { get; } = id;

        public string? CustomerId { get; set; }

        public DateTimeOffset FirstSeen { get; set; } = first;

        public DateTimeOffset LastSeen { get; set; } = first;

        public List<string> Cameras { get; } = [];

        public PersonPosition Last { get; set; }

        public Queue<PersonPosition> Trail { get; } = new();

        public PersonRecord Snapshot() => new(Id, CustomerId, FirstSeen, LastSeen, [.. Cameras], Last, [.. Trail]);
    }
}
