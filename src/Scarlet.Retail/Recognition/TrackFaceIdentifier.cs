using OpenCvSharp;
using Scarlet.Retail.Events;
using Scarlet.Tracking.Pipeline;

namespace Scarlet.Retail;

/// <summary>What the faces of one frame gave: the faces found (for overlays) and the recognition events published.</summary>
/// <param name="Faces">Every face of the frame (empty on frames without a look-up).</param>
/// <param name="Published">The <see cref="RecognitionEvent"/>s published for tracked persons.</param>
public sealed record TrackFaceResult(IReadOnlyList<FaceSighting> Faces, IReadOnlyList<RecognitionEvent> Published);

/// <summary>Who a tracked person was identified as by face.</summary>
/// <param name="Customer">The customer.</param>
/// <param name="Similarity">The cosine similarity of the face that identified them.</param>
public sealed record TrackFaceIdentity(Customer Customer, float Similarity);

/// <summary>
/// Gives a camera pipeline's tracked persons the customers of the organisation's face gallery: every
/// <c>recognizeEvery</c>-th frame with persons the faces are looked up (<see cref="FaceIdentityService.RecognizeAsync"/>),
/// each face goes to the person whose box holds its centre, and a <see cref="RecognitionEvent"/> with the person id is
/// published when a person's customer changes or at most every <c>repeatInterval</c> per person (the retail pipeline
/// records it, identifies the customer and recommends).
/// </summary>
/// <remarks>One per camera. Call <see cref="ProcessAsync"/> for the frames in order and never twice at once (a look-up
/// may run off the inference thread: <see cref="IsDue"/> says whether the next call looks faces up, so a caller can copy
/// the image only then); <see cref="IdentityOf"/> and <see cref="Forget"/> (call it when a track ends) are thread-safe.</remarks>
public sealed class TrackFaceIdentifier
{
    private readonly FaceIdentityService _faces;
    private readonly ScarletEventStream _stream;
    private readonly CameraPlacement _placement;
    private readonly int _recognizeEvery;
    private readonly TimeSpan _repeat;
    private readonly Dictionary<int, State> _tracks = [];
    private readonly Lock _gate = new();
    private long _frames;

    /// <summary>Initializes a new instance of the <see cref="TrackFaceIdentifier"/> class.</summary>
    /// <param name="faces">The face identity service (organisation galleries).</param>
    /// <param name="stream">The event stream.</param>
    /// <param name="placement">The camera's organisation, store and zone (the zone goes into the events).</param>
    /// <param name="recognizeEvery">Look faces up on every k-th frame (at least 1).</param>
    /// <param name="repeatInterval">The least time between two events of one person with the same customer; 10 s when <see langword="null"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="recognizeEvery"/> is below 1 or the interval is negative.</exception>
    public TrackFaceIdentifier(FaceIdentityService faces, ScarletEventStream stream, CameraPlacement placement, int recognizeEvery = 2, TimeSpan? repeatInterval = null)
    {
        _faces = faces ?? throw new ArgumentNullException(nameof(faces));
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _placement = placement ?? throw new ArgumentNullException(nameof(placement));
        ArgumentOutOfRangeException.ThrowIfLessThan(recognizeEvery, 1);
        _repeat = repeatInterval ?? TimeSpan.FromSeconds(10);
        ArgumentOutOfRangeException.ThrowIfLessThan(_repeat, TimeSpan.Zero, nameof(repeatInterval));
        _recognizeEvery = recognizeEvery;
    }

    /// <summary>Gets whether the next <see cref="ProcessAsync"/> call with this update looks faces up (no side effect).</summary>
    /// <param name="update">The frame's tracking result.</param>
    /// <returns><see langword="true"/> when it is a look-up frame with persons.</returns>
    public bool IsDue(TrackingUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        return Interlocked.Read(ref _frames) % _recognizeEvery == 0 && update.Persons.Count > 0;
    }

    /// <summary>Looks the faces of a frame up (when due) and publishes the persons' recognition events.</summary>
    /// <param name="image">The frame's BGR image (the one the update was computed on); not disposed.</param>
    /// <param name="update">The frame's tracking result.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The faces and the events published.</returns>
    public async Task<TrackFaceResult> ProcessAsync(Mat image, TrackingUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(update);
        if ((Interlocked.Increment(ref _frames) - 1) % _recognizeEvery != 0 || update.Persons.Count == 0)
        {
            return new TrackFaceResult([], []);
        }

        var faces = await _faces.RecognizeAsync(_placement.OrganizationId, image, cancellationToken).ConfigureAwait(false);
        var published = new List<RecognitionEvent>();
        foreach (var person in update.Persons)
        {
            var box = person.Box;
            foreach (var f in faces)
            {
                if (f.Box.CenterX < box.X || f.Box.CenterX > box.Right || f.Box.CenterY < box.Y || f.Box.CenterY > box.Bottom)
                {
                    continue;
                }

                bool announce;
                lock (_gate)
                {
                    if (!_tracks.TryGetValue(person.TrackId, out var state))
                    {
                        _tracks[person.TrackId] = state = new State();
                    }

                    var changed = f.Customer is not null && f.CustomerId != state.Identity?.Customer.Id;
                    if (f.Customer is not null)
                    {
                        state.Identity = new TrackFaceIdentity(f.Customer, f.Similarity ?? 0f);
                    }

                    announce = changed || update.Timestamp - state.LastEvent >= _repeat;
                    if (announce)
                    {
                        state.LastEvent = update.Timestamp;
                    }
                }

                if (announce)
                {
                    var matched = f.Status == RecognitionStatus.Matched;
                    var evt = new RecognitionEvent
                    {
                        OrganizationId = _placement.OrganizationId,
                        Timestamp = update.Timestamp,
                        CameraId = update.CameraId,
                        Status = f.Status,
                        CustomerId = f.CustomerId,
                        Box = f.Box,
                        Confidence = Math.Clamp(matched ? f.Similarity ?? 0f : f.DetectorScore, 0f, 1f),
                        Distance = matched ? f.Distance : null,
                        Embedding = f.Embedding,
                        StoreZone = _placement.Zone,
                        PersonId = TrackingEventPublisher.PersonIdOf(person.GlobalId),
                    };
                    _stream.Publish(evt);
                    published.Add(evt);
                }
            }
        }

        return new TrackFaceResult(faces, published);
    }

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

    /// <summary>Forgets a track (call on <see cref="TrackingEventKind.PersonExited"/>).</summary>
    /// <param name="trackId">The camera-local track id.</param>
    /// <returns>The identity it had, if any.</returns>
    public TrackFaceIdentity? Forget(int trackId)
    {
        lock (_gate)
        {
            return _tracks.Remove(trackId, out var s) ? s.Identity : null;
        }
    }

    private sealed class State
    {
        public TrackFaceIdentity? Identity { get; set; }

        public DateTimeOffset LastEvent { get; set; } = DateTimeOffset.MinValue;
    }
}
