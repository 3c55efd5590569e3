using System.Diagnostics;
using System.Text;

namespace Scarlet.Fuzz.Tests;

/// <summary>Findings too large for the corpus, generated here instead.</summary>
public sealed class RegressionTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("frame")]
    public void Mjpeg_reader_stays_linear_when_end_markers_drip_in(string? boundary)
    {
        // 2 MB of 6-byte APP0 segments, each hiding an end-of-image marker, read 6 bytes at a time under a 4 MB cap. Each
        // read used to start a structural walk from the part's first byte: ~6e10 steps, minutes of CPU (hours at the
        // default 8 MB cap). Walks are now capped per part, so the part runs into the cap and the stream is refused.
        var header = boundary is null ? [] : Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: image/jpeg\r\n\r\n");
        const int segments = 350_000;
        var body = new byte[header.Length + 2 + (6 * segments)];
        header.CopyTo(body, 0);
        body[header.Length] = 0xFF;
        body[header.Length + 1] = 0xD8;
        for (var i = 0; i < segments; i++)
        {
            byte[] segment = [0xFF, 0xE0, 0x00, 0x04, 0xFF, 0xD9];
            segment.CopyTo(body, header.Length + 2 + (6 * i));
        }

        var watch = Stopwatch.StartNew();
        Assert.Throws<InvalidDataException>(() => FuzzTargets.ReadMjpeg(boundary, 6, body, 4 * 1024 * 1024));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed.TotalSeconds:F1} s");
    }
}
