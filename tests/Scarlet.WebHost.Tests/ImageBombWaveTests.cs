using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpenCvSharp;
using Scarlet.Testing;
using Scarlet.Vision;
using Xunit.Abstractions;

namespace Scarlet.WebHost.Tests;

/// <summary>
/// Issue 21's bomb waves against a fresh host process: images that cost a little on the wire and a lot decoded, 40 at
/// once, three times. Every request gets an answer with a <c>{"detail"}</c> (200, 400, 503 with Retry-After) and the
/// host's peak resident memory (VmHWM, measured by the kernel, so no sample is missed) stays under 0.6 GB.
/// </summary>
public sealed class ImageBombWaveTests(ITestOutputHelper output)
{
    private const long PeakRssLimit = 600L * 1024 * 1024;
    private const int Concurrent = 40;

    [Fact]
    public async Task Three_waves_of_40_image_bombs_are_all_answered_and_the_host_stays_under_600_MB()
    {
        var decoder = new ImageDecoder();
        var refused = new[] { ("rle8-bmp-6000", RleBmp(6000, 6000)), ("flat-png-6000", FlatPng(6000, 6000)) };

        // What gets past the header pre-check and still decodes big: under the 4 Mpx floor of the pixels-per-byte check,
        // or over it with enough bytes (a noisy band in a flat 6000x6000), and a 6000x6000 JPEG with real scans.
        var accepted = new[]
        {
            ("rle8-bmp-3.99mpx", RleBmp(1999, 1999)),
            ("flat-png-3.99mpx", FlatPng(1999, 1999)),
            ("banded-png-6000", BandedPng(6000, 6000)),
            ("jpeg-6000", Jpeg(6000, 6000)),
        };
        foreach (var (name, bytes) in refused)
        {
            Assert.Contains("decompression bomb", Assert.Throws<InvalidImageException>(() => decoder.Inspect(bytes)).Message, StringComparison.Ordinal);
            output.WriteLine($"{name}: {bytes.Length} bytes (refused by the pre-check)");
        }

        foreach (var (name, bytes) in accepted)
        {
            var info = decoder.Inspect(bytes);
            output.WriteLine($"{name}: {bytes.Length} bytes, {info.Width}x{info.Height} (passes the pre-check: {info.PixelCount * 3 / 1_000_000} MB decoded)");
        }

        var bodies = refused.Concat(accepted).Select(b => Convert.ToBase64String(b.Item2)).ToArray();
        using var host = await HostProcess.StartAsync();
        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };

        // Models loaded and one face recognised before measuring: the bound is for a working host, not an idle one.
        using (var warm = await http.PostAsJsonAsync("/recognize", new { face_image_b64 = Photos.Base64(Photos.Lfw("Amelia_Vega", 0)) }))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        output.WriteLine($"warm host: RSS {host.StatusBytes("VmRSS") / 1_048_576} MB");
        var statuses = new Dictionary<int, int>();
        for (var wave = 0; wave < 3; wave++)
        {
            var requests = Enumerable.Range(0, Concurrent).Select(i => Task.Run(async () =>
            {
                var body = bodies[(i + wave) % bodies.Length];
                using var res = i % 2 == 0
                    ? await http.PostAsJsonAsync("/recognize", new { face_image_b64 = body })
                    : await http.PostAsJsonAsync("/process-frame", new { frame_b64 = body, camera_id = "bombs" });
                var text = await res.Content.ReadAsStringAsync();
                var status = (int)res.StatusCode;
                Assert.True(status is 200 or 400 or 413 or 429 or 503, $"{status}: {text}");
                if (status != 200)
                {
                    Assert.False(string.IsNullOrWhiteSpace(JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString()), text);
                }

                if (status is 429 or 503)
                {
                    Assert.True(res.Headers.RetryAfter is not null, $"{status} without Retry-After");
                }

                return status;
            })).ToArray();
            foreach (var status in await Task.WhenAll(requests))
            {
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
            }

            output.WriteLine($"wave {wave + 1}: RSS {host.StatusBytes("VmRSS") / 1_048_576} MB, peak {host.StatusBytes("VmHWM") / 1_048_576} MB, threads {host.Threads}; {await ManagedHeapAsync(http)}");
        }

        var peak = host.StatusBytes("VmHWM");
        output.WriteLine("answers: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} x{s.Value}")));
        Assert.Equal(3 * Concurrent, statuses.Values.Sum());
        Assert.True(statuses.GetValueOrDefault(400) >= Concurrent / 2, "the refused bombs are 400s");
        Assert.True(peak < PeakRssLimit, $"peak RSS {peak / 1_048_576} MB; the bound is {PeakRssLimit / 1_048_576} MB");

        // Still serving: the budget was given back.
        using var after = await http.PostAsJsonAsync("/recognize", new { face_image_b64 = Photos.Base64(Photos.Lfw("Amelia_Vega", 1)) });
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private static async Task<string> ManagedHeapAsync(HttpClient http)
    {
        var text = await http.GetStringAsync("/metrics");
        return string.Join("; ", text.Split('\n').Where(l => l.StartsWith("scarlet_process", StringComparison.Ordinal)));
    }

    /// <summary>An RLE8 BMP whose body is one end-of-bitmap code: about 1 KB for any declared size.</summary>
    internal static byte[] RleBmp(int width, int height)
    {
        var bmp = new byte[14 + 40 + 1024 + 2];
        "BM"u8.CopyTo(bmp);
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(2), (uint)bmp.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(10), 14 + 40 + 1024);
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), height);
        BinaryPrimitives.WriteUInt16LittleEndian(bmp.AsSpan(26), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(bmp.AsSpan(28), 8);
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(30), 1); // BI_RLE8
        bmp[^1] = 1; // 00 01: end of bitmap
        return bmp;
    }

    private static byte[] FlatPng(int width, int height)
    {
        using var flat = new Mat(height, width, MatType.CV_8UC1, Scalar.All(0));
        return flat.ImEncode(".png");
    }

    /// <summary>A flat PNG with a band of noise big enough to pass the pixels-per-byte check (about 0.5 MB).</summary>
    private static byte[] BandedPng(int width, int height)
    {
        using var image = new Mat(height, width, MatType.CV_8UC1, Scalar.All(0));
        using (var band = new Mat(image, new Rect(0, 0, width, 540_000 / width)))
        {
            Cv2.Randu(band, Scalar.All(0), Scalar.All(255));
        }

        return image.ImEncode(".png");
    }

    /// <summary>A JPEG of smooth blobs: real scans of a few hundred KB that decode to 108 MB at full scale (6000x6000).</summary>
    private static byte[] Jpeg(int width, int height)
    {
        using var seed = new Mat(height / 100, width / 100, MatType.CV_8UC3);
        Cv2.Randu(seed, Scalar.All(0), Scalar.All(255));
        using var image = new Mat();
        Cv2.Resize(seed, image, new Size(width, height), interpolation: InterpolationFlags.Cubic);
        return image.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 25));
    }
}
