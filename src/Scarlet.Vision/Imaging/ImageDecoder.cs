using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Threading.RateLimiting;
using OpenCvSharp;

namespace Scarlet.Vision;

/// <summary>
/// Turns untrusted encoded images (bytes, base64, data URLs) into BGR <see cref="Frame"/>s. The format, size and
/// completeness are checked from the header before decoding, so oversized, truncated or hostile input fails fast with
/// an <see cref="InvalidImageException"/> and never reaches the native decoder in a state that could exhaust memory.
/// </summary>
/// <remarks>Thread-safe; share one instance.</remarks>
public sealed class ImageDecoder
{
    private const string DefaultCameraId = "image";

    // Base64 bytes live only while decoding. The shared pool would keep up to 32 arrays per size and core, so a burst of
    // 40 large uploads left ~100 MB of idle buffers behind (issue 21); this pool keeps four per size, none above 2 MB.
    private static readonly ArrayPool<byte> s_base64Pool = ArrayPool<byte>.Create(maxArrayLength: 2 * 1024 * 1024, maxArraysPerBucket: 4);
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a decoder.</summary>
    /// <param name="options">The limits; <see langword="null"/> for <see cref="ImageDecoderOptions.Default"/>.</param>
    /// <param name="timeProvider">The clock for default timestamps; <see langword="null"/> for the system clock.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public ImageDecoder(ImageDecoderOptions? options = null, TimeProvider? timeProvider = null)
        : this(options, timeProvider, budget: null)
    {
    }

    /// <summary>Creates a decoder whose decoded images share a process-wide memory budget.</summary>
    /// <param name="options">The limits; <see langword="null"/> for <see cref="ImageDecoderOptions.Default"/>.</param>
    /// <param name="timeProvider">The clock for default timestamps; <see langword="null"/> for the system clock.</param>
    /// <param name="budget">
    /// The budget every decoded image takes its share of until disposed, and whose options decide JPEG scaled decode;
    /// <see langword="null"/> for none.
    /// </param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public ImageDecoder(ImageDecoderOptions? options, TimeProvider? timeProvider, ImageMemoryBudget? budget)
    {
        Options = options ?? ImageDecoderOptions.Default;
        Options.Validate();
        _timeProvider = timeProvider ?? TimeProvider.System;
        Budget = budget;
    }

    /// <summary>Gets the limits in force.</summary>
    public ImageDecoderOptions Options { get; }

    /// <summary>Gets the memory budget decoded images take their share of; <see langword="null"/> for none.</summary>
    public ImageMemoryBudget? Budget { get; }

    /// <summary>
    /// Reads the format and declared size of an encoded image and checks it against the limits, without decoding pixels.
    /// </summary>
    /// <param name="data">The encoded image.</param>
    /// <returns>The format and size the header declares.</returns>
    /// <exception cref="InvalidImageException">The data is empty, too large, not a supported image, truncated, or out of the size limits.</exception>
    public ImageInfo Inspect(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            throw new InvalidImageException("The image is empty (0 bytes).");
        }

        if (data.Length > Options.MaxEncodedBytes)
        {
            throw new InvalidImageException($"The image is too large: {data.Length} bytes; the limit is {Options.MaxEncodedBytes}.");
        }

        var format = ImageHeaderParser.DetectFormat(data);
        var allowed = format switch
        {
            ImageFormat.Jpeg => ImageFormats.Jpeg,
            ImageFormat.Png => ImageFormats.Png,
            ImageFormat.Bmp => ImageFormats.Bmp,
            ImageFormat.WebP => ImageFormats.WebP,
            _ => ImageFormats.None,
        };
        if (format == ImageFormat.Unknown)
        {
            throw new InvalidImageException("The data is not an image (no JPEG, PNG, BMP or WebP signature).");
        }

        if ((Options.AllowedFormats & allowed) == ImageFormats.None)
        {
            throw new InvalidImageException($"Unsupported image format {format}; accepted: {Options.AllowedFormats}.");
        }

        var info = ImageHeaderParser.ReadSize(format, data);
        if (info.PixelCount > Options.MaxPixels)
        {
            throw new InvalidImageException(
                $"The image has too many pixels: {info.Width}x{info.Height} ({info.PixelCount}); the limit is {Options.MaxPixels}.");
        }

        if (format is ImageFormat.Png or ImageFormat.WebP or ImageFormat.Bmp
            && info.PixelCount > Options.ExpansionCheckMinPixels
            && info.PixelCount > Options.MaxPixelsPerByte * data.Length)
        {
            throw new InvalidImageException(
                $"The {format} image declares {info.Width}x{info.Height} pixels in only {data.Length} bytes ({info.PixelCount / (double)data.Length:F0} pixels per byte; the limit is {Options.MaxPixelsPerByte:F0}): refused as a decompression bomb.");
        }

        if (info.Width < Options.MinWidth || info.Height < Options.MinHeight)
        {
            throw new InvalidImageException(
                $"The image is too small: {info.Width}x{info.Height}; the minimum is {Options.MinWidth}x{Options.MinHeight}.");
        }

        ImageHeaderParser.CheckComplete(format, data);
        return info;
    }

    /// <summary>
    /// Decodes an encoded image (JPEG, PNG, BMP or WebP) to BGR pixels the caller owns. A JPEG's EXIF orientation is
    /// applied, so phone photos come out upright. With a <see cref="Budget"/>, the image takes its share at once or is
    /// refused (use <see cref="DecodeAsync(ReadOnlyMemory{byte}, CancellationToken)"/> to wait for it), and is decoded at
    /// full scale.
    /// </summary>
    /// <param name="data">The encoded image.</param>
    /// <returns>An 8-bit, 3-channel BGR <see cref="Mat"/>; grey and alpha images are converted. The caller disposes it.</returns>
    /// <exception cref="InvalidImageException">The input is not an acceptable image; the message says why.</exception>
    /// <exception cref="ImageBudgetExceededException">The budget is in use by other images.</exception>
    public Mat DecodeMat(ReadOnlySpan<byte> data)
    {
        var info = Inspect(data);
        if (Budget is null)
        {
            return DecodePixels(data, info, 1);
        }

        // Without waiting, both acquisitions complete synchronously.
        var pixels = Budget.AcquirePixelsAsync(info.PixelCount, wait: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        RateLimitLease slot;
        try
        {
            slot = Budget.AcquireDecodeSlotAsync(wait: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
        catch
        {
            pixels.Dispose();
            throw;
        }

        return DecodeLeased(data, info, 1, pixels, slot);
    }

    /// <summary>
    /// Decodes an encoded image, waiting for its share of the <see cref="Budget"/> (if any) up to the budget's queue
    /// timeout. A JPEG above <see cref="ImageMemoryOptions.MaxFullScaleJpegPixels"/> is decoded at 1/2, 1/4 or 1/8 scale
    /// (<see cref="DecodedImage.Scale"/> says which).
    /// </summary>
    /// <param name="data">The encoded image; not read after the returned task completes.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The decoded image; the caller disposes it.</returns>
    /// <exception cref="InvalidImageException">The input is not an acceptable image; the message says why.</exception>
    /// <exception cref="ImageBudgetExceededException">The budget stayed in use by other images for the whole queue timeout.</exception>
    public async ValueTask<DecodedImage> DecodeAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var info = Inspect(data.Span);
        var scale = ScaleFor(info);
        if (Budget is null)
        {
            return new DecodedImage(DecodePixels(data.Span, info, scale), info, scale);
        }

        var pixels = await Budget.AcquirePixelsAsync(info.PixelCount / (scale * scale), wait: true, cancellationToken).ConfigureAwait(false);
        RateLimitLease slot;
        try
        {
            slot = await Budget.AcquireDecodeSlotAsync(wait: true, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            pixels.Dispose();
            throw;
        }

        return new DecodedImage(DecodeLeased(data.Span, info, scale, pixels, slot), info, scale);
    }

    /// <summary>
    /// Decodes a base64 string or a data URL (<c>data:image/jpeg;base64,...</c>) as
    /// <see cref="DecodeAsync(ReadOnlyMemory{byte}, CancellationToken)"/> does; the bytes live in a pooled buffer only
    /// while decoding. Whitespace inside the base64 text is ignored.
    /// </summary>
    /// <param name="base64OrDataUrl">Plain base64 or a base64 data URL of a JPEG, PNG, BMP or WebP image.</param>
    /// <param name="cancellationToken">Cancels the wait for the budget.</param>
    /// <returns>The decoded image; the caller disposes it.</returns>
    /// <exception cref="InvalidImageException">The text is null, empty, not base64, or not an acceptable image.</exception>
    /// <exception cref="ImageBudgetExceededException">The budget stayed in use by other images for the whole queue timeout.</exception>
    public async ValueTask<DecodedImage> DecodeBase64Async(string? base64OrDataUrl, CancellationToken cancellationToken = default)
    {
        var (buffer, written) = RentBase64Bytes(base64OrDataUrl);
        return await DecodeBase64BytesAsync(buffer, written, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Decodes base64 or a data URL given as UTF-8 text (as a JSON body carries it), as
    /// <see cref="DecodeBase64Async(string, CancellationToken)"/> does, without a UTF-16 string of the text: a web host
    /// that reads the field into a pooled buffer holds 1.4 MB per 1 MB photo instead of a 2.8 MB string.
    /// </summary>
    /// <param name="utf8Base64OrDataUrl">Plain base64 or a base64 data URL of a JPEG, PNG, BMP or WebP image, as UTF-8.</param>
    /// <param name="cancellationToken">Cancels the wait for the budget.</param>
    /// <returns>The decoded image; the caller disposes it.</returns>
    /// <exception cref="InvalidImageException">The text is empty, not base64, or not an acceptable image.</exception>
    /// <exception cref="ImageBudgetExceededException">The budget stayed in use by other images for the whole queue timeout.</exception>
    public async ValueTask<DecodedImage> DecodeBase64Utf8Async(ReadOnlyMemory<byte> utf8Base64OrDataUrl, CancellationToken cancellationToken = default)
    {
        var (buffer, written) = RentBase64Bytes(utf8Base64OrDataUrl.Span);
        return await DecodeBase64BytesAsync(buffer, written, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Decodes the image in a buffer from <see cref="s_base64Pool"/> and returns the buffer.</summary>
    private async ValueTask<DecodedImage> DecodeBase64BytesAsync(byte[] buffer, int written, CancellationToken cancellationToken)
    {
        using var activity = ScarletDiagnostics.Activities.StartActivity("image.decode");
        try
        {
            return await DecodeAsync(buffer.AsMemory(0, written), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            s_base64Pool.Return(buffer);
        }
    }

    private int ScaleFor(ImageInfo info)
    {
        var limit = Budget?.Options.MaxFullScaleJpegPixels ?? 0;
        if (info.Format != ImageFormat.Jpeg || limit <= 0)
        {
            return 1;
        }

        var scale = 1;
        while (scale < 8 && info.PixelCount / ((long)scale * scale) > limit)
        {
            scale *= 2;
        }

        return scale;
    }

    private static Mat DecodeLeased(ReadOnlySpan<byte> data, ImageInfo info, int scale, RateLimitLease pixels, RateLimitLease slot)
    {
        Mat decoded;
        try
        {
            using (slot)
            {
                decoded = DecodePixels(data, info, scale);
            }
        }
        catch
        {
            pixels.Dispose();
            throw;
        }

        using (decoded)
        {
            return new BudgetedMat(decoded, pixels);
        }
    }

    private static Mat DecodePixels(ReadOnlySpan<byte> data, ImageInfo info, int scale)
    {
        Mat decoded;
        try
        {
            // IMREAD_COLOR converts grey, palette, 16-bit and alpha images to 8-bit BGR; the REDUCED modes are libjpeg's
            // scaled decode (DCT scaling: the full-size pixels never exist).
            var mode = scale switch
            {
                2 => ImreadModes.ReducedColor2,
                4 => ImreadModes.ReducedColor4,
                8 => ImreadModes.ReducedColor8,
                _ => ImreadModes.Color,
            };
            decoded = Cv2.ImDecode(data, mode);
        }
        catch (OpenCVException ex)
        {
            throw new InvalidImageException($"The {info.Format} image could not be decoded: {ex.Message}", ex);
        }

        if (decoded.Empty() || decoded.Type() != MatType.CV_8UC3)
        {
            decoded.Dispose();
            throw new InvalidImageException($"The {info.Format} image is corrupt and could not be decoded.");
        }

        // EXIF orientation may swap the axes; anything else means the header lied about the pixels. Scaled decode rounds up.
        int w = (info.Width + scale - 1) / scale, h = (info.Height + scale - 1) / scale;
        var sameSize = decoded.Width == w && decoded.Height == h;
        var rotated = decoded.Width == h && decoded.Height == w;
        if (!sameSize && !rotated)
        {
            var message = $"The {info.Format} image is inconsistent: the header says {info.Width}x{info.Height}, the pixels are {decoded.Width * scale}x{decoded.Height * scale}.";
            decoded.Dispose();
            throw new InvalidImageException(message);
        }

        return decoded;
    }

    /// <summary>Decodes an encoded image into a frame.</summary>
    /// <param name="data">The encoded image (JPEG, PNG, BMP or WebP).</param>
    /// <param name="cameraId">The camera id for the frame; <see langword="null"/> for <c>"image"</c>.</param>
    /// <param name="timestamp">The capture time; <see langword="null"/> for now.</param>
    /// <param name="sequence">The sequence number.</param>
    /// <returns>A frame the caller disposes.</returns>
    /// <exception cref="InvalidImageException">The input is not an acceptable image; the message says why.</exception>
    public Frame Decode(ReadOnlySpan<byte> data, string? cameraId = null, DateTimeOffset? timestamp = null, long sequence = 0)
    {
        var mat = DecodeMat(data);
        try
        {
            return new Frame(mat, cameraId ?? DefaultCameraId, timestamp ?? _timeProvider.GetUtcNow(), sequence);
        }
        catch
        {
            mat.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Decodes a base64 string or a data URL (<c>data:image/jpeg;base64,...</c>) into a frame. Whitespace inside the
    /// base64 text is ignored.
    /// </summary>
    /// <param name="base64OrDataUrl">Plain base64 or a base64 data URL of a JPEG, PNG, BMP or WebP image.</param>
    /// <param name="cameraId">The camera id for the frame; <see langword="null"/> for <c>"image"</c>.</param>
    /// <param name="timestamp">The capture time; <see langword="null"/> for now.</param>
    /// <param name="sequence">The sequence number.</param>
    /// <returns>A frame the caller disposes.</returns>
    /// <exception cref="InvalidImageException">The text is null, empty, not base64, or not an acceptable image.</exception>
    public Frame DecodeBase64(string? base64OrDataUrl, string? cameraId = null, DateTimeOffset? timestamp = null, long sequence = 0)
    {
        var (buffer, written) = RentBase64Bytes(base64OrDataUrl);
        try
        {
            return Decode(buffer.AsSpan(0, written), cameraId, timestamp, sequence);
        }
        finally
        {
            s_base64Pool.Return(buffer);
        }
    }

    /// <summary>The bytes of base64 text or a data URL in a buffer rented from <see cref="s_base64Pool"/>; the caller returns it.</summary>
    private (byte[] Buffer, int Written) RentBase64Bytes(string? base64OrDataUrl)
    {
        if (base64OrDataUrl is null)
        {
            throw new InvalidImageException("The image is missing (null).");
        }

        // Base64 and data URLs are ASCII: one byte a character, and anything else is not base64.
        var ascii = s_base64Pool.Rent(Math.Max(1, base64OrDataUrl.Length));
        try
        {
            if (Ascii.FromUtf16(base64OrDataUrl, ascii, out var length) != OperationStatus.Done)
            {
                throw new InvalidImageException("The text is not valid base64.");
            }

            return RentBase64Bytes(ascii.AsSpan(0, length));
        }
        finally
        {
            s_base64Pool.Return(ascii);
        }
    }

    private (byte[] Buffer, int Written) RentBase64Bytes(ReadOnlySpan<byte> utf8)
    {
        var text = Base64Payload(utf8);

        // Base64 carries 3 bytes per 4 characters: refuse oversized text before allocating for it.
        var maxDecoded = ((long)text.Length * 3) / 4;
        var limitWithSlack = (long)Options.MaxEncodedBytes + 3;
        if (maxDecoded > limitWithSlack && CountNonWhitespace(text) * 3L / 4 > limitWithSlack)
        {
            throw new InvalidImageException($"The image is too large: about {maxDecoded} bytes; the limit is {Options.MaxEncodedBytes}.");
        }

        var buffer = s_base64Pool.Rent((int)Math.Max(1, Math.Min(maxDecoded + 3, int.MaxValue)));
        if (Base64.DecodeFromUtf8(text, buffer, out _, out var written) != OperationStatus.Done)
        {
            s_base64Pool.Return(buffer);
            throw new InvalidImageException("The text is not valid base64.");
        }

        return (buffer, written);
    }

    private static ReadOnlySpan<byte> Base64Payload(ReadOnlySpan<byte> text)
    {
        var span = text.Trim(AsciiWhitespace);
        if (span.IsEmpty)
        {
            throw new InvalidImageException("The image is empty (no base64 text).");
        }

        if (!StartsWithIgnoreCase(span, "data:"u8))
        {
            return span;
        }

        var comma = span.IndexOf((byte)',');
        if (comma < 0)
        {
            throw new InvalidImageException("The data URL has no ',' before its payload.");
        }

        var header = span[5..comma];
        if (!EndsWithIgnoreCase(header, ";base64"u8))
        {
            throw new InvalidImageException("The data URL is not base64-encoded (';base64' is missing).");
        }

        var mediaType = header[..^7];
        if (!mediaType.IsEmpty && !StartsWithIgnoreCase(mediaType, "image/"u8))
        {
            throw new InvalidImageException($"The data URL is not an image: media type '{Encoding.UTF8.GetString(mediaType)}'.");
        }

        var payload = span[(comma + 1)..];
        if (payload.IsEmpty)
        {
            throw new InvalidImageException("The data URL has an empty payload.");
        }

        return payload;
    }

    /// <summary>ASCII whitespace: trimmed around base64 text and not counted towards its size.</summary>
    private static ReadOnlySpan<byte> AsciiWhitespace => " \t\r\n\f\v"u8;

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> prefix) =>
        text.Length >= prefix.Length && Ascii.EqualsIgnoreCase(text[..prefix.Length], prefix);

    private static bool EndsWithIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> suffix) =>
        text.Length >= suffix.Length && Ascii.EqualsIgnoreCase(text[^suffix.Length..], suffix);

    private static long CountNonWhitespace(ReadOnlySpan<byte> text)
    {
        long count = 0;
        foreach (var c in text)
        {
            if (!AsciiWhitespace.Contains(c))
            {
                count++;
            }
        }

        return count;
    }
}
