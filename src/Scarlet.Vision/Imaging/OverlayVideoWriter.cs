using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;

namespace Scarlet.Vision;

/// <summary>
/// Writes overlay videos a browser plays: <c>.mp4</c> as H.264 (yuv420p, <c>+faststart</c>) through an <c>ffmpeg</c>
/// child process fed raw BGR frames, since OpenCvSharp's runtime FFmpeg has no H.264 encoder and writes MPEG-4 Part 2,
/// which browsers do not play; <c>.avi</c> as Motion JPEG through OpenCV. Without <c>ffmpeg</c> an <c>.mp4</c> falls back
/// to OpenCV's MPEG-4 Part 2 (<see cref="Codec"/> is then <c>mpeg4</c>).
/// </summary>
/// <remarks>
/// <see cref="Dispose"/> finishes the file (ffmpeg writes the index at the end) and waits for ffmpeg at most
/// <see cref="OverlayVideoWriterOptions.FinishTimeout"/>; cancelling the token given to <see cref="Open"/> kills ffmpeg at
/// once (the file is then incomplete). The child process never outlives the writer.
/// </remarks>
public sealed class OverlayVideoWriter : IDisposable
{
    private const int StderrTailChars = 600;

    private readonly VideoWriter? _opencv;
    private readonly Process? _ffmpeg;
    private readonly Stream? _stdin;
    private readonly Task<string>? _stderr;
    private readonly CancellationTokenRegistration _cancel;
    private readonly CancellationToken _cancellationToken;
    private readonly TimeSpan _finishTimeout;
    private readonly Size _size;
    private readonly string _path;
    private int _disposed;

    private OverlayVideoWriter(string path, Size size, VideoWriter? opencv, Process? ffmpeg, string codec, TimeSpan finishTimeout, CancellationToken cancellationToken)
    {
        _path = path;
        _size = size;
        _opencv = opencv;
        _ffmpeg = ffmpeg;
        Codec = codec;
        _finishTimeout = finishTimeout;
        _cancellationToken = cancellationToken;
        _stdin = ffmpeg?.StandardInput.BaseStream;
        _stderr = ffmpeg?.StandardError.ReadToEndAsync(CancellationToken.None);
        if (ffmpeg is not null)
        {
            _cancel = cancellationToken.Register(static state => Kill((Process)state!), ffmpeg);
        }
    }

    /// <summary>Gets the codec the file is written with (<c>h264</c>, <c>mjpeg</c> or <c>mpeg4</c>).</summary>
    public string Codec { get; }

    /// <summary>Gets the size every frame must have.</summary>
    public Size FrameSize => _size;

    /// <summary>Gets the path of the file.</summary>
    public string Path => _path;

    /// <summary>
    /// Gets why the file is not complete, after <see cref="Dispose"/>: ffmpeg failed (its exit code and last words), did
    /// not finish in time, or was killed by cancellation; <see langword="null"/> when the file was finished.
    /// </summary>
    public string? Error { get; private set; }

    /// <summary>Opens a writer for <paramref name="path"/> (<c>.avi</c>: Motion JPEG; anything else: H.264, in the container its extension names to ffmpeg, <c>.mp4</c> for a browser).</summary>
    /// <param name="path">The file to write (replaced when it exists).</param>
    /// <param name="fps">The frame rate; 0 or less means 10.</param>
    /// <param name="size">The size of every frame.</param>
    /// <param name="options">The encoder options, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Kills the encoder when cancelled (a cancelled job leaves no process behind).</param>
    /// <returns>The writer; the caller disposes it.</returns>
    /// <exception cref="ArgumentException">The file cannot be written, or the options are invalid.</exception>
    public static OverlayVideoWriter Open(string path, double fps, Size size, OverlayVideoWriterOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new OverlayVideoWriterOptions();
        options.Validate();
        if (size.Width <= 0 || size.Height <= 0)
        {
            throw new ArgumentException($"cannot write '{path}': the frame size {size.Width}x{size.Height} is empty");
        }

        cancellationToken.ThrowIfCancellationRequested();
        fps = fps > 0 && fps < 1000 ? fps : 10;
        var avi = System.IO.Path.GetExtension(path).Equals(".avi", StringComparison.OrdinalIgnoreCase);
        if (!avi && FfmpegStream.Resolve(options.FfmpegPath) is { } ffmpeg)
        {
            var info = new ProcessStartInfo(ffmpeg)
            {
                RedirectStandardInput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in (ReadOnlySpan<string>)[
                "-hide_banner", "-nostats", "-loglevel", "error", "-y",
                "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", $"{size.Width}x{size.Height}", "-r", fps.ToString("0.###", CultureInfo.InvariantCulture), "-i", "pipe:0",
                // yuv420p needs even sides; browsers need yuv420p and the index at the front.
                "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-preset", options.Preset, "-crf", options.Crf.ToString(CultureInfo.InvariantCulture),
                "-pix_fmt", "yuv420p", "-movflags", "+faststart",
                path])
            {
                info.ArgumentList.Add(a);
            }

            Process process;
            try
            {
                process = Process.Start(info) ?? throw new ArgumentException($"cannot write '{path}': ffmpeg did not start");
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new ArgumentException($"cannot write '{path}': ffmpeg did not start ({ex.Message})", ex);
            }

            return new OverlayVideoWriter(path, size, null, process, "h264", options.FinishTimeout, cancellationToken);
        }

        var writer = new VideoWriter(path, avi ? FourCC.MJPG : FourCC.MP4V, fps, size);
        if (!writer.IsOpened())
        {
            writer.Dispose();
            throw new ArgumentException($"cannot write '{path}'");
        }

        return new OverlayVideoWriter(path, size, writer, null, avi ? "mjpeg" : "mpeg4", options.FinishTimeout, default);
    }

    /// <summary>Appends one BGR frame of the writer's size.</summary>
    /// <param name="frame">An 8-bit, 3-channel BGR image of the size given to <see cref="Open"/>.</param>
    /// <exception cref="ArgumentException">The frame has another size or type.</exception>
    /// <exception cref="IOException">ffmpeg stopped (failed, or was killed by cancellation).</exception>
    public void Write(Mat frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (frame.Width != _size.Width || frame.Height != _size.Height || frame.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException($"expected a {_size.Width}x{_size.Height} BGR frame", nameof(frame));
        }

        if (_opencv is not null)
        {
            _opencv.Write(frame);
            return;
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

    /// <summary>Finishes the file and releases the writer; ffmpeg is killed when it does not finish in time.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _opencv?.Dispose();
        if (_ffmpeg is null)
        {
            return;
        }

        _cancel.Dispose();
        try
        {
            _stdin!.Dispose();
        }
        catch (IOException)
        {
            // ffmpeg already exited; its exit code says why.
        }

        if (!_ffmpeg.WaitForExit(_finishTimeout))
        {
            Kill(_ffmpeg);
            _ffmpeg.WaitForExit(TimeSpan.FromSeconds(5));
            Error = $"ffmpeg did not finish '{_path}' within {_finishTimeout.TotalSeconds:0} s and was stopped";
        }
        else if (_cancellationToken.IsCancellationRequested)
        {
            Error = $"writing '{_path}' was cancelled";
        }
        else if (_ffmpeg.ExitCode != 0)
        {
            var said = _stderr!.Wait(TimeSpan.FromSeconds(1)) ? _stderr.Result.Trim() : string.Empty;
            Error = $"ffmpeg failed writing '{_path}' (exit {_ffmpeg.ExitCode}): {(said.Length > StderrTailChars ? said[^StderrTailChars..] : said)}";
        }

        _ffmpeg.Dispose();
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already exited.
        }
    }
}
