namespace Scarlet.Vision;

/// <summary>An encoded image format, detected from the first bytes of the data.</summary>
public enum ImageFormat
{
    /// <summary>Not recognised.</summary>
    Unknown = 0,

    /// <summary>JPEG (JFIF/EXIF), starts with <c>FF D8 FF</c>.</summary>
    Jpeg,

    /// <summary>PNG, starts with the 8-byte PNG signature.</summary>
    Png,

    /// <summary>Windows bitmap, starts with <c>BM</c>.</summary>
    Bmp,

    /// <summary>WebP (lossy VP8, lossless VP8L or extended VP8X) in a RIFF container.</summary>
    WebP,

    /// <summary>GIF: recognised so the error can name it, never decoded.</summary>
    Gif,

    /// <summary>TIFF: recognised so the error can name it, never decoded.</summary>
    Tiff,
}

/// <summary>A set of image formats, for <see cref="ImageDecoderOptions.AllowedFormats"/>.</summary>
[Flags]
public enum ImageFormats
{
    /// <summary>No format.</summary>
    None = 0,

    /// <summary>JPEG.</summary>
    Jpeg = 1,

    /// <summary>PNG.</summary>
    Png = 2,

    /// <summary>BMP.</summary>
    Bmp = 4,

    /// <summary>WebP.</summary>
    WebP = 8,

    /// <summary>Every format Scarlet decodes.</summary>
    All = Jpeg | Png | Bmp | WebP,
}

/// <summary>What the header of an encoded image says, read without decoding the pixels.</summary>
/// <param name="Format">The detected format.</param>
/// <param name="Width">The width in pixels the header declares.</param>
/// <param name="Height">The height in pixels the header declares.</param>
public readonly record struct ImageInfo(ImageFormat Format, int Width, int Height)
{
    /// <summary>Gets the declared pixel count (width times height), as a 64-bit number so bombs cannot overflow it.</summary>
    public long PixelCount => (long)Width * Height;
}
