using System.ComponentModel.DataAnnotations;

namespace Scarlet.Vision;

/// <summary>Limits applied by <see cref="ImageDecoder"/> to untrusted input, checked before any pixel is decoded.</summary>
public sealed class ImageDecoderOptions : IValidatableObject
{
    /// <summary>The default largest encoded size: 20 MB.</summary>
    public const int DefaultMaxEncodedBytes = 20 * 1024 * 1024;

    /// <summary>The default largest pixel count: 40 megapixels.</summary>
    public const long DefaultMaxPixels = 40_000_000;

    /// <summary>Gets the largest accepted encoded size in bytes (after base64 decoding).</summary>
    /// <value>The default value is 20 MB (<see cref="DefaultMaxEncodedBytes"/>).</value>
    [Range(1, int.MaxValue)]
    public int MaxEncodedBytes { get; init; } = DefaultMaxEncodedBytes;

    /// <summary>Gets the largest accepted width times height, as declared by the image header.</summary>
    /// <value>The default value is 40,000,000 (<see cref="DefaultMaxPixels"/>).</value>
    [Range(1L, long.MaxValue)]
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    /// <summary>Gets the smallest accepted width in pixels.</summary>
    /// <value>The default value is 16.</value>
    [Range(1, 65535)]
    public int MinWidth { get; init; } = 16;

    /// <summary>Gets the smallest accepted height in pixels.</summary>
    /// <value>The default value is 16.</value>
    [Range(1, 65535)]
    public int MinHeight { get; init; } = 16;

    /// <summary>
    /// Gets the most pixels a PNG, WebP or BMP may declare per encoded byte once it declares more than
    /// <see cref="ExpansionCheckMinPixels"/>: more is a decompression bomb (a 1,080-byte RLE BMP of 6000x6000 declares
    /// 33,000 pixels per byte, a 105 KB PNG of the same size 343), refused before any pixel is decoded. Photographs stay
    /// far under it (a few pixels per byte; flat screenshots tens). JPEG is checked differently: its scans must carry at
    /// least one bit per 8x8 block (at most 512 pixels per byte), since its decoder fills missing data with grey.
    /// </summary>
    /// <value>The default value is 100.</value>
    [Range(1.0, 1_000_000.0)]
    public double MaxPixelsPerByte { get; init; } = 100;

    /// <summary>Gets the declared pixel count above which <see cref="MaxPixelsPerByte"/> applies (small images cannot cost much).</summary>
    /// <value>The default value is 4,000,000.</value>
    [Range(0L, long.MaxValue)]
    public long ExpansionCheckMinPixels { get; init; } = 4_000_000;

    /// <summary>Gets the formats accepted.</summary>
    /// <value>The default value is <see cref="ImageFormats.All"/> (JPEG, PNG, BMP, WebP).</value>
    public ImageFormats AllowedFormats { get; init; } = ImageFormats.All;

    /// <summary>Gets the shared default options.</summary>
    public static ImageDecoderOptions Default { get; } = new();

    /// <summary>Checks the options and throws when they are inconsistent.</summary>
    /// <exception cref="ArgumentException">A limit is out of range.</exception>
    public void Validate()
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
        {
            throw new ArgumentException("Invalid ImageDecoderOptions: " + string.Join(" ", results.Select(r => r.ErrorMessage)));
        }
    }

    /// <inheritdoc />
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if ((AllowedFormats & ImageFormats.All) == ImageFormats.None || (AllowedFormats & ~ImageFormats.All) != 0)
        {
            yield return new ValidationResult(
                $"AllowedFormats must name at least one of {ImageFormats.All} and nothing else; got {AllowedFormats}.",
                [nameof(AllowedFormats)]);
        }

        if ((long)MinWidth * MinHeight > MaxPixels)
        {
            yield return new ValidationResult(
                $"MinWidth x MinHeight ({MinWidth}x{MinHeight}) exceeds MaxPixels ({MaxPixels}).",
                [nameof(MinWidth), nameof(MinHeight), nameof(MaxPixels)]);
        }
    }
}
