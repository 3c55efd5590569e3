using System.Buffers;
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
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a decoder.</summary>
    /// <param name="options">The limits; <see langword="null"/> for <see cref="ImageDecoderOptions.Default"/>.</param>
    /// <param name="timeProvider">The clock for default timestamps; <see langword="null"/> for the system clock.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public ImageDecoder(ImageDecoderOptions? options = null, TimeProvider? timeProvider = null)
    {
        Options = options ?? ImageDecoderOptions.Default;
        Options.Validate();
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the limits in force.</summary>
    public ImageDecoderOptions Options { get; }

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
    /// applied, so phone photos come out upright.
    /// </summary>
    /// <param name="data">The encoded image.</param>
    /// <returns>An 8-bit, 3-channel BGR <see cref="Mat"/>; grey and alpha images are converted. The caller disposes it.</returns>
    /// <exception cref="InvalidImageException">The input is not an acceptable image; the message says why.</exception>
    public Mat DecodeMat(ReadOnlySpan<byte> data)
    {
        var info = Inspect(data);
        Mat decoded;
        try
        {
            // IMREAD_COLOR converts grey, palette, 16-bit and alpha images to 8-bit BGR.
            decoded = Cv2.ImDecode(data, ImreadModes.Color);
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

        // EXIF orientation may swap the axes; anything else means the header lied about the pixels.
        var sameSize = decoded.Width == info.Width && decoded.Height == info.Height;
        var rotated = decoded.Width == info.Height && decoded.Height == info.Width;
        if (!sameSize && !rotated)
        {
            var message = $"The {info.Format} image is inconsistent: the header says {info.Width}x{info.Height}, the pixels are {decoded.Width}x{decoded.Height}.";
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
        var text = Base64Payload(base64OrDataUrl);

        // Base64 carries 3 bytes per 4 characters: refuse oversized text before allocating for it.
        var maxDecoded = ((long)text.Length * 3) / 4;
        var limitWithSlack = (long)Options.MaxEncodedBytes + 3;
        if (maxDecoded > limitWithSlack && CountNonWhitespace(text) * 3L / 4 > limitWithSlack)
        {
            throw new InvalidImageException($"The image is too large: about {maxDecoded} bytes; the limit is {Options.MaxEncodedBytes}.");
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, Math.Min(maxDecoded + 3, int.MaxValue)));
        try
        {
            if (!Convert.TryFromBase64Chars(text, buffer, out var written))
            {
                throw new InvalidImageException("The text is not valid base64.");
            }

            return Decode(buffer.AsSpan(0, written), cameraId, timestamp, sequence);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ReadOnlySpan<char> Base64Payload(string? text)
    {
        if (text is null)
        {
            throw new InvalidImageException("The image is missing (null).");
        }

        var span = text.AsSpan().Trim();
        if (span.IsEmpty)
        {
            throw new InvalidImageException("The image is empty (no base64 text).");
        }

        if (!span.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return span;
        }

        var comma = span.IndexOf(',');
        if (comma < 0)
        {
            throw new InvalidImageException("The data URL has no ',' before its payload.");
        }

        var header = span[5..comma];
        if (!header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidImageException("The data URL is not base64-encoded (';base64' is missing).");
        }

        var mediaType = header[..^7];
        if (!mediaType.IsEmpty && !mediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidImageException($"The data URL is not an image: media type '{mediaType}'.");
        }

        var payload = span[(comma + 1)..];
        if (payload.IsEmpty)
        {
            throw new InvalidImageException("The data URL has an empty payload.");
        }

        return payload;
    }

    private static long CountNonWhitespace(ReadOnlySpan<char> text)
    {
        long count = 0;
        foreach (var c in text)
        {
            if (!char.IsWhiteSpace(c))
            {
                count++;
            }
        }

        return count;
    }
}
