using OpenCvSharp;

namespace Scarlet.Vision;

/// <summary>
/// One image from a camera, a file or a request: BGR pixels plus the camera id, the capture time and a sequence number.
/// </summary>
/// <remarks>
/// A frame owns its <see cref="Mat"/>; <see cref="Dispose"/> releases the native pixels exactly once. Whoever receives a
/// frame from an <see cref="IFrameSource"/> or <c>ImageDecoder</c> disposes it. Live frames are counted in
/// <see cref="ScarletDiagnostics.LiveNativeObjects"/>.
/// </remarks>
public sealed class Frame : IDisposable
{
    private Mat? _image;

    /// <summary>Creates a frame that takes ownership of <paramref name="image"/> (8-bit, 3-channel BGR).</summary>
    /// <param name="image">The pixels; the frame disposes it.</param>
    /// <param name="cameraId">The id of the camera or source the frame came from.</param>
    /// <param name="timestamp">When the frame was captured.</param>
    /// <param name="sequence">The frame's index in its source, from 0.</param>
    public Frame(Mat image, string cameraId, DateTimeOffset timestamp, long sequence)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(cameraId);
        if (image.Empty())
        {
            throw new ArgumentException("The image is empty.", nameof(image));
        }

        if (image.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException($"A frame holds 8-bit BGR pixels (CV_8UC3); got {image.Type()}.", nameof(image));
        }

        _image = image;
        CameraId = cameraId;
        Timestamp = timestamp;
        Sequence = sequence;
        Width = image.Width;
        Height = image.Height;
        ScarletDiagnostics.NativeObjectCreated();
    }

    /// <summary>Gets the pixels (BGR, 8-bit). Valid until the frame is disposed; do not dispose it yourself.</summary>
    public Mat Image
    {
        get
        {
            var image = _image;
            ObjectDisposedException.ThrowIf(image is null, this);
            return image;
        }
    }

    /// <summary>Gets the id of the camera or source.</summary>
    public string CameraId { get; }

    /// <summary>Gets the capture time.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Gets the frame's index in its source, from 0.</summary>
    public long Sequence { get; }

    /// <summary>Gets the width in pixels.</summary>
    public int Width { get; }

    /// <summary>Gets the height in pixels.</summary>
    public int Height { get; }

    /// <summary>Gets whether the frame has been disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _image) is null;

    /// <summary>Releases the native pixels. Safe to call more than once.</summary>
    public void Dispose()
    {
        var image = Interlocked.Exchange(ref _image, null);
        if (image is not null)
        {
            image.Dispose();
            ScarletDiagnostics.NativeObjectReleased();
        }
    }
}
