using System.Numerics.Tensors;
using Scarlet.Vision;

namespace Scarlet.Tracking.CrossCamera;

/// <summary>
/// Joins camera-local tracks into global persons. Evidence, strongest first: a decided face identity (a gallery match
/// is decisive: tracks of one customer are one person, tracks of two customers never are); for cameras that overlap,
/// the same floor-plan position at the same time; appearance (re-ID embedding distance). Every join respects time
/// and topology: one person has at most one track per camera at a time, cannot be in two non-overlapping cameras at
/// once, and needs the configured transit time between them.
/// </summary>
/// <remarks>
/// Global ids are stable: a track gets a new global id of its own at birth and may join an existing person only while
/// it is young (<see cref="CrossCameraOptions.JoinWindow"/>) and still alone; afterwards only a face decision or
/// repeated contradicting evidence (two customers, or two places at once) moves it, by splitting it off.
/// Thread-safe: camera pipelines call it concurrently.
/// </remarks>
public sealed class CrossCameraResolver
{
    private readonly object _gate = new();
    private readonly CrossCameraOptions _options;
    private readonly Dictionary<(string Camera, int Track), Link> _links = [];
    private readonly Dictionary<int, Person> _persons = [];
    private readonly Dictionary<string, Person> _customers = new(StringComparer.Ordinal);
    private int _nextId = 1;
    private int _calls;

    /// <summary>Creates a resolver.</summary>
    /// <param name="topology">The camera topology (null: no overlaps, no transit times).</param>
    /// <param name="options">The options (null: defaults).</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public CrossCameraResolver(CameraTopology? topology = null, CrossCameraOptions? options = null)
    {
        _options = options ?? new CrossCameraOptions();
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid cross-camera options: " + string.Join(" ", errors), nameof(options));
        }

        Topology = topology ?? new CameraTopology();
    }

    /// <summary>Gets the topology.</summary>
    public CameraTopology Topology { get; }

    /// <summary>Gets how many times a track joined an existing person.</summary>
    public int Joins { get; private set; }

    /// <summary>Gets how many of the <see cref="Joins"/> were decided by appearance alone (no face, no floor position).</summary>
    public int AppearanceJoins { get; private set; }

    /// <summary>Gets how many times a track was split off its person on contradicting evidence.</summary>
    public int Splits { get; private set; }

    /// <summary>Gets the number of persons currently kept.</summary>
    public int PersonCount
    {
        get
        {
            lock (_gate)
            {
                return _persons.Count;
            }
        }
    }

    /// <summary>Resolves one frame of one camera: the global id of each observed (confirmed) track.</summary>
    /// <param name="cameraId">The camera.</param>
    /// <param name="timestamp">The frame time (per camera non-decreasing).</param>
    /// <param name="observations">The tracks of the frame.</param>
    /// <param name="globalIds">Receives one global id per observation.</param>
    /// <exception cref="ArgumentException">The camera id is empty, or <paramref name="globalIds"/> is shorter than the observations.</exception>
    public void Resolve(string cameraId, DateTimeOffset timestamp, ReadOnlySpan<TrackObservation> observations, Span<int> globalIds)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cameraId);
        if (globalIds.Length < observations.Length)
        {
            throw new ArgumentException("One global id slot is needed per observation.", nameof(globalIds));
        }

        lock (_gate)
        {
            for (var i = 0; i < observations.Length; i++)
            {
                globalIds[i] = ResolveOne(cameraId, timestamp, observations[i]);
            }

            // One person, one track per camera and frame: a track that came back from being lost while a younger
            // track took its person over shares the id; the younger one leaves at once.
            for (var i = 0; i < observations.Length; i++)
            {
                for (var j = i + 1; j < observations.Length; j++)
                {
                    if (globalIds[i] != globalIds[j])
                    {
                        continue;
                    }

                    var a = _links[(cameraId, observations[i].TrackId)];
                    var b = _links[(cameraId, observations[j].TrackId)];
                    var younger = b.FirstSeen > a.FirstSeen || (b.FirstSeen == a.FirstSeen && b.Track > a.Track) ? b : a;
                    SplitOff(younger, timestamp);
                    globalIds[younger == a ? i : j] = younger.Person.Id;
                }
            }

            if (++_calls % 512 == 0)
            {
                Prune(timestamp);
            }
        }
    }

    /// <summary>Gets the global id a camera track currently belongs to.</summary>
    public int? GlobalIdOf(string cameraId, int trackId)
    {
        lock (_gate)
        {
            return _links.TryGetValue((cameraId, trackId), out var l) ? l.Person.Id : null;
        }
    }

    /// <summary>Gets the customer of a global person, when known.</summary>
    public string? CustomerOf(int globalId)
    {
        lock (_gate)
        {
            return _persons.TryGetValue(globalId, out var p) ? p.Customer : null;
        }
    }

    /// <summary>Forgets tracks and persons not seen within <see cref="CrossCameraOptions.MaxReappearanceGap"/> before <paramref name="now"/>.</summary>
    public void Prune(DateTimeOffset now)
    {
        lock (_gate)
        {
            var limit = now - _options.MaxReappearanceGap - _options.PresenceWindow;
            List<(string, int)>? stale = null;
            foreach (var (key, link) in _links)
            {
                if (link.LastSeen < limit)
                {
                    (stale ??= []).Add(key);
                }
            }

            if (stale is null)
            {
                return;
            }

            foreach (var key in stale)
            {
                var link = _links[key];
                _links.Remove(key);
                Detach(link);
            }
        }
    }

    private int ResolveOne(string camera, DateTimeOffset ts, in TrackObservation o)
    {
        if (!_links.TryGetValue((camera, o.TrackId), out var link))
        {
            link = new Link(camera, o.TrackId, ts);
            _links[(camera, o.TrackId)] = link;
            Attach(link, NewPerson(ts));
        }

        if (ts > link.LastSeen)
        {
            link.LastSeen = ts;
        }

        link.Observations++;
        link.Floor = o.Floor;
        if (!o.Embedding.IsEmpty)
        {
            link.AddEmbedding(o.Embedding.Span);
        }

        if (o.CustomerId is not null)
        {
            link.Customer = o.CustomerId;
            ApplyCustomer(link, ts);
        }
        else
        {
            CheckContradictions(link, ts);
            if (link.Person.Members.Count == 1 && link.Customer is null && ts - link.FirstSeen <= _options.JoinWindow)
            {
                TryJoin(link, ts);
            }
        }

        return link.Person.Id;
    }

    // A gallery match is decisive: the track belongs with that customer's person, never with another customer's.
    private void ApplyCustomer(Link link, DateTimeOffset ts)
    {
        var customer = link.Customer!;
        var person = link.Person;
        if (_customers.TryGetValue(customer, out var owner) && owner != person)
        {
            if (person.Customer is null && person.Members.Count > 1 && link.Observations > 1)
            {
                // The rest of this person joined through appearance or position: the face evidence outranks it, so the
                // whole person merges into the customer's.
                foreach (var m in person.Members.ToArray())
                {
                    if (m.Customer is null || string.Equals(m.Customer, customer, StringComparison.Ordinal))
                    {
                        Move(m, owner);
                    }
                }
            }

            if (link.Person != owner)
            {
                Move(link, owner);
            }

            Joins++;
            return;
        }

        if (person.Customer is null)
        {
            person.Customer = customer;
            _customers[customer] = person;
            // Members that disagree by face leave.
            foreach (var m in person.Members.ToArray())
            {
                if (m.Customer is not null && !string.Equals(m.Customer, customer, StringComparison.Ordinal))
                {
                    SplitOff(m, ts);
                }
            }
        }
        else if (!string.Equals(person.Customer, customer, StringComparison.Ordinal))
        {
            SplitOff(link, ts);
        }
    }

    // Two places at once (or two tracks in one camera at once) means a wrong merge: the younger track leaves.
    private void CheckContradictions(Link link, DateTimeOffset ts)
    {
        if (link.Person.Members.Count < 2)
        {
            link.Contradictions = 0;
            return;
        }

        var contradicted = false;
        foreach (var m in link.Person.Members)
        {
            if (m == link || m.FirstSeen > link.FirstSeen || ts - m.LastSeen > _options.PresenceWindow)
            {
                continue;
            }

            if (m.Customer is not null && string.Equals(m.Customer, link.Customer, StringComparison.Ordinal))
            {
                continue;
            }

            if (string.Equals(m.Camera, link.Camera, StringComparison.Ordinal) || !Topology.Overlaps(m.Camera, link.Camera))
            {
                contradicted = true;
                break;
            }

            if (m.Floor is { } a && link.Floor is { } b && Distance(a, b) > 3 * _options.MaxFloorDistance)
            {
                contradicted = true;
                break;
            }
        }

        link.Contradictions = contradicted ? link.Contradictions + 1 : 0;
        if (link.Contradictions >= _options.SplitAfter)
        {
            SplitOff(link, ts);
        }
    }

    // Position outranks appearance: a simultaneous track of an overlapping camera at the same floor position joins at
    // once (unless its appearance is far off). Appearance alone may join only a person that position cannot judge
    // (not visible now in an overlapping camera with a floor position), and it is asked once per track, when the
    // track's mean embedding rests on MinObservations crops: the nearest person must be within AppearanceThreshold and
    // at least AppearanceMargin nearer than any other candidate, else the track stays a person of its own (position
    // or a face may still join it). OSNet distances of different, similarly dressed people overlap those of one
    // person; re-testing every frame of the join window would take the first dip below the threshold, and an
    // ambiguous nearest candidate is as likely wrong as right (docs/pipeline.md, cross-camera distances). A wrong
    // merge costs more than a missed one: it drags the other person's later tracks along.
    private void TryJoin(Link link, DateTimeOffset ts)
    {
        Person? best = null;
        var bestCost = double.MaxValue;
        Person? byLook = null;
        var lookBest = double.MaxValue;
        var lookSecond = double.MaxValue;
        var mayLook = link.Observations == _options.MinObservations && link.EmbeddingSum is not null;
        foreach (var p in _persons.Values)
        {
            if (p == link.Person || !Allowed(link, p, out var lastSeen))
            {
                continue;
            }

            var spatial = double.MaxValue;
            var appearance = double.MaxValue;
            foreach (var m in p.Members)
            {
                if (link.Floor is { } a && m.Floor is { } b && ts - m.LastSeen <= _options.PresenceWindow && Topology.Overlaps(m.Camera, link.Camera))
                {
                    spatial = Math.Min(spatial, Distance(a, b));
                }

                appearance = Math.Min(appearance, link.AppearanceDistance(m));
            }

            if (spatial != double.MaxValue)
            {
                if (spatial <= _options.MaxFloorDistance && (appearance == double.MaxValue || appearance <= _options.AppearanceVeto))
                {
                    var cost = spatial / Math.Max(_options.MaxFloorDistance, 1e-9);
                    // Ties go to the lower id: deterministic.
                    if (cost < bestCost || (cost == bestCost && best is not null && p.Id < best.Id))
                    {
                        best = p;
                        bestCost = cost;
                    }
                }

                continue; // on the floor elsewhere right now: position decides, not appearance
            }

            if (!mayLook || appearance == double.MaxValue || ts - lastSeen > _options.MaxReappearanceGap)
            {
                continue;
            }

            if (appearance < lookBest || (appearance == lookBest && byLook is not null && p.Id < byLook.Id))
            {
                lookSecond = lookBest;
                lookBest = appearance;
                byLook = p;
            }
            else if (appearance < lookSecond)
            {
                lookSecond = appearance;
            }
        }

        if (best is not null)
        {
            Move(link, best);
            Joins++;
        }
        else if (byLook is not null && lookBest <= _options.AppearanceThreshold && lookSecond - lookBest >= _options.AppearanceMargin)
        {
            Move(link, byLook);
            Joins++;
            AppearanceJoins++;
        }
    }

    private bool Allowed(Link link, Person p, out DateTimeOffset lastSeen)
    {
        lastSeen = DateTimeOffset.MinValue;
        if (p.Customer is not null && link.Customer is not null && !string.Equals(p.Customer, link.Customer, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var m in p.Members)
        {
            if (m.LastSeen > lastSeen)
            {
                lastSeen = m.LastSeen;
            }

            if (string.Equals(m.Camera, link.Camera, StringComparison.Ordinal))
            {
                if (m.LastSeen >= link.FirstSeen)
                {
                    return false; // both tracks existed at once in one camera
                }
            }
            else if (!Topology.Overlaps(m.Camera, link.Camera) && m.LastSeen + Topology.MinTransitTime(m.Camera, link.Camera) > link.FirstSeen)
            {
                return false; // too fast (or simultaneous) between cameras that do not overlap
            }
        }

        return p.Members.Count > 0;
    }

    private void SplitOff(Link link, DateTimeOffset ts)
    {
        Person target;
        if (link.Customer is not null && _customers.TryGetValue(link.Customer, out var owner) && owner != link.Person)
        {
            target = owner;
        }
        else
        {
            target = NewPerson(ts);
            if (link.Customer is not null && !_customers.ContainsKey(link.Customer))
            {
                target.Customer = link.Customer;
                _customers[link.Customer] = target;
            }
        }

        Move(link, target);
        link.Contradictions = 0;
        Splits++;
    }

    private Person NewPerson(DateTimeOffset ts)
    {
        var p = new Person(_nextId++, ts);
        _persons[p.Id] = p;
        return p;
    }

    private void Move(Link link, Person target)
    {
        Detach(link);
        Attach(link, target);
        if (link.Customer is not null && target.Customer is null && !_customers.ContainsKey(link.Customer))
        {
            target.Customer = link.Customer;
            _customers[link.Customer] = target;
        }
    }

    private static void Attach(Link link, Person p)
    {
        link.Person = p;
        p.Members.Add(link);
    }

    private void Detach(Link link)
    {
        var p = link.Person;
        p.Members.Remove(link);
        if (p.Members.Count == 0)
        {
            _persons.Remove(p.Id);
            if (p.Customer is not null && _customers.TryGetValue(p.Customer, out var owner) && owner == p)
            {
                _customers.Remove(p.Customer);
            }
        }
    }

    private static double Distance(PointF a, PointF b)
    {
        var dx = (double)a.X - b.X;
        var dy = (double)a.Y - b.Y;
        return Math.Sqrt((dx * dx) + (dy * dy));
    }

    private sealed class Person(int id, DateTimeOffset firstSeen)
    {
        public int Id { get; } = id;

        public DateTimeOffset FirstSeen { get; } = firstSeen;

        public string? Customer { get; set; }

        public List<Link> Members { get; } = [];
    }

    private sealed class Link(string camera, int track, DateTimeOffset firstSeen)
    {
        public string Camera { get; } = camera;

        public int Track { get; } = track;

        public DateTimeOffset FirstSeen { get; } = firstSeen;

        public DateTimeOffset LastSeen { get; set; } = firstSeen;

        public int Observations { get; set; }

        // Sum of the track's embeddings (each L2-normalised) and its norm: the mean direction, steadier than any one
        // frame's crop (pose, partial occlusion, a neighbour in the box).
        public float[]? EmbeddingSum { get; private set; }

        public float EmbeddingNorm { get; private set; }

        public string? Customer { get; set; }

        public PointF? Floor { get; set; }

        public int Contradictions { get; set; }

        public Person Person { get; set; } = null!;

        public void AddEmbedding(ReadOnlySpan<float> embedding)
        {
            if (EmbeddingSum is null || EmbeddingSum.Length != embedding.Length)
            {
                EmbeddingSum = new float[embedding.Length];
            }

            TensorPrimitives.Add(EmbeddingSum, embedding, EmbeddingSum);
            EmbeddingNorm = TensorPrimitives.Norm(EmbeddingSum);
        }

        // Cosine distance between the two tracks' mean embeddings; MaxValue when either has none.
        public double AppearanceDistance(Link other)
        {
            if (EmbeddingSum is not { } a || other.EmbeddingSum is not { } b || a.Length != b.Length || EmbeddingNorm <= 0 || other.EmbeddingNorm <= 0)
            {
                return double.MaxValue;
            }

            return 1.0 - (TensorPrimitives.Dot(a, b) / ((double)EmbeddingNorm * other.EmbeddingNorm));
        }
    }
}
