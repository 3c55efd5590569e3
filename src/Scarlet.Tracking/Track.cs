using Scarlet.Vision;

namespace Scarlet.Tracking;

/// <summary>
/// One tracked object. The instance is live: <see cref="MultiObjectTracker.Update(ReadOnlySpan{TrackerDetection}, ReadOnlySpan{float})"/>
/// updates it in place, so copy what you need to keep beyond the next update.
/// </summary>
public sealed class Track
{
    internal Track(int id, int startFrame)
    {
        Id = id;
        StartFrame = startFrame;
    }

    /// <summary>Gets the track id: positive, unique within its tracker, assigned in birth order (deterministic).</summary>
    public int Id { get; }

    /// <summary>Gets the current box: the Kalman estimate after this frame's update (or prediction when unmatched).</summary>
    public BoundingBox Box { get; internal set; }

    /// <summary>Gets the box of the last matched detection (the raw measurement, not smoothed).</summary>
    public BoundingBox DetectionBox { get; internal set; }

    /// <summary>Gets the life-cycle state.</summary>
    public TrackState State { get; internal set; }

    /// <summary>Gets the score of the last matched detection.</summary>
    public float Score { get; internal set; }

    /// <summary>Gets the tracker frame number (1-based) of the track's first detection.</summary>
    public int StartFrame { get; }

    /// <summary>Gets the tracker frame number of the last matched detection.</summary>
    public int LastMatchedFrame { get; internal set; }

    /// <summary>Gets the number of frames since the track was born.</summary>
    public int Age { get; internal set; }

    /// <summary>Gets the number of detections matched to the track.</summary>
    public int Hits { get; internal set; }

    /// <summary>Gets the number of consecutive frames without a matched detection.</summary>
    public int TimeSinceUpdate { get; internal set; }

    /// <summary>Gets the smoothed appearance embedding (L2-normalised), or null when none was supplied.</summary>
    public ReadOnlyMemory<float>? Embedding => EmbeddingBuffer is null ? null : EmbeddingBuffer;

    internal float[]? EmbeddingBuffer { get; set; }

    // The last matched detection box, moved with the state by camera motion (observation-centric recovery).
    internal BoundingBox LastObservedBox { get; set; }

    internal bool IsActivated { get; set; }

    internal int HitStreak { get; set; }

    internal int DetectionIndex { get; set; } = -1;

    // Kalman state: ByteTrack uses (cx, cy, aspect, h) + velocities (8); SORT (cx, cy, area, aspect) + 3 velocities (7).
    internal double[] Mean { get; } = new double[8];

    internal double[] Covariance { get; } = new double[64];

    // Observation-centric re-update: the Kalman mean (8), covariance (64) and measurement (4) right after the last
    // matched detection, warped along with the state by camera motion; allocated only when the option is on.
    internal double[]? LastObservationState { get; set; }

    // Momentum term: the last few observed centres (x, y) and their frames, a ring of MomentumDeltaFrames entries,
    // and the unit direction of motion between them; allocated only when the option is on.
    internal double[]? ObservationRing { get; set; }

    internal int[]? ObservationFrames { get; set; }

    internal int ObservationHead { get; set; }

    internal double DirectionX { get; set; }

    internal double DirectionY { get; set; }

    // How far the direction can be trusted, 0..1: the displacement behind it against the detection jitter.
    internal double DirectionReliability { get; set; }

    /// <inheritdoc/>
    public override string ToString() => $"Track {Id} {State} {Box}";
}
