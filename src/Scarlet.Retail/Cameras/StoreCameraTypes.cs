using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;

namespace Scarlet.Retail;

/// <summary>What a <see cref="StoreCamera"/> is doing, as a host shows it.</summary>
public enum StoreCameraState
{
    /// <summary>Not started, or stopped.</summary>
    Stopped,

    /// <summary>Could not be started (see <see cref="StoreCamera.LastError"/>), or its pipeline failed.</summary>
    Error,

    /// <summary>Its source gave up (a file that cannot be read, a camera that never connected).</summary>
    Failed,

    /// <summary>Paused: capture goes on, frames are discarded.</summary>
    Paused,

    /// <summary>Its source ended (a file without looping).</summary>
    Ended,

    /// <summary>Started, no frame processed yet.</summary>
    Starting,

    /// <summary>Processing frames.</summary>
    Running,

    /// <summary>Connecting to its source for the first time.</summary>
    Connecting,

    /// <summary>Its source dropped; connecting again.</summary>
    Reconnecting,
}

/// <summary>A camera's last fault: in plain words, its kind and time (<see langword="null"/> when not known).</summary>
/// <param name="Text">The fault (<c>connection refused: ...</c>).</param>
/// <param name="Kind">What kind of fault.</param>
/// <param name="At">When, if known.</param>
public sealed record StoreCameraError(string Text, FrameSourceErrorKind Kind, DateTimeOffset? At)
{
    internal static StoreCameraError From(FrameSourceError e) => new(e.ToString(), e.Kind, e.Time);
}

/// <summary>The latest annotated image of a camera (boxes, person ids, names), JPEG-encoded.</summary>
/// <param name="Sequence">Increases with every image.</param>
/// <param name="Jpeg">The JPEG bytes.</param>
/// <param name="Timestamp">The frame's time.</param>
public sealed record StoreCameraImage(long Sequence, byte[] Jpeg, DateTimeOffset Timestamp);

/// <summary>A person a camera tracks now, with who the track's face vote decided they are (if anyone).</summary>
/// <param name="Track">The pipeline's tracked person (camera track id, cross-camera global id, box, identity status).</param>
/// <param name="PersonId">The retail person id (<c>person-{global id}</c>).</param>
/// <param name="Identity">The customer the track's face vote decided, with the similarity; <see langword="null"/> when none.</param>
public sealed record StoreCameraPerson(TrackedPerson Track, string PersonId, TrackFaceIdentity? Identity)
{
    /// <summary>Gets the customer: the one the face vote decided, else the cross-camera person's.</summary>
    public string? CustomerId => Identity?.Customer.Id ?? Track.CustomerId;
}

/// <summary>One processed frame of a <see cref="StoreCamera"/>: the tracking result and the persons with their identities.</summary>
public sealed class StoreCameraFrame
{
    internal StoreCameraFrame(StoreCamera camera, TrackingUpdate update, IReadOnlyList<StoreCameraPerson> persons)
    {
        Camera = camera;
        Update = update;
        Persons = persons;
    }

    /// <summary>Gets the camera.</summary>
    public StoreCamera Camera { get; }

    /// <summary>Gets the pipeline's tracking result.</summary>
    public TrackingUpdate Update { get; }

    /// <summary>Gets the persons in view.</summary>
    public IReadOnlyList<StoreCameraPerson> Persons { get; }
}
