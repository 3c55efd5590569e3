using System.Buffers.Binary;
using System.Text;
using OpenCvSharp;
using Scarlet.Testing;
using Scarlet.Vision.Tests.Sources;

namespace Scarlet.Vision.Tests;

[Collection(NativeCounterCollection.Name)]
public sealed class ImageDecoderTests : IDisposable
{
    private readonly long _liveAtStart = ScarletDiagnostics.LiveNativeObjects;
    private readonly ImageDecoder _decoder = new();

    public void Dispose() => Assert.Equal(_liveAtStart, ScarletDiagnostics.LiveNativeObjects);

    [Fact]
    public void Decodes_a_real_jpeg_with_caller_metadata()
    {
        var when = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        using var frame = _decoder.Decode(TestImages.ZidaneJpeg, "till-1", when, 42);
        Assert.Equal(1280, frame.Width);
        Assert.Equal(720, frame.Height);
        Assert.Equal(MatType.CV_8UC3, frame.Image.Type());
        Assert.Equal("till-1", frame.CameraId);
        Assert.Equal(when, frame.Timestamp);
        Assert.Equal(42, frame.Sequence);
        Assert.True(Cv2.Mean(frame.Image).Val0 > 10, "decoded pixels should not be black");
    }

    [Fact]
    public void Defaults_camera_id_and_timestamp_from_the_clock()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero));
        var decoder = new ImageDecoder(timeProvider: clock);
        using var frame = decoder.Decode(TestImages.ZidaneJpeg);
        Assert.Equal("image", frame.CameraId);
        Assert.Equal(clock.GetUtcNow(), frame.Timestamp);
        Assert.Equal(0, frame.Sequence);
    }

    [Fact]
    public void Inspect_reads_the_header_without_decoding()
    {
        var info = _decoder.Inspect(TestImages.ZidaneJpeg);
        Assert.Equal(new ImageInfo(ImageFormat.Jpeg, 1280, 720), info);
        Assert.Equal(new ImageInfo(ImageFormat.Png, 150, 150), _decoder.Inspect(TestImages.GrayPng));
    }

    [Fact]
    public void Every_shared_photo_passes_the_header_checks_and_decodes_to_its_declared_size()
    {
        // Real-world files (progressive JPEGs, EXIF thumbnails, grey PNGs): the structural checks must not reject them.
        string[] folders = ["images", "faces/deepface", "faces/face_recognition", "faces/dlib_johns", "faces/faceapi_bbt"];
        var checkedFiles = 0;
        foreach (var folder in folders)
        {
            foreach (var file in Directory.EnumerateFiles(TestAssets.Data(folder), "*", SearchOption.AllDirectories))
            {
                var extension = Path.GetExtension(file).ToUpperInvariant();
                if (extension is not (".JPG" or ".JPEG" or ".PNG"))
                {
                    continue;
                }

                var bytes = File.ReadAllBytes(file);
                var info = _decoder.Inspect(bytes);
                using var mat = _decoder.DecodeMat(bytes);
                Assert.True(
                    (mat.Width, mat.Height) == (info.Width, info.Height) || (mat.Width, mat.Height) == (info.Height, info.Width),
                    $"{file}: header {info.Width}x{info.Height}, pixels {mat.Width}x{mat.Height}");
                checkedFiles++;
            }
        }

        Assert.True(checkedFiles > 100, $"only {checkedFiles} files found");
    }

    [Fact]
    public void Every_lfw_image_passes_the_header_checks()
    {
        var count = 0;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(TestAssets.Lfw, "images"), "*.jpg", SearchOption.AllDirectories))
        {
            Assert.Equal(new ImageInfo(ImageFormat.Jpeg, 250, 250), _decoder.Inspect(File.ReadAllBytes(file)));
            count++;
        }

        Assert.Equal(5367, count);
    }

    [Fact]
    public void Grayscale_png_becomes_bgr()
    {
        using var frame = _decoder.Decode(TestImages.GrayPng);
        Assert.Equal(MatType.CV_8UC3, frame.Image.Type());
        Assert.Equal(150, frame.Width);
        var channels = frame.Image.Split();
        try
        {
            using var diff = new Mat();
            Cv2.Absdiff(channels[0], channels[2], diff);
            Assert.Equal(0, Cv2.CountNonZero(diff));
        }
        finally
        {
            foreach (var c in channels)
            {
                c.Dispose();
            }
        }
    }

    [Theory]
    [InlineData(".png", 4, ImageFormat.Png)]
    [InlineData(".png", 1, ImageFormat.Png)]
    [InlineData(".bmp", 3, ImageFormat.Bmp)]
    [InlineData(".bmp", 1, ImageFormat.Bmp)]
    [InlineData(".webp", 3, ImageFormat.WebP)]
    [InlineData(".jpg", 1, ImageFormat.Jpeg)]
    public void Decodes_every_allowed_format_and_channel_layout(string extension, int channels, ImageFormat format)
    {
        var bytes = TestImages.Encode(extension, 40, 30, channels);
        Assert.Equal(new ImageInfo(format, 40, 30), _decoder.Inspect(bytes));
        using var frame = _decoder.Decode(bytes);
        Assert.Equal((40, 30), (frame.Width, frame.Height));
        Assert.Equal(MatType.CV_8UC3, frame.Image.Type());
    }

    [Fact]
    public void Lossless_webp_header_is_read()
    {
        var bytes = TestImages.Encode(".webp", 37, 21, 3, (int)ImwriteFlags.WebPQuality, 101);
        Assert.Equal("VP8L", Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(new ImageInfo(ImageFormat.WebP, 37, 21), _decoder.Inspect(bytes));
    }

    [Fact]
    public void Decodes_base64_and_data_urls()
    {
        var jpeg = TestImages.ZidaneJpeg;
        var base64 = Convert.ToBase64String(jpeg);
        using (var frame = _decoder.DecodeBase64(base64))
        {
            Assert.Equal(1280, frame.Width);
        }

        using (var frame = _decoder.DecodeBase64("data:image/jpeg;base64," + base64, "cam", sequence: 7))
        {
            Assert.Equal(720, frame.Height);
            Assert.Equal(7, frame.Sequence);
        }

        // Line-wrapped base64 (MIME style) is accepted.
        using (var frame = _decoder.DecodeBase64(Convert.ToBase64String(jpeg, Base64FormattingOptions.InsertLineBreaks)))
        {
            Assert.Equal(1280, frame.Width);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("data:image/jpeg;base64,")]
    [InlineData("DATA:IMAGE/JPEG;BASE64,")]
    public async Task Decodes_utf8_base64_and_data_urls_as_the_string_does(string prefix)
    {
        var jpeg = TestImages.ZidaneJpeg;
        foreach (var base64 in new[] { Convert.ToBase64String(jpeg), Convert.ToBase64String(jpeg, Base64FormattingOptions.InsertLineBreaks) })
        {
            var text = "  " + prefix + base64 + "\n";
            using var fromUtf8 = await _decoder.DecodeBase64Utf8Async(Encoding.UTF8.GetBytes(text));
            using var fromString = await _decoder.DecodeBase64Async(text);
            Assert.Equal((1280, 720), (fromUtf8.Pixels.Width, fromUtf8.Pixels.Height));
            using var diff = new Mat();
            Cv2.Absdiff(fromUtf8.Pixels, fromString.Pixels, diff);
            Assert.Equal(0, Cv2.CountNonZero(diff.Reshape(1)));
        }
    }

    [Theory]
    [InlineData(null, "missing")]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("this is not base64!", "not valid base64")]
    [InlineData("data:image/png;base64,", "empty payload")]
    [InlineData("data:image/png,iVBORw0KGgo=", "not base64-encoded")]
    [InlineData("data:text/plain;base64,aGVsbG8=", "not an image")]
    [InlineData("aGVsbG8gd29ybGQsIHRoaXMgaXMgdGV4dA==", "not an image")]
    [InlineData("aGVsbG8g\u00e9", "not valid base64")]
    public async Task Bad_text_is_rejected_with_a_clear_message(string? text, string expected)
    {
        var ex = Assert.Throws<InvalidImageException>(() => _decoder.DecodeBase64(text));
        Assert.Contains(expected, ex.Message, StringComparison.OrdinalIgnoreCase);
        if (text is not null)
        {
            var utf8 = await Assert.ThrowsAsync<InvalidImageException>(async () => await _decoder.DecodeBase64Utf8Async(Encoding.UTF8.GetBytes(text)));
            Assert.Equal(ex.Message, utf8.Message);
        }
    }

    [Fact]
    public void Empty_and_non_image_bytes_are_rejected()
    {
        Assert.Contains("empty", Assert.Throws<InvalidImageException>(() => _decoder.Decode([])).Message, StringComparison.Ordinal);
        Assert.Contains("not an image", Assert.Throws<InvalidImageException>(() => _decoder.Decode("%PDF-1.7 hello"u8)).Message, StringComparison.Ordinal);
        Assert.Contains("not an image", Assert.Throws<InvalidImageException>(() => _decoder.Decode([0xFF])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gif_and_tiff_are_named_as_unsupported()
    {
        var gif = Assert.Throws<InvalidImageException>(() => _decoder.Decode("GIF89a\x10\0\x10\0\0\0\0;"u8));
        Assert.Contains("Unsupported image format Gif", gif.Message, StringComparison.Ordinal);
        var tiff = TestImages.Encode(".tiff", 32, 32);
        Assert.Contains("Unsupported image format Tiff", Assert.Throws<InvalidImageException>(() => _decoder.Decode(tiff)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Formats_outside_the_allowed_set_are_rejected()
    {
        var jpegOnly = new ImageDecoder(new ImageDecoderOptions { AllowedFormats = ImageFormats.Jpeg });
        var ex = Assert.Throws<InvalidImageException>(() => jpegOnly.Decode(TestImages.GrayPng));
        Assert.Contains("Unsupported image format Png", ex.Message, StringComparison.Ordinal);
        using var frame = jpegOnly.Decode(TestImages.ZidaneJpeg);
    }

    [Fact]
    public void Jpeg_cut_in_half_is_rejected_not_decoded_to_grey()
    {
        var jpeg = TestImages.ZidaneJpeg;
        var ex = Assert.Throws<InvalidImageException>(() => _decoder.Decode(jpeg.AsSpan(0, jpeg.Length / 2)));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".png")]
    [InlineData(".bmp")]
    [InlineData(".webp")]
    public void Truncated_files_of_each_format_are_rejected(string extension)
    {
        var bytes = TestImages.Encode(extension, 64, 64);
        var ex = Assert.Throws<InvalidImageException>(() => _decoder.Decode(bytes.AsSpan(0, bytes.Length * 2 / 3)));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_real_png_is_rejected()
    {
        var png = TestImages.GrayPng;
        Assert.Throws<InvalidImageException>(() => _decoder.Decode(png.AsSpan(0, png.Length - 20)));
    }

    [Fact]
    public void Every_prefix_of_a_jpeg_is_rejected_without_crashing()
    {
        var jpeg = TestImages.Encode(".jpg", 48, 48);
        for (var length = 0; length < jpeg.Length - 1; length += 7)
        {
            Assert.Throws<InvalidImageException>(() => _decoder.Decode(jpeg.AsSpan(0, length)));
        }
    }

    [Theory]
    [InlineData(".png")]
    [InlineData(".jpg")]
    [InlineData(".bmp")]
    [InlineData(".webp")]
    public void Corrupted_bytes_either_decode_or_throw_the_typed_exception(string extension)
    {
        var original = TestImages.Encode(extension, 48, 48);
        var random = new Random(1234);
        for (var i = 0; i < 60; i++)
        {
            var bytes = (byte[])original.Clone();
            for (var k = 0; k < 4; k++)
            {
                bytes[random.Next(8, bytes.Length)] ^= (byte)random.Next(1, 256);
            }

            try
            {
                _decoder.Decode(bytes).Dispose();
            }
            catch (InvalidImageException)
            {
            }
        }
    }

    [Fact]
    public void Random_bytes_behind_a_valid_signature_are_rejected()
    {
        var random = new Random(99);
        byte[][] signatures = [[0xFF, 0xD8, 0xFF], [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "BM"u8.ToArray(), "RIFF\0\0\0\0WEBPVP8 "u8.ToArray()];
        foreach (var signature in signatures)
        {
            for (var i = 0; i < 50; i++)
            {
                var bytes = new byte[random.Next(0, 400)];
                random.NextBytes(bytes);
                var data = signature.Concat(bytes).ToArray();
                Assert.Throws<InvalidImageException>(() => _decoder.Decode(data));
            }
        }
    }

    [Fact]
    public void Decompression_bomb_is_refused_from_the_header()
    {
        // A complete, real JPEG whose frame header claims 50000x50000: refused before the decoder allocates 7.5 GB.
        var jpeg = TestImages.ZidaneJpeg;
        var sof = FindSof(jpeg);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 5), 50000);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 7), 50000);
        var ex = Assert.Throws<InvalidImageException>(() => _decoder.Decode(jpeg));
        Assert.Contains("too many pixels: 50000x50000", ex.Message, StringComparison.Ordinal);

        // A PNG header alone (no image data) claiming 50000x50000 is named as a bomb too.
        var png = new byte[33];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13 }.CopyTo(png, 0);
        "IHDR"u8.CopyTo(png.AsSpan(12));
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(16), 50000);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(20), 50000);
        Assert.Contains("too many pixels", Assert.Throws<InvalidImageException>(() => _decoder.Decode(png)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Small_files_declaring_huge_images_are_refused_as_bombs_before_decoding()
    {
        // The RLE8 BMP: 1,080 bytes declaring 6000x6000 (within the 40 Mpx limit), its body one end-of-bitmap code.
        var bmp = new byte[14 + 40 + 1024 + 2];
        "BM"u8.CopyTo(bmp);
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(2), (uint)bmp.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(10), 14 + 40 + 1024);
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), 6000);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), 6000);
        BinaryPrimitives.WriteUInt16LittleEndian(bmp.AsSpan(26), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(bmp.AsSpan(28), 8);
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(30), 1); // BI_RLE8
        bmp[^1] = 1; // 00 01: end of bitmap
        var ex = Assert.Throws<InvalidImageException>(() => _decoder.Decode(bmp));
        Assert.Contains("decompression bomb", ex.Message, StringComparison.Ordinal);

        // A real PNG of 6000x6000 flat pixels: tens of kilobytes that would decode to 108 MB.
        byte[] png;
        using (var flat = new Mat(6000, 6000, MatType.CV_8UC1, Scalar.All(0)))
        {
            png = flat.ImEncode(".png");
        }

        Assert.True(png.Length < 400_000, $"{png.Length} bytes");
        Assert.Contains("decompression bomb", Assert.Throws<InvalidImageException>(() => _decoder.Decode(png)).Message, StringComparison.Ordinal);

        // The same PNG passes where a caller raises the limit: the check is a ratio, not a size cap.
        using var lenient = new ImageDecoder(new ImageDecoderOptions { MaxPixelsPerByte = 100_000 }).Decode(png);
        Assert.Equal(6000, lenient.Width);

        // A photograph-like image above the check's floor passes: a few pixels per byte at most.
        using var noise = new Mat(1600, 2600, MatType.CV_8UC3);
        Cv2.Randu(noise, Scalar.All(0), Scalar.All(255));
        using var photo = _decoder.Decode(noise.ImEncode(".png"));
        Assert.Equal(2600, photo.Width);
    }

    [Fact]
    public void Tiny_images_are_rejected()
    {
        var onePixel = TestImages.Encode(".png", 1, 1);
        var ex = Assert.Throws<InvalidImageException>(() => _decoder.Decode(onePixel));
        Assert.Contains("too small: 1x1", ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidImageException>(() => _decoder.Decode(TestImages.Encode(".jpg", 15, 64)));

        var lenient = new ImageDecoder(new ImageDecoderOptions { MinWidth = 1, MinHeight = 1 });
        using var frame = lenient.Decode(onePixel);
        Assert.Equal(1, frame.Width);
    }

    [Fact]
    public void Byte_and_pixel_limits_apply()
    {
        var jpeg = TestImages.ZidaneJpeg;
        var small = new ImageDecoder(new ImageDecoderOptions { MaxEncodedBytes = 10_000 });
        Assert.Contains("too large", Assert.Throws<InvalidImageException>(() => small.Decode(jpeg)).Message, StringComparison.Ordinal);
        Assert.Contains("too large", Assert.Throws<InvalidImageException>(() => small.DecodeBase64(Convert.ToBase64String(jpeg))).Message, StringComparison.Ordinal);

        var fewPixels = new ImageDecoder(new ImageDecoderOptions { MaxPixels = 1280 * 719 });
        Assert.Contains("too many pixels", Assert.Throws<InvalidImageException>(() => fewPixels.Decode(jpeg)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_defaults()
    {
        var options = new ImageDecoderOptions();
        Assert.Equal(20 * 1024 * 1024, options.MaxEncodedBytes);
        Assert.Equal(40_000_000, options.MaxPixels);
        Assert.Equal(16, options.MinWidth);
        Assert.Equal(16, options.MinHeight);
        Assert.Equal(ImageFormats.Jpeg | ImageFormats.Png | ImageFormats.Bmp | ImageFormats.WebP, options.AllowedFormats);
        options.Validate();
    }

    [Fact]
    public void Invalid_options_are_refused_with_the_reason()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ImageDecoder(new ImageDecoderOptions { MinWidth = 0 }));
        Assert.Contains("MinWidth", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => new ImageDecoder(new ImageDecoderOptions { AllowedFormats = ImageFormats.None }));
        Assert.Contains("AllowedFormats must name at least one", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => new ImageDecoder(new ImageDecoderOptions { MaxPixels = 100 }));
        Assert.Contains("exceeds MaxPixels", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Jpeg_whose_scan_is_too_short_for_its_size_is_refused_before_decoding()
    {
        // Found by fuzzing (fuzz/corpus/image/regress-jpeg-*): libjpeg fills a cut-off scan with grey, so 16 bytes of scan
        // behind a 6000x6000 frame header would decode to 108 MB. One bit per 8x8 block is the floor for a real scan.
        var bomb = GreyJpeg(6000, 6000, scanBytes: 16);
        var ex = Assert.Throws<InvalidImageException>(() => _decoder.Decode(bomb));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        Assert.Contains("one bit per 8x8 block", ex.Message, StringComparison.Ordinal);

        // The same image with its whole scan (2 bits per block: DC "no change", AC "end of block") passes the check.
        var blocks = 750 * 750;
        Assert.Equal(new ImageInfo(ImageFormat.Jpeg, 6000, 6000), _decoder.Inspect(GreyJpeg(6000, 6000, scanBytes: blocks / 4)));
        using var small = _decoder.Decode(GreyJpeg(64, 64, scanBytes: 16));
        Assert.Equal(64, small.Width);
    }

    /// <summary>A baseline grey JPEG built by hand: one-symbol Huffman tables, so every zero byte codes four flat blocks.</summary>
    private static byte[] GreyJpeg(int width, int height, int scanBytes)
    {
        var bytes = new List<byte> { 0xFF, 0xD8 };
        void Segment(byte marker, params byte[] payload)
        {
            bytes.AddRange([0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2)]);
            bytes.AddRange(payload);
        }

        Segment(0xDB, [0, .. Enumerable.Repeat((byte)1, 64)]);
        Segment(0xC0, 8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 1, 1, 0x11, 0);
        byte[] oneCode = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        Segment(0xC4, [0x00, .. oneCode]);
        Segment(0xC4, [0x10, .. oneCode]);
        Segment(0xDA, 1, 1, 0, 0, 63, 0);
        bytes.AddRange(new byte[scanBytes]);
        bytes.AddRange([0xFF, 0xD9]);
        return [.. bytes];
    }

    private static int FindSof(byte[] jpeg)
    {
        for (var i = 2; i < jpeg.Length - 1; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] is 0xC0 or 0xC1 or 0xC2)
            {
                return i;
            }
        }

        throw new InvalidOperationException("no SOF marker");
    }
}
