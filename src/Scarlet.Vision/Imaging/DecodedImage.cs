using OpenCvSharp;

namespace Scarlet.Vision;

/// <summary>
/// An image decoded by <see cref="ImageDecoder.DecodeAsync(ReadOnlyMemory{byte}, CancellationToken)"/>: its BGR pixels,
/// possibly at a reduced scale, and what its header declared. Disposing it frees the pixels and gives their share of the
/// <see cref="ImageMemoryBudget"/> back.
/// </summary>
public sealed class DecodedImage : IDisposable
{
    internal DecodedImage(Mat pixels, ImageInfo source, int scale)
    {
        Pixels = pixels;
        Source = source;
        Scale = scale;
    }

    /// <summary>Gets the 8-bit, 3-channel BGR pixels (upright: a JPEG's EXIF orientation is applied).</summary>
    public Mat Pixels { get; }

    /// <summary>Gets the format and size the header declared.</summary>
    public ImageInfo Source { get; }

    /// <summary>Gets how many source pixels one decoded pixel spans per axis: 1, or 2, 4 or 8 for a JPEG decoded scaled.</summary>
    public int Scale { get; }

    /// <inheritdoc />
    public void Dispose() => Pixels.Dispose();
}
