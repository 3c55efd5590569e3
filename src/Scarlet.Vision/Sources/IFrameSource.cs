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

    /// <summary>
    /// Gave up: a file or folder that cannot be read, or a live source that could not connect in
    /// <see cref="FrameSourceOptions.MaxStartAttempts"/> attempts. <see cref="IFrameSource.LastError"/> says why.
    /// </summary>
    Failed,
}

/// <summary>A source of frames: a video file, an RTSP or HTTP-MJPEG camera, or an image folder.</summary>
public interface IFrameSource : IAsyncDisposable
{
    /// <summary>Gets the camera id stamped on every frame.</summary>
    string CameraId { get; }

    /// <summary>Gets the current connection state.</summary>
    FrameSourceStatus Status { get; }

    /// <summary>
    /// Gets the most recent fault (connection refused, timed out, not a video, ...) and when it happened; kept after the
    /// source recovers, so compare its time with the frames'. <see langword="null"/> when there was none, or for a
    /// source that does not report faults.
    /// </summary>
    FrameSourceError? LastError => null;

    /// <summary>Raised when <see cref="Status"/> changes.</summary>
    event EventHandler<FrameSourceStatus>? StatusChanged;

    /// <summary>Reads frames until the source ends or <paramref name="cancellationToken"/> is cancelled. The caller disposes each frame.</summary>
    IAsyncEnumerable<Frame> ReadFramesAsync(CancellationToken cancellationToken = default);
}
