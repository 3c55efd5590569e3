using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;

namespace Scarlet.ConsoleHost;

/// <summary>
/// Writes overlay videos a browser plays: <c>.mp4</c> as H.264 (yuv420p, <c>+faststart</c>) through an <c>ffmpeg</c>
/// child process fed raw BGR frames, since OpenCvSharp's runtime FFmpeg has no H.264 encoder and writes MPEG-4 Part 2,
/// which browsers do not play; <c>.avi</c> as Motion JPEG through OpenCV. Without <c>ffmpeg</c> an <c>.mp4</c> falls back
/// to OpenCV's MPEG-4 Part 2, with a warning.
/// </summary>
internal sealed class OverlayVideoWriter : IDisposable
{
    private readonly VideoWriter? _opencv;
    private readonly Process? _ffmpeg;
    private readonly Stream? _stdin;
    private readonly Task<string>? _stderr;
    private readonly Size _size;
    private readonly string _path;

    private OverlayVideoWriter(string path, Size size, VideoWriter? opencv, Process? ffmpeg)
    {
        _path = path;
        _size = size;
        _opencv = opencv;
        _ffmpeg = ffmpeg;
        _stdin = ffmpeg?.StandardInput.BaseStream;
        _stderr = ffmpeg?.StandardError.ReadToEndAsync();
    }

    /// <summary>Gets the codec the file is written with (<c>h264</c>, <c>mjpeg</c> or <c>mpeg4</c>).</summary>
    public string Codec { get; private init; } = "h264";

    /// <summary>Opens a writer for <paramref name="path"/>.</summary>
    /// <exception cref="UsageException">The file cannot be written.</exception>
    public static OverlayVideoWriter Open(string path, double fps, Size size)
    {
        fps = fps > 0 ? fps : 10;
        var extension = Path.GetExtension(path);
        if (!extension.Equals(".avi", StringComparison.OrdinalIgnoreCase) && FindFfmpeg() is { } ffmpeg)
        {
            var info = new ProcessStartInfo(ffmpeg)
            {
                RedirectStandardInput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in (ReadOnlySpan<string>)[
                "-hide_banner", "-loglevel", "error", "-y",
                "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", $"{size.Width}x{size.Height}", "-r", fps.ToString("0.###", CultureInfo.InvariantCulture), "-i", "pipe:0",
                // yuv420p needs even sides; browsers need yuv420p and the index at the front.
                "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
                path])
            {
                info.ArgumentList.Add(a);
            }

            var process = Process.Start(info) ?? throw new UsageException($"cannot write '{path}': ffmpeg did not start");
            return new OverlayVideoWriter(path, size, null, process);
        }

        var avi = extension.Equals(".avi", StringComparison.OrdinalIgnoreCase);
        if (!avi)
        {
            Console.Error.WriteLine($"warning: ffmpeg not found: '{path}' is written as MPEG-4 Part 2, which browsers do not play (install ffmpeg, or write .avi)");
        }

        var writer = new VideoWriter(path, avi ? FourCC.MJPG : FourCC.MP4V, fps, size);
        if (!writer.IsOpened())
        {
            writer.Dispose();
            throw new UsageException($"cannot write '{path}'");
        }

        return new OverlayVideoWriter(path, size, writer, null) { Codec = avi ? "mjpeg" : "mpeg4" };
    }

    /// <summary>Appends one BGR frame of the writer's size.</summary>
    public void Write(Mat frame)
    {
        if (_opencv is not null)
        {
            _opencv.Write(frame);
            return;
        }

        if (frame.Width != _size.Width || frame.Height != _size.Height || frame.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException($"expected a {_size.Width}x{_size.Height} BGR frame", nameof(frame));
        }

        using var continuous = frame.IsContinuous() ? null : frame.Clone();
        var source = continuous ?? frame;
        try
        {
            unsafe
            {
                _stdin!.Write(new ReadOnlySpan<byte>((void*)source.Data, checked(_size.Width * _size.Height * 3)));
            }
        }
        catch (IOException ex)
        {
            throw new IOException($"ffmpeg stopped writing '{_path}': {ex.Message}", ex);
        }
    }

    /// <summary>Finishes the file (ffmpeg writes the index at the end) and releases the writer.</summary>
    public void Dispose()
    {
        _opencv?.Dispose();
        if (_ffmpeg is null)
        {
            return;
        }

        try
        {
            _stdin!.Dispose();
        }
        catch (IOException)
        {
            // ffmpeg already exited; its exit code says why.
        }

        if (!_ffmpeg.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            _ffmpeg.Kill(entireProcessTree: true);
        }

        if (_ffmpeg.HasExited && _ffmpeg.ExitCode != 0)
        {
            Console.Error.WriteLine($"warning: ffmpeg failed writing '{_path}' (exit {_ffmpeg.ExitCode}): {_stderr!.Result.Trim()}");
        }

        _ffmpeg.Dispose();
    }

    private static string? FindFfmpeg()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "ffmpeg");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
