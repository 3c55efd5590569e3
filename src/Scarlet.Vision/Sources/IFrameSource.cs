namespace Scarlet.Vision;

/// <summary>The connection state of a frame source.</summary>
public enum FrameSourceStatus
{
    /// <summary>Not started, or connecting for the first time.</summary>
    Connecting,

    /// <summary>Delivering frames.</summary>
    Live,

    /// <summary>The connection dropped; waiting (with backoff) to connect again.</summary>
    Reconnecting,

    /// <summary>Finished (end of file) or stopped by the caller.</summary>
    Stopped,
}

/// <summary>A source of frames: a video file, an RTSP or HTTP-MJPEG camera, or an image folder.</summary>
public interface IFrameSource : IAsyncDisposable
{
    /// <summary>Gets the camera id stamped on every frame.</summary>
    string CameraId { get; }

    /// <summary>Gets the current connection state.</summary>
    FrameSourceStatus Status { get; }

    /// <summary>Raised when <see cref="Status"/> changes.</summary>
    event EventHandler<FrameSourceStatus>? StatusChanged;

    /// <summary>Reads frames until the source ends or <paramref name="cancellationToken"/> is cancelled. The caller disposes each frame.</summary>
    IAsyncEnumerable<Frame> ReadFramesAsync(CancellationToken cancellationToken = default);
}
