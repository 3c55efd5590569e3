using System.Globalization;
using Scarlet.Vision;

namespace Scarlet.Tracking.Identity;

/// <summary>A position of a person: camera, time, image foot point and floor-plan point (when the camera has a homography).</summary>
/// <param name="CameraId">The camera.</param>
/// <param name="Timestamp">The frame time.</param>
/// <param name="Image">The foot point (bottom centre of the box) in image pixels.</param>
/// <param name="Floor">The foot point on the floor plan, or null when the camera has no homography.</param>
public readonly record struct PersonPosition(string CameraId, DateTimeOffset Timestamp, PointF Image, PointF? Floor);

/// <summary>A snapshot of what is known about one person.</summary>
/// <param name="PersonId">The person id (<see cref="IdentityTracker.PersonIdOf"/> of the global id for camera pipelines; an external id for persons reported by other trackers).</param>
/// <param name="GlobalId">The global person id (from <see cref="CrossCamera.CrossCameraResolver"/>), or null for an external person.</param>
/// <param name="CustomerId">The customer (gallery identity) when known.</param>
/// <param name="FirstSeen">When the person was first seen.</param>
/// <param name="LastSeen">When the person was last seen.</param>
/// <param name="Cameras">The cameras that saw the person, in order of first sighting.</param>
/// <param name="LastPosition">The latest position.</param>
/// <param name="Trail">Recent positions, oldest first (bounded by <see cref="IdentityTracker.TrailLength"/>).</param>
/// <param name="LastConfirmed">When a live track last had a confirmed detection of the person, or null when never.</param>
public sealed record PersonRecord(
    string PersonId,
    int? GlobalId,
    string? CustomerId,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    IReadOnlyList<string> Cameras,
    PersonPosition LastPosition,
    IReadOnlyList<PersonPosition> Trail,
    DateTimeOffset? LastConfirmed);

/// <summary>
/// The one live "who is here" registry: per person, the customer id when known, first and last sighting, the cameras,
/// a bounded trail of image and floor-plan positions, and which cameras' live tracks back the person now. A person is
/// <em>present</em> while a live track with a confirmed detection within <see cref="IdentityTrackerOptions.PresenceWindow"/>
/// backs them; a track that ends (<see cref="Leave"/>) or a camera that stops (<see cref="LeaveCamera"/>) stops backing
/// at once. People not seen for <see cref="IdentityTrackerOptions.Retention"/> are forgotten by <see cref="Prune"/>
/// (hosts: the pruner that <c>AddCameraPipelines</c> registers). Thread-safe (camera pipelines report concurrently).
/// </summary>
public sealed class IdentityTracker
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _people = new(StringComparer.Ordinal);
    private readonly IdentityTrackerOptions _options;

    /// <summary>Creates a tracker.</summary>
    /// <param name="retention">How long a person not seen is kept (default 30 minutes).</param>
    /// <param name="trailLength">How many positions are kept per person (default 200).</param>
    /// <exception cref="ArgumentOutOfRangeException">Retention not positive or trail length below 1.</exception>
    public IdentityTracker(TimeSpan? retention = null, int trailLength = 200)
    {
        var r = retention ?? TimeSpan.FromMinutes(30);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(r, TimeSpan.Zero, nameof(retention));
        ArgumentOutOfRangeException.ThrowIfLessThan(trailLength, 1);
        var defaults = new IdentityTrackerOptions();
        _options = new IdentityTrackerOptions { Retention = r, TrailLength = trailLength, PresenceWindow = r < defaults.PresenceWindow ? r : defaults.PresenceWindow };
    }

    /// <summary>Creates a tracker with the given options.</summary>
    /// <param name="options">The options.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public IdentityTracker(IdentityTrackerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid identity tracker options: " + string.Join(" ", errors), nameof(options));
        }

        _options = new IdentityTrackerOptions { Retention = options.Retention, PresenceWindow = options.PresenceWindow, TrailLength = options.TrailLength, PruneInterval = options.PruneInterval };
    }

    /// <summary>Gets how many positions are kept per person.</summary>
    public int TrailLength => _options.TrailLength;

    /// <summary>Gets how recent a confirmed detection must be for its person to be present.</summary>
    public TimeSpan PresenceWindow => _options.PresenceWindow;

    /// <summary>Gets the number of people currently kept (present or not).</summary>
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

    /// <summary>The person id of a global (cross-camera) person: <c>person-{globalId}</c>, the id hosts show.</summary>
    /// <param name="globalId">The global id.</param>
    public static string PersonIdOf(int globalId) => "person-" + globalId.ToString(CultureInfo.InvariantCulture);

    /// <summary>Records a confirmed sighting of a global person.</summary>
    /// <param name="globalId">The global person id.</param>
    /// <param name="position">Where and when.</param>
    /// <param name="customerId">The customer when known (a later null does not erase it; a different id replaces it).</param>
    /// <returns>True when this sighting resolved the person's customer (first known or changed).</returns>
    public bool Observe(int globalId, in PersonPosition position, string? customerId) =>
        Observe(PersonIdOf(globalId), globalId, position, customerId, confirmed: true);

    /// <summary>Records a sighting of a global person.</summary>
    /// <param name="globalId">The global person id.</param>
    /// <param name="position">Where and when.</param>
    /// <param name="customerId">The customer when known (a later null does not erase it; a different id replaces it).</param>
    /// <param name="confirmed">Whether the sighting is a confirmed detection on a live track (see <see cref="Observe(string, in PersonPosition, string?, bool)"/>).</param>
    /// <returns>True when this sighting resolved the person's customer (first known or changed).</returns>
    public bool Observe(int globalId, in PersonPosition position, string? customerId, bool confirmed) =>
        Observe(PersonIdOf(globalId), globalId, position, customerId, confirmed);

    /// <summary>Records a sighting of a person.</summary>
    /// <param name="personId">The person id (a global person's <see cref="PersonIdOf"/>, or an external tracker's id).</param>
    /// <param name="position">Where and when.</param>
    /// <param name="customerId">The customer when known (a later null does not erase it; a different id replaces it).</param>
    /// <param name="confirmed">
    /// Whether the sighting is a confirmed detection on a live track (a high-score detection matched this frame), which
    /// keeps the person present; otherwise (a weak or carried detection) it only moves the trail.
    /// </param>
    /// <returns>True when this sighting resolved the person's customer (first known or changed).</returns>
    public bool Observe(string personId, in PersonPosition position, string? customerId, bool confirmed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(personId);
        return Observe(personId, null, position, customerId, confirmed);
    }

    /// <summary>A camera's track of the person ended: that camera no longer backs the person's presence.</summary>
    /// <param name="personId">The person id.</param>
    /// <param name="cameraId">The camera.</param>
    public void Leave(string personId, string cameraId)
    {
        ArgumentNullException.ThrowIfNull(personId);
        ArgumentNullException.ThrowIfNull(cameraId);
        lock (_gate)
        {
            if (_people.TryGetValue(personId, out var e))
            {
                e.Backing.Remove(cameraId);
            }
        }
    }

    /// <summary>A camera stopped: it no longer backs anyone's presence.</summary>
    /// <param name="cameraId">The camera.</param>
    public void LeaveCamera(string cameraId)
    {
        ArgumentNullException.ThrowIfNull(cameraId);
        lock (_gate)
        {
            foreach (var e in _people.Values)
            {
                e.Backing.Remove(cameraId);
            }
        }
    }

    /// <summary>Gets a global person's record.</summary>
    public bool TryGet(int globalId, out PersonRecord? record) => TryGet(PersonIdOf(globalId), out record);

    /// <summary>Gets a person's record.</summary>
    public bool TryGet(string personId, out PersonRecord? record)
    {
        ArgumentNullException.ThrowIfNull(personId);
        lock (_gate)
        {
            record = _people.TryGetValue(personId, out var e) ? e.Snapshot() : null;
            return record is not null;
        }
    }

    /// <summary>Returns every person kept, by first sighting.</summary>
    public IReadOnlyList<PersonRecord> Snapshot() => Select(null);

    /// <summary>
    /// Returns the people present at <paramref name="now"/>: backed by a live track (not ended, camera not stopped) whose
    /// last confirmed detection is within <see cref="IdentityTrackerOptions.PresenceWindow"/>; by first sighting.
    /// </summary>
    /// <param name="now">The current time (on the clock of the frames' timestamps).</param>
    public IReadOnlyList<PersonRecord> Present(DateTimeOffset now) => Select(now - _options.PresenceWindow);

    /// <summary>Forgets people not seen since <paramref name="now"/> minus the retention.</summary>
    /// <returns>The number of people forgotten.</returns>
    public int Prune(DateTimeOffset now)
    {
        lock (_gate)
        {
            var removed = 0;
            foreach (var (id, e) in _people)
            {
                if (now - e.LastSeen > _options.Retention)
                {
                    _people.Remove(id);
                    removed++;
                }
            }

            return removed;
        }
    }

    private bool Observe(string personId, int? globalId, in PersonPosition position, string? customerId, bool confirmed)
    {
        ArgumentNullException.ThrowIfNull(position.CameraId);
        lock (_gate)
        {
            if (!_people.TryGetValue(personId, out var e))
            {
                e = new Entry(personId, globalId, position.Timestamp);
                _people[personId] = e;
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

            if (confirmed && (!e.Backing.TryGetValue(position.CameraId, out var last) || position.Timestamp > last))
            {
                e.Backing[position.CameraId] = position.Timestamp;
                if (e.LastConfirmed is not { } c || position.Timestamp > c)
                {
                    e.LastConfirmed = position.Timestamp;
                }
            }

            e.Last = position;
            e.Trail.Enqueue(position);
            while (e.Trail.Count > _options.TrailLength)
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

    private List<PersonRecord> Select(DateTimeOffset? confirmedSince)
    {
        lock (_gate)
        {
            var list = new List<PersonRecord>(_people.Count);
            foreach (var e in _people.Values)
            {
                if (confirmedSince is not { } since || e.IsBackedSince(since))
                {
                    list.Add(e.Snapshot());
                }
            }

            list.Sort(static (a, b) => a.FirstSeen != b.FirstSeen ? a.FirstSeen.CompareTo(b.FirstSeen) : string.CompareOrdinal(a.PersonId, b.PersonId));
            return list;
        }
    }

    private sealed class Entry(string id, int? globalId, DateTimeOffset first)
    {
        public string Id { get; } = id;

        public int? GlobalId { get; } = globalId;

        public string? CustomerId { get; set; }

        public DateTimeOffset FirstSeen { get; set; } = first;

        public DateTimeOffset LastSeen { get; set; } = first;

        public DateTimeOffset? LastConfirmed { get; set; }

        public List<string> Cameras { get; } = [];

        // Camera → time of the last confirmed detection on that camera's live track of this person.
        public Dictionary<string, DateTimeOffset> Backing { get; } = new(StringComparer.Ordinal);

        public PersonPosition Last { get; set; }

        public Queue<PersonPosition> Trail { get; } = new();

        public bool IsBackedSince(DateTimeOffset since)
        {
            foreach (var t in Backing.Values)
            {
                if (t >= since)
                {
                    return true;
                }
            }

            return false;
        }

        public PersonRecord Snapshot() => new(Id, GlobalId, CustomerId, FirstSeen, LastSeen, [.. Cameras], Last, [.. Trail], LastConfirmed);
    }
}
