using System.Text;
using OpenCvSharp;

namespace Scarlet.Fuzz;

/// <summary>
/// Writes the seed corpus: tiny images encoded here by OpenCV or built by hand, MJPEG multipart snippets, base64 text and
/// JSON bodies made from them. Generated only (no data-set image), so the corpus can live in the repository.
/// </summary>
internal static class Seeds
{
    public static void Write(string corpusDirectory)
    {
        var images = Images();
        foreach (var (name, bytes) in images)
        {
            Save(corpusDirectory, "image", name, bytes);
        }

        var jpeg = images["tiny.jpg"];
        var png = images["tiny.png"];
        var jpegB64 = Convert.ToBase64String(jpeg);
        var pngB64 = Convert.ToBase64String(png);

        // MJPEG: byte 0 picks the boundary (0 none, 1 "frame", 2 "--myboundary"), byte 1 the read size (0 unlimited).
        var withLength = Multipart("--frame", [jpeg, jpeg], contentLength: true);
        var withoutLength = Multipart("--frame", [jpeg, jpeg], contentLength: false);
        Save(corpusDirectory, "mjpeg", "content-length", [1, 0, .. withLength]);
        Save(corpusDirectory, "mjpeg", "content-length-chunked", [1, 7, .. withLength]);
        Save(corpusDirectory, "mjpeg", "delimited", [1, 0, .. withoutLength]);
        Save(corpusDirectory, "mjpeg", "delimited-chunked", [1, 3, .. withoutLength]);
        Save(corpusDirectory, "mjpeg", "bare-boundary", [2, 0, .. Multipart("--myboundary", [jpeg], contentLength: true)]);
        Save(corpusDirectory, "mjpeg", "no-boundary", [0, 5, .. "junk"u8, .. jpeg, .. jpeg]);
        Save(corpusDirectory, "mjpeg", "closing", [1, 0, .. withLength.AsSpan(0, withLength.Length / 2), .. "\r\n--frame--\r\n"u8]);

        Save(corpusDirectory, "base64", "jpeg", Encoding.ASCII.GetBytes(jpegB64));
        Save(corpusDirectory, "base64", "png-data-url", Encoding.ASCII.GetBytes("data:image/png;base64," + pngB64));
        Save(corpusDirectory, "base64", "whitespace", Encoding.ASCII.GetBytes(" \n" + string.Join("\r\n", Chunks(jpegB64, 76)) + "\n"));
        Save(corpusDirectory, "base64", "bad-media-type", Encoding.ASCII.GetBytes("data:text/plain;base64," + pngB64));
        Save(corpusDirectory, "base64", "bmp", Encoding.ASCII.GetBytes(Convert.ToBase64String(images["tiny.bmp"])));

        // JSON: byte 0 picks the request (0 face_image_b64, 1 /register, 2 /process-frame).
        Save(corpusDirectory, "json", "recognize", [0, .. Encoding.UTF8.GetBytes($$"""{"face_image_b64":"{{jpegB64}}"}""")]);
        Save(corpusDirectory, "json", "register", [1, .. Encoding.UTF8.GetBytes($$"""{"name":"Ann","email":"a@b.c","face_image_b64":"{{jpegB64}}","face_images_b64":["data:image/png;base64,{{pngB64}}"]}""")]);
        Save(corpusDirectory, "json", "process-frame", [2, .. Encoding.UTF8.GetBytes($$"""{"frame_b64":"data:image/jpeg;base64,{{jpegB64}}","camera_id":"c1","store_zone":"entrance"}""")]);
        Save(corpusDirectory, "json", "null", [0, .. "null"u8]);
        Save(corpusDirectory, "json", "wrong-type", [1, .. """{"name":1,"face_images_b64":{"a":[1,2]}}"""u8]);
    }

    private static Dictionary<string, byte[]> Images()
    {
        using var colour = new Mat(16, 16, MatType.CV_8UC3);
        using var grey = new Mat(16, 16, MatType.CV_8UC1);
        using var alpha = new Mat(16, 16, MatType.CV_8UC4);
        for (var y = 0; y < 16; y++)
        {
            for (var x = 0; x < 16; x++)
            {
                colour.Set(y, x, new Vec3b((byte)(x * 16), (byte)(y * 16), (byte)((x + y) * 8)));
                grey.Set(y, x, (byte)((x ^ y) * 16));
                alpha.Set(y, x, new Vec4b((byte)(x * 16), 0, (byte)(y * 16), (byte)(x * y)));
            }
        }

        var images = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["tiny.jpg"] = Encode(colour, ".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 50)),
            ["progressive.jpg"] = Encode(colour, ".jpg", new ImageEncodingParam(ImwriteFlags.JpegProgressive, 1)),
            ["grey.jpg"] = Encode(grey, ".jpg"),
            ["tiny.png"] = Encode(colour, ".png"),
            ["grey.png"] = Encode(grey, ".png"),
            ["alpha.png"] = Encode(alpha, ".png"),
            ["tiny.bmp"] = Encode(colour, ".bmp"),
            ["grey.bmp"] = Encode(grey, ".bmp"),
            ["lossy.webp"] = Encode(colour, ".webp", new ImageEncodingParam(ImwriteFlags.WebPQuality, 50)),
            ["lossless.webp"] = Encode(colour, ".webp", new ImageEncodingParam(ImwriteFlags.WebPQuality, 101)),
            ["rle8.bmp"] = Rle8Bmp(16, 16),
            ["header.gif"] = "GIF89a\u0010\0\u0010\0\0\0\0;"u8.ToArray(),
        };
        return images;
    }

    private static byte[] Encode(Mat image, string extension, params ImageEncodingParam[] parameters)
    {
        Cv2.ImEncode(extension, image, out var bytes, parameters);
        return bytes;
    }

    /// <summary>An 8-bit RLE BMP (compression 1) of one grey run per row, as written by hand: OpenCV writes no RLE.</summary>
    private static byte[] Rle8Bmp(int width, int height)
    {
        var pixels = new List<byte>();
        for (var y = 0; y < height; y++)
        {
            pixels.AddRange([(byte)width, (byte)(y * 16), 0, 0]); // a run of `width` pixels, then end of line
        }

        pixels.AddRange([0, 1]); // end of bitmap
        const int paletteOffset = 14 + 40;
        var pixelOffset = paletteOffset + (256 * 4);
        var file = new byte[pixelOffset + pixels.Count];
        "BM"u8.CopyTo(file);
        BitConverter.TryWriteBytes(file.AsSpan(2), file.Length);
        BitConverter.TryWriteBytes(file.AsSpan(10), pixelOffset);
        BitConverter.TryWriteBytes(file.AsSpan(14), 40);
        BitConverter.TryWriteBytes(file.AsSpan(18), width);
        BitConverter.TryWriteBytes(file.AsSpan(22), height);
        BitConverter.TryWriteBytes(file.AsSpan(26), (short)1);
        BitConverter.TryWriteBytes(file.AsSpan(28), (short)8);
        BitConverter.TryWriteBytes(file.AsSpan(30), 1);
        BitConverter.TryWriteBytes(file.AsSpan(34), pixels.Count);
        BitConverter.TryWriteBytes(file.AsSpan(46), 256);
        for (var i = 0; i < 256; i++)
        {
            file[paletteOffset + (i * 4)] = file[paletteOffset + (i * 4) + 1] = file[paletteOffset + (i * 4) + 2] = (byte)i;
        }

        pixels.CopyTo(file, pixelOffset);
        return file;
    }

    private static byte[] Multipart(string boundaryLine, byte[][] parts, bool contentLength)
    {
        using var body = new MemoryStream();
        foreach (var part in parts)
        {
            var headers = $"{boundaryLine}\r\nContent-Type: image/jpeg\r\n" + (contentLength ? $"Content-Length: {part.Length}\r\n" : "") + "\r\n";
            body.Write(Encoding.ASCII.GetBytes(headers));
            body.Write(part);
            body.Write("\r\n"u8);
        }

        return body.ToArray();
    }

    private static IEnumerable<string> Chunks(string text, int size)
    {
        for (var i = 0; i < text.Length; i += size)
        {
            yield return text.Substring(i, Math.Min(size, text.Length - i));
        }
    }

    private static void Save(string corpusDirectory, string target, string name, byte[] bytes)
    {
        var directory = Path.Combine(corpusDirectory, target);
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, "seed-" + name), bytes);
    }
}
