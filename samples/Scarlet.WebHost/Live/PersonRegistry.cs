using System.Collections.Concurrent;

namespace Scarlet.WebHost.Live;

/// <summary>One position of a person (the seed's identity-tracker shape).</summary>
internal sealed record PersonPosition(DateTimeOffset Timestamp, string CameraId, float X, float Y);

/// <summary>What is known about one tracked person (global id) of one organisation.</summary>
internal sealed class PersonTrack(string organizationId, string personId, DateTimeOffset firstSeen)
{
    public string OrganizationId { get; } = organizationId;

    private const int MaxPositions = 200;
    private readonly Queue<PersonPosition> _positions = new();
    private readonly HashSet<string> _cameras = new(StringComparer.Ordinal);

    public string PersonId { get; } = personId;

    public DateTimeOffset FirstSeen { get; } = firstSeen;

    public DateTimeOffset LastSeen { get; private set; } = firstSeen;

    public string? CustomerId { get; set; }

    public string? Name { get; set; }

    public string? LoyaltyStatus { get; set; }

    public float IdentificationConfidence { get; set; }

    public bool Exited { get; set; }

    public void Add(PersonPosition p)
    {
        lock (_positions)
        {
            _positions.Enqueue(p);
            while (_positions.Count > MaxPositions)
            {
                _positions.Dequeue();
            }

            _cameras.Add(p.CameraId);
            if (p.Timestamp > LastSeen)
            {
                LastSeen = p.Timestamp;
            }
        }
    }

    public (IReadOnlyList<string> Cameras, IReadOnlyList<PersonPosition> Positions) Snapshot()
    {
        lock (_positions)
        {
            return ([.. _cameras.Order(StringComparer.Ordinal)], [.. _positions]);
        }
    }
}

/// <summary>
/// Persons seen by the cameras (and posted to <c>POST /track</c>), per organisation (the same person id in two
/// organisations is two persons), kept in memory for a while after they leave.
/// </summary>
internal sealed class PersonRegistry(TimeProvider time)
{
    private static readonly TimeSpan s_keep = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<(string Org, string Person), PersonTrack> _persons = new();

    public PersonTrack Touch(string organizationId, string personId, string cameraId, float x, float y, DateTimeOffset at)
    {
        var p = _persons.GetOrAdd((organizationId, personId), k => new PersonTrack(k.Org, k.Person, at));
        p.Add(new PersonPosition(at, cameraId, x, y));
        p.Exited = false;
        return p;
    }

    public PersonTrack? Get(string organizationId, string personId) => _persons.GetValueOrDefault((organizationId, personId));

    public IReadOnlyList<PersonTrack> Present(string organizationId) =>
        [.. _persons.Values.Where(p => !p.Exited && p.OrganizationId == organizationId).OrderBy(p => p.FirstSeen)];

    public void Sweep()
    {
        var cutoff = time.GetUtcNow() - s_keep;
        foreach (var (k, v) in _persons)
        {
            if (v.LastSeen < cutoff)
            {
                _persons.TryRemove(k, out _);
            }
        }
    }
}
