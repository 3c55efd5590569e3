using Scarlet.Tracking.Internal;

namespace Scarlet.Tracking;

/// <summary>
/// Online multi-object tracker for one camera: Kalman filter on the box, optimal (Jonker-Volgenant) assignment,
/// ByteTrack's two-stage association with an optional appearance cue, or the SORT baseline
/// (<see cref="TrackerOptions.Mode"/>). Deterministic: the same detections give the same ids. In ByteTrack mode, on by
/// default: camera-motion compensation estimated from the boxes alone, applied only when the boxes support it, and
/// OC-SORT's momentum term; optional: OC-SORT's observation-centric re-update and recovery, and tentative tracks that survive
/// misses (see <see cref="TrackerOptions"/>).
/// </summary>
/// <remarks>
/// Not thread-safe: one instance per camera, fed frames in order. After the first frames the update allocates
/// nothing except new <see cref="Track"/> objects (and their embedding buffers).
/// </remarks>
public sealed class MultiObjectTracker
{
    private readonly TrackAssociation _association;
    private readonly ITrackerStrategy _strategy;
    private readonly List<Track> _output = [];
    private readonly List<Track> _removed = [];

    /// <summary>Creates a tracker.</summary>
    /// <param name="options">The options; copied, so later changes have no effect.</param>
    /// <exception cref="ArgumentException">The options are invalid (the message lists every problem).</exception>
    public MultiObjectTracker(TrackerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid tracker options: " + string.Join(" ", errors), nameof(options));
        }

        var copy = options.Clone();
        _association = new TrackAssociation(copy);
        _strategy = copy.Mode == TrackerMode.Sort
            ? new SortStrategy(copy, _association, _output, _removed)
            : new ByteTrackStrategy(copy, _association, _output, _removed);
    }

    /// <summary>Gets the number of frames processed.</summary>
    public int FrameCount { get; private set; }

    /// <summary>Gets the number of frames whose tracks were warped by camera-motion compensation (ByteTrack mode).</summary>
    internal int CameraMotionCompensatedFrames => (_strategy as ByteTrackStrategy)?.CompensatedFrames ?? 0;

    /// <summary>Gets the tracks removed during the last update (their final state is <see cref="TrackState.Removed"/>).</summary>
    public IReadOnlyList<Track> RemovedTracks => _removed;

    /// <summary>Gets every live track: tentative, confirmed and lost.</summary>
    public IReadOnlyList<Track> LiveTracks
    {
        get
        {
            var all = new List<Track>();
            _strategy.AddLiveTracks(all);
            return all;
        }
    }

    /// <summary>Processes the next frame.</summary>
    /// <param name="detections">This frame's detections (may be empty).</param>
    /// <param name="embeddings">
    /// Optional appearance embeddings, row-major, one per detection (length = detections × dimension, any dimension,
    /// the same every frame); empty for IoU-only tracking. Normalised internally.
    /// </param>
    /// <returns>
    /// The confirmed tracks matched in this frame, in a stable order. The list and the tracks are reused by the next
    /// call: copy what you need to keep.
    /// </returns>
    /// <exception cref="ArgumentException">The embeddings do not fit the detections, or a box or score is not finite.</exception>
    public IReadOnlyList<Track> Update(ReadOnlySpan<TrackerDetection> detections, ReadOnlySpan<float> embeddings = default)
    {
        for (var i = 0; i < detections.Length; i++)
        {
            var d = detections[i];
            if (!float.IsFinite(d.Score) || !float.IsFinite(d.Box.X) || !float.IsFinite(d.Box.Y) || !float.IsFinite(d.Box.Width) || !float.IsFinite(d.Box.Height))
            {
                throw new ArgumentException($"Detection {i} has a non-finite box or score.", nameof(detections));
            }
        }

        using var activity = TrackingDiagnostics.Source.StartActivity("track.update");
        _association.SetEmbeddings(detections.Length, embeddings);
        FrameCount++;
        TrackingMetrics.FramesTracked.Add(1);
        _removed.Clear();
        _output.Clear();
        _strategy.Update(detections, FrameCount);
        return _output;
    }

    /// <summary>Forgets every track; ids keep counting up.</summary>
    public void Reset()
    {
        _strategy.Reset();
        _output.Clear();
        _removed.Clear();
        FrameCount = 0;
    }
}
