using Scarlet.Tracking.Geometry;
using Scarlet.Tracking.Identity;
using Scarlet.Vision;

namespace Scarlet.Tracking.Pipeline;

/// <summary>One confirmed person in one frame of one camera.</summary>
/// <param name="TrackId">The camera-local track id.</param>
/// <param name="GlobalId">The global person id (shared across cameras).</param>
/// <param name="Box">The box in image pixels.</param>
/// <param name="Score">The detection score of the last match.</param>
/// <param name="CustomerId">The customer when the track's face votes decided it.</param>
/// <param name="IdentityStatus">The state of the face vote of this track.</param>
/// <param name="Floor">The foot point on the floor plan, when the camera has a homography.</param>
/// <param name="IdentityScore">The weighted mean similarity of the track's winning face votes (NaN before any).</param>
/// <param name="FaceEmbedding">The embedding of the track's best face so far (empty before any): a stranger's, for visitor clustering.</param>
public readonly record struct TrackedPerson(int TrackId, int GlobalId, BoundingBox Box, float Score, string? CustomerId, TrackIdentityStatus IdentityStatus, PointF? Floor, float IdentityScore = float.NaN, ReadOnlyMemory<float> FaceEmbedding = default);

/// <summary>The tracking result of one frame of one camera.</summary>
/// <param name="CameraId">The camera.</param>
/// <param name="Sequence">The frame sequence number from the source.</param>
/// <param name="Timestamp">The frame time.</param>
/// <param name="FrameWidth">The frame width in pixels.</param>
/// <param name="FrameHeight">The frame height in pixels.</param>
/// <param name="Detected">True when the detector ran on this frame; false when the boxes were carried over from the last detection frame.</param>
/// <param name="Persons">The confirmed persons.</param>
public sealed record TrackingUpdate(string CameraId, long Sequence, DateTimeOffset Timestamp, int FrameWidth, int FrameHeight, bool Detected, IReadOnlyList<TrackedPerson> Persons)
{
    /// <summary>Gets the tracks inside each zone of the camera after this frame (empty without zones): what alert rules read.</summary>
    public IReadOnlyList<ZoneOccupant> ZoneOccupants { get; init; } = [];
}

/// <summary>Kinds of <see cref="TrackingEvent"/>.</summary>
public enum TrackingEventKind
{
    /// <summary>A person's foot point entered a zone.</summary>
    ZoneEntered,

    /// <summary>A person left a zone (or its track ended); <see cref="TrackingEvent.Dwell"/> holds the stay.</summary>
    ZoneExited,

    /// <summary>A person crossed a counting line.</summary>
    LineCrossed,

    /// <summary>A global person's customer became known (face votes decided).</summary>
    IdentityResolved,

    /// <summary>A new track appeared in the camera (a person came into view).</summary>
    PersonEntered,

    /// <summary>A track ended (the tracker gave it up after its lost buffer): the person left the view.</summary>
    PersonExited,
}

/// <summary>Something that happened to a person in one camera.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="CameraId">The camera.</param>
/// <param name="Timestamp">The frame time.</param>
/// <param name="Sequence">The frame sequence number.</param>
/// <param name="TrackId">The camera-local track id.</param>
/// <param name="GlobalId">The global person id.</param>
/// <param name="CustomerId">The customer when known.</param>
/// <param name="Zone">The zone for zone events.</param>
/// <param name="Line">The line for crossings.</param>
/// <param name="Direction">The crossing direction.</param>
/// <param name="Dwell">The stay for <see cref="TrackingEventKind.ZoneExited"/>.</param>
public sealed record TrackingEvent(
    TrackingEventKind Kind,
    string CameraId,
    DateTimeOffset Timestamp,
    long Sequence,
    int TrackId,
    int GlobalId,
    string? CustomerId,
    string? Zone = null,
    string? Line = null,
    CrossingDirection? Direction = null,
    TimeSpan? Dwell = null)
{
    /// <summary>
    /// Gets the person's face attributes on <see cref="TrackingEventKind.PersonExited"/> when the camera estimates them
    /// (<see cref="CameraPipelineOptions.EnableAttributes"/>) and a usable face was seen; otherwise <see langword="null"/>.
    /// </summary>
    public Scarlet.Recognition.FaceAttributes? Attributes { get; init; }

    /// <summary>
    /// Gets where the person stood, as the foot point of the box normalised to the frame (0..1): on
    /// <see cref="TrackingEventKind.PersonEntered"/> where the track began, on <see cref="TrackingEventKind.PersonExited"/>
    /// where it was last seen; otherwise <see langword="null"/>. Visits link the fragments of one person by it.
    /// </summary>
    public PointF? Position { get; init; }

    /// <summary>
    /// Gets when the track was last matched to a detection on <see cref="TrackingEventKind.PersonExited"/> (the event
    /// itself comes when the tracker gives the lost track up, up to its lost-track buffer later); otherwise <see langword="null"/>.
    /// </summary>
    public DateTimeOffset? LastSeen { get; init; }
}

/// <summary>Run state of a <see cref="CameraPipeline"/>.</summary>
public enum CameraPipelineState
{
    /// <summary>Created, not running.</summary>
    Idle,

    /// <summary>Capturing and processing.</summary>
    Running,

    /// <summary>Capturing, but frames are discarded unprocessed.</summary>
    Paused,

    /// <summary>Stopped (source ended, stopped, or failed).</summary>
    Stopped,

    /// <summary>Stopped by an error (see <see cref="CameraPipelineStatus.Error"/>).</summary>
    Faulted,
}

/// <summary>A snapshot of a camera pipeline's health.</summary>
/// <param name="CameraId">The camera.</param>
/// <param name="State">The run state.</param>
/// <param name="SourceStatus">The frame source's status.</param>
/// <param name="FramesCaptured">Frames read from the source.</param>
/// <param name="FramesProcessed">Frames tracked.</param>
/// <param name="FramesDropped">Frames dropped because inference was busy (the newest frame is kept).</param>
/// <param name="ProcessedFps">Frames tracked per second over the last two seconds.</param>
/// <param name="ActivePersons">Confirmed persons in the last processed frame.</param>
/// <param name="MeanProcessMilliseconds">Mean time to process one frame (detection frames and carried-over frames together).</param>
/// <param name="Error">The error that stopped the pipeline, if any.</param>
/// <param name="SourceError">The source's last fault in plain words and its time (connection refused, not a video, ...), if any; kept after the source recovers.</param>
public sealed record CameraPipelineStatus(
    string CameraId,
    CameraPipelineState State,
    FrameSourceStatus SourceStatus,
    long FramesCaptured,
    long FramesProcessed,
    long FramesDropped,
    double ProcessedFps,
    int ActivePersons,
    double MeanProcessMilliseconds,
    string? Error,
    FrameSourceError? SourceError = null)
{
    /// <summary>Gets the share of captured frames dropped.</summary>
    public double DropRate => FramesCaptured == 0 ? 0 : FramesDropped / (double)FramesCaptured;

    /// <summary>Gets the frames per second read from the source over the last two seconds (paused frames included).</summary>
    public double CapturedFps { get; init; }

    /// <summary>Gets how many times the source lost its stream (or could not open it) and began reopening it: one per outage, however many tries it takes.</summary>
    public long Reconnects { get; init; }

    /// <summary>Gets the time since the source last delivered a frame (paused frames included), on the pipeline's clock, or null before the first.</summary>
    public TimeSpan? LastFrameAge { get; init; }
}
