using System.Runtime.CompilerServices;
using OpenCvSharp;
using Scarlet.Vision;

namespace Scarlet.Tracking.Pipeline;

/// <summary>
/// A virtual camera: a fixed rectangle of another source's frames, as its own camera (e.g. the two overlapping halves
/// of one video as two cameras). Frames are copied out of the inner frame, which is disposed at once.
/// </summary>
public sealed class RegionFrameSource : IFrameSource
{
    private readonly IFrameSource _inner;
    private readonly Rect _region;

    /// <summary>Creates the view.</summary>
    /// <param name="cameraId">This view's camera id.</param>
    /// <param name="inner">The source to crop (owned: disposed with this one).</param>
    /// <param name="region">The rectangle in the inner frames (clipped to each frame; must overlap it).</param>
    /// <exception cref="ArgumentException">Empty id or an empty region.</exception>
    public RegionFrameSource(string cameraId, IFrameSource inner, Rect region)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cameraId);
        ArgumentNullException.ThrowIfNull(inner);
        if (region.Width <= 0 || region.Height <= 0)
        {
            throw new ArgumentException($"The region {region} is empty.", nameof(region));
        }

        CameraId = cameraId;
        _inner = inner;
        _region = region;
    }

    /// <inheritdoc />
    public string CameraId { get; }

    /// <summary>Gets the region.</summary>
    public Rect Region => _region;

    /// <inheritdoc />
    public FrameSourceStatus Status => _inner.Status;

    /// <inheritdoc />
    public FrameSourceError? LastError => _inner.LastError;

    /// <inheritdoc />
    public event EventHandler<FrameSourceStatus>? StatusChanged
    {
        add => _inner.StatusChanged += value;
        remove => _inner.StatusChanged -= value;
    }

    /// <summary>Crops one frame into this view (a new frame with this camera's id; the input is not disposed).</summary>
    /// <exception cref="InvalidImageException">The region does not overlap the frame.</exception>
    public Frame Crop(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var r = _region.Intersect(new Rect(0, 0, frame.Width, frame.Height));
        if (r.Width <= 0 || r.Height <= 0)
        {
            throw new InvalidImageException($"The region {_region} lies outside the {frame.Width}x{frame.Height} frame.");
        }

        using var view = new Mat(frame.Image, r);
        var copy = view.Clone();
        try
        {
            return new Frame(copy, CameraId, frame.Timestamp, frame.Sequence);
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<Frame> ReadFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var frame in _inner.ReadFramesAsync(cancellationToken).ConfigureAwait(false))
        {
            Frame cropped;
            using (frame)
            {
                cropped = Crop(frame);
            }

            yield return cropped;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}
