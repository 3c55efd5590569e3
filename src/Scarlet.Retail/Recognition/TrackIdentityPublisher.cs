using Scarlet.Retail.Events;
using Scarlet.Tracking.Identity;
using Scarlet.Tracking.Pipeline;

namespace Scarlet.Retail;

/// <summary>Who a tracked person was identified as by the track's face vote.</summary>
/// <param name="Customer">The customer.</param>
/// <param name="Similarity">The weighted mean similarity of the winning votes.</param>
public sealed record TrackFaceIdentity(Customer Customer, float Similarity);

/// <summary>
/// Publishes what a camera pipeline decided about its tracks' identities as retail events: the pipeline finds the
/// faces (whole frame or persons' head regions), embeds them and decides each track by its vote over the organisation's
/// gallery (<see cref="FaceIdentityService.FaceModelsForAsync"/>); this class turns a track decided as a gallery
/// identity into its <see cref="Customer"/> and publishes a <see cref="RecognitionEvent"/> (MATCHED, with the person
/// id) when a person's customer changes or at most every <c>repeatInterval</c> per person, which the retail pipeline
/// records, identifies and recommends on. A track decided as a stranger is published once as NEW_FACE with its best
/// face's embedding (visitor clustering).
/// </summary>
/// <remarks>One per camera. <see cref="PublishAsync"/> for the updates in order, never twice at once;
/// <see cref="HasNews"/>, <see cref="IdentityOf"/> and <see cref="Forget"/> (call it when a track ends) are thread-safe.</remarks>
public sealed class TrackIdentityPublisher
{
    private readonly FaceIdentityService _faces;
    private readonly ScarletEventStream _stream;
    private readonly CameraPlacement _placement;
    private readonly TimeSpan _repeat;
    private readonly Dictionary<int, State> _tracks = [];
    private readonly Lock _gate = new();

    /// <summary>Initializes a new instance of the <see cref="TrackIdentityPublisher"/> class.</summary>
    /// <param name="faces">The face identity service (organisation galleries, customers).</param>
    /// <param name="stream">The event stream.</param>
    /// <param name="placement">The camera's organisation, store and zone (the zone goes into the events).</param>
    /// <param name="repeatInterval">The least time between two events of one person with the same customer; 10 s when <see langword="null"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The interval is negative.</exception>
    public TrackIdentityPublisher(FaceIdentityService faces, ScarletEventStream stream, CameraPlacement placement, TimeSpan? repeatInterval = null)
    {
        _faces = faces ?? throw new ArgumentNullException(nameof(faces));
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _placement = placement ?? throw new ArgumentNullException(nameof(placement));
        _repeat = repeatInterval ?? TimeSpan.FromSeconds(10);
        ArgumentOutOfRangeException.ThrowIfLessThan(_repeat, TimeSpan.Zero, nameof(repeatInterval));
    }

    /// <summary>Gets whether <see cref="PublishAsync"/> would publish for this update (a customer changed or is due again); no side effect.</summary>
    /// <param name="update">The frame's tracking result.</param>
    /// <returns><see langword="true"/> when a call is worth it.</returns>
    public bool HasNews(TrackingUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (_gate)
        {
            foreach (var p in update.Persons)
            {
                if (IsDue(p, update.Timestamp))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Publishes the recognition events of the persons whose customer changed or is due again.</summary>
    /// <param name="update">The frame's tracking result.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The events published.</returns>
    public async Task<IReadOnlyList<RecognitionEvent>> PublishAsync(TrackingUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        var published = new List<RecognitionEvent>();
        foreach (var person in update.Persons)
        {
            bool due;
            lock (_gate)
            {
                due = IsDue(person, update.Timestamp);
            }

            if (!due)
            {
                continue;
            }

            if (person.CustomerId is null)
            {
                published.Add(PublishStranger(update, person));
                continue;
            }

            var customer = await _faces.CustomerOfIdentityAsync(_placement.OrganizationId, person.CustomerId!, cancellationToken).ConfigureAwait(false);
            var similarity = float.IsFinite(person.IdentityScore) ? person.IdentityScore : _faces.MatchThreshold;
            lock (_gate)
            {
                var state = StateOf(person.TrackId);
                state.IdentityId = person.CustomerId;
                state.LastEvent = update.Timestamp;
                state.Identity = customer is null ? null : new TrackFaceIdentity(customer, similarity);
            }

            if (customer is null)
            {
                continue; // erased meanwhile: the gallery forgets it too
            }

            var evt = EventOf(update, person, RecognitionStatus.Matched, similarity) with { CustomerId = customer.Id, Distance = 1f - similarity };
            _stream.Publish(evt);
            published.Add(evt);
        }

        return published;
    }

    private RecognitionEvent PublishStranger(TrackingUpdate update, in TrackedPerson person)
    {
        lock (_gate)
        {
            StateOf(person.TrackId).StrangerAnnounced = true;
        }

        var evt = EventOf(update, person, RecognitionStatus.NewFace, person.Score) with { Embedding = person.FaceEmbedding };
        _stream.Publish(evt);
        return evt;
    }

    private RecognitionEvent EventOf(TrackingUpdate update, in TrackedPerson person, RecognitionStatus status, float confidence) => new()
    {
        OrganizationId = _placement.OrganizationId,
        Timestamp = update.Timestamp,
        CameraId = update.CameraId,
        Status = status,
        Box = person.Box,
        Confidence = Math.Clamp(confidence, 0f, 1f),
        StoreZone = _placement.Zone,
        PersonId = TrackingEventPublisher.PersonIdOf(person.GlobalId),
    };

    /// <summary>Gets who a track was identified as, if anyone.</summary>
    /// <param name="trackId">The camera-local track id.</param>
    /// <returns>The identity or <see langword="null"/>.</returns>
    public TrackFaceIdentity? IdentityOf(int trackId)
    {
        lock (_gate)
        {
            return _tracks.TryGetValue(trackId, out var s) ? s.Identity : null;
        }
    }

    /// <summary>Forgets a track (call on <see cref="Tracking.Pipeline.TrackingEventKind.PersonExited"/>).</summary>
    /// <param name="trackId">The camera-local track id.</param>
    /// <returns>The identity it had, if any.</returns>
    public TrackFaceIdentity? Forget(int trackId)
    {
        lock (_gate)
        {
            return _tracks.Remove(trackId, out var s) ? s.Identity : null;
        }
    }

    // The customer is the person's (the track's own vote, or the cross-camera person it was joined to).
    private bool IsDue(in TrackedPerson person, DateTimeOffset at)
    {
        if (person.CustomerId is null)
        {
            // A stranger (decided by the vote) once per track.
            return person.IdentityStatus == TrackIdentityStatus.Unknown && !person.FaceEmbedding.IsEmpty
                && !(_tracks.TryGetValue(person.TrackId, out var known) && known.StrangerAnnounced);
        }

        return !_tracks.TryGetValue(person.TrackId, out var s)
            || !string.Equals(s.IdentityId, person.CustomerId, StringComparison.Ordinal)
            || at - s.LastEvent >= _repeat;
    }

    private State StateOf(int trackId)
    {
        if (!_tracks.TryGetValue(trackId, out var s))
        {
            _tracks[trackId] = s = new State();
        }

        return s;
    }

    private sealed class State
    {
        public string? IdentityId { get; set; }

        public TrackFaceIdentity? Identity { get; set; }

        public DateTimeOffset LastEvent { get; set; } = DateTimeOffset.MinValue;

        public bool StrangerAnnounced { get; set; }
    }
}
