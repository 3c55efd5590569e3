using System.Buffers.Binary;

namespace Scarlet.Vision;

/// <summary>
/// Reads format, width and height from the first bytes of an encoded image, and checks the file is complete, by walking
/// the container structure (JPEG markers, PNG chunks, BMP headers, WebP RIFF chunks) without decoding pixels. This is
/// what lets <see cref="ImageDecoder"/> refuse decompression bombs and truncated uploads before OpenCV sees them.
/// </summary>
internal static class ImageHeaderParser
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Detects the format from magic bytes.</summary>
    public static ImageFormat DetectFormat(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        {
            return ImageFormat.Jpeg;
        }

        if (data.StartsWith(PngSignature))
        {
            return ImageFormat.Png;
        }

        if (data.Length >= 2 && data[0] == (byte)'B' && data[1] == (byte)'M')
        {
            return ImageFormat.Bmp;
        }

        if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            return ImageFormat.WebP;
        }

        if (data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8))
        {
            return ImageFormat.Gif;
        }

        if (data.StartsWith("II*\0"u8) || data.StartsWith("MM\0*"u8))
        {
            return ImageFormat.Tiff;
        }

        return ImageFormat.Unknown;
    }

    /// <summary>
    /// Reads the declared size of an image of a known format from its header only, so size limits can be applied
    /// before anything else (a decompression bomb is refused as such even when its body is missing).
    /// </summary>
    /// <exception cref="InvalidImageException">The header is malformed or cut off.</exception>
    public static ImageInfo ReadSize(ImageFormat format, ReadOnlySpan<byte> data) => format switch
    {
        ImageFormat.Jpeg => ReadJpeg(data, untilEnd: false, out _, out _),
        ImageFormat.Png => ReadPng(data, untilEnd: false),
        ImageFormat.Bmp => ReadBmp(data, checkRows: false),
        ImageFormat.WebP => ReadWebP(data, checkLength: false),
        _ => throw new InvalidImageException($"Cannot read the header of a {format} image."),
    };

    /// <summary>Checks the structure of the whole file: a JPEG reaches its EOI marker with at least one bit of coded data
    /// per 8x8 block, a PNG its IEND chunk, a BMP holds all its rows, a WebP all the bytes its RIFF header declares.</summary>
    /// <exception cref="InvalidImageException">The data is truncated or corrupt.</exception>
    public static void CheckComplete(ImageFormat format, ReadOnlySpan<byte> data)
    {
        _ = format switch
        {
            ImageFormat.Jpeg => CheckJpegScans(data),
            ImageFormat.Png => ReadPng(data, untilEnd: true),
            ImageFormat.Bmp => ReadBmp(data, checkRows: true),
            ImageFormat.WebP => ReadWebP(data, checkLength: true),
            _ => throw new InvalidImageException($"Cannot check a {format} image."),
        };
    }

    /// <summary>
    /// Finds where a JPEG that starts at the beginning of <paramref name="data"/> ends (just after its EOI marker), by
    /// walking its structure, so an EXIF thumbnail's EOI is not mistaken for the end.
    /// </summary>
    /// <returns>The length of the complete JPEG, or -1 when the data holds no complete, well-formed JPEG yet.</returns>
    public static int FindJpegEnd(ReadOnlySpan<byte> data)
    {
        if (DetectFormat(data) != ImageFormat.Jpeg)
        {
            return -1;
        }

        try
        {
            ReadJpeg(data, untilEnd: true, out var end, out _);
            return end;
        }
        catch (InvalidImageException)
        {
            return -1;
        }
    }

    /// <summary>
    /// A JPEG's decoder fills missing entropy-coded data with grey instead of failing, so a 150-byte file whose frame header
    /// declares 6000x6000 and whose scan holds a few bytes would be decoded to 108 MB of pixels (found by fuzzing). Every
    /// 8x8 block of the full-resolution component costs at least one bit in its first scan (a Huffman code is never
    /// shorter), so less coded data than one bit per block is a cut-off scan. Arithmetic-coded JPEGs have no such floor
    /// and are held to it too: they are rare, and browsers do not decode them either.
    /// </summary>
    private static ImageInfo CheckJpegScans(ReadOnlySpan<byte> data)
    {
        var info = ReadJpeg(data, untilEnd: true, out _, out var scanBytes);
        var blocks = ((info.Width + 7L) / 8) * ((info.Height + 7L) / 8);
        if (scanBytes * 8 < blocks)
        {
            throw Truncated("JPEG", $"its {info.Width}x{info.Height} pixels need at least {(blocks + 7) / 8} bytes of coded data (one bit per 8x8 block), it has {scanBytes}");
        }

        return info;
    }

    private static ImageInfo ReadJpeg(ReadOnlySpan<byte> data, bool untilEnd, out int end, out long scanBytes)
    {
        end = -1;
        scanBytes = 0;
        var scanStart = 0;
        int width = 0, height = 0;
        var pos = 2;
        var inScan = false;
        while (true)
        {
            if (inScan)
            {
                // Entropy-coded data: a literal 0xFF is stuffed as FF 00, so the next real marker is the next FF followed
                // by something other than 00, a fill FF or a restart marker (D0-D7).
                var next = data[pos..].IndexOf((byte)0xFF);
                if (next < 0)
                {
                    throw Truncated("JPEG", "the end-of-image marker is missing");
                }

                pos += next;
                if (pos + 1 >= data.Length)
                {
                    throw Truncated("JPEG", "the end-of-image marker is missing");
                }

                var b = data[pos + 1];
                if (b == 0x00 || b == 0xFF || (b >= 0xD0 && b <= 0xD7))
                {
                    pos += b == 0xFF ? 1 : 2;
                    continue;
                }

                inScan = false;
                scanBytes += pos - scanStart;
            }

            if (pos + 1 >= data.Length)
            {
                throw Truncated("JPEG", "the end-of-image marker is missing");
            }

            if (data[pos] != 0xFF)
            {
                throw new InvalidImageException($"The JPEG is corrupt: expected a marker at byte {pos}.");
            }

            var marker = data[pos + 1];
            if (marker == 0xFF)
            {
                pos++; // fill byte before a marker
                continue;
            }

            if (marker == 0xD9)
            {
                if (width == 0)
                {
                    throw new InvalidImageException("The JPEG is corrupt: it ends before any frame header (SOF).");
                }

                end = pos + 2;
                return new ImageInfo(ImageFormat.Jpeg, width, height);
            }

            if (marker == 0xD8)
            {
                throw new InvalidImageException("The JPEG is corrupt: a second start-of-image marker appears before the end.");
            }

            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
            {
                pos += 2;
                continue;
            }

            if (pos + 3 >= data.Length)
            {
                throw Truncated("JPEG", "a segment header is cut off");
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(pos + 2, 2));
            if (length < 2)
            {
                throw new InvalidImageException($"The JPEG is corrupt: segment 0x{marker:X2} has length {length}.");
            }

            var segmentEnd = pos + 2 + length;
            if (segmentEnd > data.Length)
            {
                throw Truncated("JPEG", $"segment 0x{marker:X2} is cut off");
            }

            var isSof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (isSof && width == 0)
            {
                if (length < 8)
                {
                    throw new InvalidImageException("The JPEG is corrupt: the frame header (SOF) is too short.");
                }

                height = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(pos + 5, 2));
                width = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(pos + 7, 2));
                if (width == 0 || height == 0)
                {
                    throw new InvalidImageException($"The JPEG declares an unsupported size {width}x{height}.");
                }

                if (!untilEnd)
                {
                    return new ImageInfo(ImageFormat.Jpeg, width, height);
                }
            }
            else if (marker == 0xDA)
            {
                if (width == 0)
                {
                    throw new InvalidImageException("The JPEG is corrupt: scan data comes before the frame header (SOF).");
                }

                inScan = true;
                scanStart = segmentEnd;
            }

            pos = segmentEnd;
        }
    }

    private static ImageInfo ReadPng(ReadOnlySpan<byte> data, bool untilEnd)
    {
        // Signature (8) + IHDR chunk: length (4) "IHDR" (4) width (4) height (4) ...
        if (data.Length < 24)
        {
            throw Truncated("PNG", "the header chunk is cut off");
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(data.Slice(8, 4)) != 13 || !data.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            throw new InvalidImageException("The PNG is corrupt: the first chunk is not a valid IHDR.");
        }

        var width = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(16, 4));
        var height = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(20, 4));
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
        {
            throw new InvalidImageException($"The PNG declares an unsupported size {width}x{height}.");
        }

        if (!untilEnd)
        {
            return new ImageInfo(ImageFormat.Png, (int)width, (int)height);
        }

        // Walk the chunks to IEND: a PNG cut short has no IEND (or a chunk running past the end).
        long pos = 8;
        while (true)
        {
            if (pos + 12 > data.Length)
            {
                throw Truncated("PNG", "the IEND chunk is missing");
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(data.Slice((int)pos, 4));
            if (length > int.MaxValue)
            {
                throw new InvalidImageException("The PNG is corrupt: a chunk length is out of range.");
            }

            var type = data.Slice((int)pos + 4, 4);
            var end = pos + 12 + length;
            if (end > data.Length)
            {
                throw Truncated("PNG", $"chunk '{System.Text.Encoding.ASCII.GetString(type)}' is cut off");
            }

            if (type.SequenceEqual("IEND"u8))
            {
                return new ImageInfo(ImageFormat.Png, (int)width, (int)height);
            }

            pos = end;
        }
    }

    private static ImageInfo ReadBmp(ReadOnlySpan<byte> data, bool checkRows)
    {
        if (data.Length < 26)
        {
            throw Truncated("BMP", "the header is cut off");
        }

        var pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(10, 4));
        var dibSize = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(14, 4));
        long width, height;
        int bitsPerPixel;
        uint compression = 0;
        if (dibSize == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(18, 2));
            height = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(20, 2));
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(24, 2));
        }
        else if (dibSize >= 40 && dibSize <= 124)
        {
            if (data.Length < 34)
            {
                throw Truncated("BMP", "the header is cut off");
            }

            width = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(18, 4));
            height = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(22, 4));
            height = Math.Abs(height); // negative height means top-down rows
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(28, 2));
            compression = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(30, 4));
        }
        else
        {
            throw new InvalidImageException($"The BMP is corrupt or unsupported: header size {dibSize}.");
        }

        if (width <= 0 || height <= 0 || width > int.MaxValue || height > int.MaxValue)
        {
            throw new InvalidImageException($"The BMP declares an unsupported size {width}x{height}.");
        }

        if (bitsPerPixel is not (1 or 4 or 8 or 16 or 24 or 32))
        {
            throw new InvalidImageException($"The BMP is corrupt or unsupported: {bitsPerPixel} bits per pixel.");
        }

        // Uncompressed rows have a known size, so a cut-off file is detectable; RLE data is checked by the decoder.
        if (!checkRows)
        {
            return new ImageInfo(ImageFormat.Bmp, (int)width, (int)height);
        }

        if (compression is 0 or 3 or 6)
        {
            var stride = ((width * bitsPerPixel) + 31) / 32 * 4;
            if (pixelOffset + (stride * height) > data.Length)
            {
                throw Truncated("BMP", "the pixel rows are cut off");
            }
        }
        else if (pixelOffset >= data.Length)
        {
            throw Truncated("BMP", "the pixel data is missing");
        }

        return new ImageInfo(ImageFormat.Bmp, (int)width, (int)height);
    }

    private static ImageInfo ReadWebP(ReadOnlySpan<byte> data, bool checkLength)
    {
        var riffSize = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(4, 4));
        if (checkLength && riffSize + 8L > data.Length)
        {
            throw Truncated("WebP", $"the RIFF container declares {riffSize + 8L} bytes but has {data.Length}");
        }

        if (data.Length < 30)
        {
            throw Truncated("WebP", "the first chunk is cut off");
        }

        var chunk = data.Slice(12, 4);
        var payload = data[20..];
        long width, height;
        if (chunk.SequenceEqual("VP8X"u8))
        {
            // flags (4), canvas width - 1 (24-bit LE), canvas height - 1 (24-bit LE)
            width = 1 + (payload[4] | (payload[5] << 8) | (payload[6] << 16));
            height = 1 + (payload[7] | (payload[8] << 8) | (payload[9] << 16));
        }
        else if (chunk.SequenceEqual("VP8L"u8))
        {
            // signature 0x2F, then 14 bits width - 1, 14 bits height - 1
            if (payload[0] != 0x2F)
            {
                throw new InvalidImageException("The WebP is corrupt: bad VP8L signature.");
            }

            var bits = BinaryPrimitives.ReadUInt32LittleEndian(payload.Slice(1, 4));
            width = 1 + (bits & 0x3FFF);
            height = 1 + ((bits >> 14) & 0x3FFF);
        }
        else if (chunk.SequenceEqual("VP8 "u8))
        {
            // 3-byte frame tag, start code 9D 01 2A, then 14-bit width and height (2 scale bits each)
            if (payload[3] != 0x9D || payload[4] != 0x01 || payload[5] != 0x2A)
            {
                throw new InvalidImageException("The WebP is corrupt: bad VP8 start code.");
            }

            width = BinaryPrimitives.ReadUInt16LittleEndian(payload.Slice(6, 2)) & 0x3FFF;
            height = BinaryPrimitives.ReadUInt16LittleEndian(payload.Slice(8, 2)) & 0x3FFF;
        }
        else
        {
            throw new InvalidImageException($"The WebP is corrupt: unknown first chunk '{System.Text.Encoding.ASCII.GetString(chunk)}'.");
        }

        if (width <= 0 || height <= 0)
        {
            throw new InvalidImageException($"The WebP declares an unsupported size {width}x{height}.");
        }

        return new ImageInfo(ImageFormat.WebP, (int)width, (int)height);
    }

    private static InvalidImageException Truncated(string format, string detail) =>
        new($"The {format} image is truncated or corrupt: {detail}.");
}
