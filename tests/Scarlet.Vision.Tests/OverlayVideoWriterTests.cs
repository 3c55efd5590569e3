using OpenCvSharp;
using Scarlet.Testing;
using Xunit;

namespace Scarlet.Vision.Tests;

/// <summary><see cref="OverlayVideoWriter"/> on frames of vtest.avi, read back by ffprobe; its ffmpeg never outlives it.</summary>
public sealed class OverlayVideoWriterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("scarlet-overlay-writer-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Mp4_is_h264_yuv420p_with_every_frame_and_odd_sizes_padded_even()
    {
        var full = Path.Combine(_folder, "full.mp4");
        var odd = Path.Combine(_folder, "odd.mp4");
        using (var capture = new VideoCapture(TestAssets.VtestVideo))
        using (var a = OverlayVideoWriter.Open(full, capture.Fps, new Size(768, 576)))
        using (var b = OverlayVideoWriter.Open(odd, capture.Fps, new Size(101, 75)))
        {
            Assert.Equal(("h264", "h264"), (a.Codec, b.Codec));
            using var frame = new Mat();
            for (var i = 0; i < 6 && capture.Read(frame); i++)
            {
                a.Write(frame);
                using var crop = new Mat(frame, new Rect(10, 20, 101, 75)); // not continuous: copied before piping
                b.Write(crop);
            }

            Assert.Throws<ArgumentException>(() => a.Write(new Mat(10, 10, MatType.CV_8UC3)));
        }

        Assert.Equal("h264,768,576,yuv420p,6", Ffprobe.VideoStream(full));
        Assert.Equal("h264,102,76,yuv420p,6", Ffprobe.VideoStream(odd));
    }

    [Fact]
    public void Avi_is_motion_jpeg_and_bad_options_or_paths_are_argument_errors()
    {
        var avi = Path.Combine(_folder, "x.avi");
        using (var capture = new VideoCapture(TestAssets.VtestVideo))
        using (var w = OverlayVideoWriter.Open(avi, 10, new Size(768, 576)))
        {
            Assert.Equal("mjpeg", w.Codec);
            using var frame = new Mat();
            capture.Read(frame);
            w.Write(frame);
        }

        Assert.StartsWith("mjpeg,768,576,", Ffprobe.VideoStream(avi), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => OverlayVideoWriter.Open(Path.Combine(_folder, "y.mp4"), 10, new Size(8, 8), new OverlayVideoWriterOptions { Crf = 99 }));
        Assert.Throws<ArgumentException>(() => OverlayVideoWriter.Open(Path.Combine(_folder, "y.mp4"), 10, new Size(0, 8)));
    }

    [Fact]
    public void Cancelling_kills_ffmpeg_and_the_file_is_reported_incomplete()
    {
        var path = Path.Combine(_folder, "cancelled.mp4");
        using var cts = new CancellationTokenSource();
        using var capture = new VideoCapture(TestAssets.VtestVideo);
        using var frame = new Mat();
        capture.Read(frame);
        var writer = OverlayVideoWriter.Open(path, 10, frame.Size(), cancellationToken: cts.Token);
        writer.Write(frame);
        Assert.NotEmpty(EncodersOf(path));

        cts.Cancel();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (EncodersOf(path).Count > 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }

        Assert.Empty(EncodersOf(path));
        Assert.Throws<IOException>(() =>
        {
            for (var i = 0; i < 10; i++)
            {
                writer.Write(frame); // 1.3 MB a frame: more than a pipe holds, so a dead reader shows at once
            }
        });
        writer.Dispose();
        Assert.Contains("cancelled", writer.Error, StringComparison.Ordinal);
    }

    // The ffmpeg processes writing this path (the path is unique to the test, whatever else runs in parallel).
    private static List<int> EncodersOf(string path)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                var state = File.ReadAllText(Path.Combine(dir, "stat"));
                if (cmdline.Contains(path, StringComparison.Ordinal) && !state.Contains(") Z ", StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }
}
