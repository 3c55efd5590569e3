using Scarlet.Vision;

namespace Scarlet.Tracking.Pipeline;

/// <summary>A processed frame with its tracking result, for consumers that need the pixels (overlays, MJPEG previews, recordings).</summary>
/// <remarks>
/// The frame is valid only while the handler runs: the pipeline disposes it afterwards. Draw on it, encode it or clone
/// its image; never keep the <see cref="Frame"/> itself.
/// </remarks>
public sealed class FrameProcessedEventArgs : EventArgs
{
    /// <summary>Initializes a new instance of the <see cref="FrameProcessedEventArgs"/> class.</summary>
    /// <param name="frame">The frame (owned by the pipeline).</param>
    /// <param name="update">Its tracking result.</param>
    public FrameProcessedEventArgs(Frame frame, TrackingUpdate update)
    {
        Frame = frame;
        Update = update;
    }

    /// <summary>Gets the frame; valid only during the handler.</summary>
    public Frame Frame { get; }

    /// <summary>Gets the tracking result of the frame.</summary>
    public TrackingUpdate Update { get; }
}

public sealed partial class CameraPipeline
{
    /// <summary>
    /// Raised on the inference thread after each processed frame (after <see cref="Updates"/> and <see cref="Events"/>), with the frame's pixels.
    /// Keep handlers short: they delay the next frame. Nothing is allocated when no handler is attached.
    /// </summary>
    public event EventHandler<FrameProcessedEventArgs>? FrameProcessed;

    private void OnFrameProcessed(Frame frame, TrackingUpdate update) =>
        FrameProcessed?.Invoke(this, new FrameProcessedEventArgs(frame, update));
}
