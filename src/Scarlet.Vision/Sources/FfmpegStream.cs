using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using OpenCvSharp;

namespace Scarlet.Vision;

/// <summary>
/// Reads a network stream through an <c>ffmpeg</c> child process that decodes it to raw BGR frames on its standard output.
/// OpenCvSharp's Linux runtime links an FFmpeg without network protocols or an RTSP demuxer, while the operating system's
/// <c>ffmpeg</c> (Debian's, or any on the PATH) has them; a child process also keeps a misbehaving camera's decoder out of
/// the host process. Each <see cref="ReadAsync"/> is one connection: it starts <c>ffmpeg</c> and yields frames until the
/// stream ends, stalls or is cancelled; the process is killed when the enumeration ends, however it ends.
/// </summary>
internal sealed partial class FfmpegStream
{
    // Beyond 8K a "frame size" from a stream is a hostile or broken answer, not a camera.
    private const int MaxSide = 8192;
    private const int StderrTailChars = 600;

    private readonly string _ffmpeg;
    private readonly string _url;
    private readonly FrameSourceOptions _options;

    private FfmpegStream(string ffmpeg, string url, FrameSourceOptions options)
    {
        _ffmpeg = ffmpeg;
        _url = url;
        _options = options;
    }

    /// <summary>Creates a reader when the configured <c>ffmpeg</c> exists, else returns null.</summary>
    public static FfmpegStream? TryCreate(string url, FrameSourceOptions options)
    {
        var ffmpeg = Resolve(options.FfmpegPath);
        return ffmpeg is null ? null : new FfmpegStream(ffmpeg, url, options);
    }

    /// <summary>Finds an executable by path, or by name on the PATH; null when it is not there.</summary>
    internal static string? Resolve(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        if (path.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return File.Exists(path) ? path : null;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, path);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// Starts <c>ffmpeg</c> and yields its frames (BGR <see cref="Mat"/>s the caller owns). The frame size is read from
    /// ffmpeg's own description of its output stream, so the stream is analysed once, not by a probe and again by the
    /// reader (each takes about 2 s on a live stream).
    /// </summary>
    /// <exception cref="FfmpegOpenException">The stream did not open (what ffmpeg said is the message).</exception>
    /// <exception cref="FrameSourceException">The stream ended, stalled for <see cref="FrameSourceOptions.ReadTimeout"/>
    /// or the process failed.</exception>
    public async IAsyncEnumerable<Mat> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var info = Start(_ffmpeg);
        foreach (var a in (ReadOnlySpan<string>)["-nostdin", "-nostats", "-loglevel", "info"])
        {
            info.ArgumentList.Add(a);
        }

        AddInputArguments(info);
        foreach (var a in (ReadOnlySpan<string>)["-map", "0:v:0", "-an", "-sn", "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"])
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("ffmpeg did not start.");
        var log = new StderrLog(process);
        byte[]? buffer = null;
        try
        {
            // Opening (connect, describe, analyse) counts against the connect timeout.
            (int Width, int Height)? size;
            try
            {
                size = await log.OutputSize.WaitAsync(_options.ConnectTimeout + TimeSpan.FromSeconds(1), cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new FrameSourceException(FrameSourceErrorKind.TimedOut, $"The stream did not open within {_options.ConnectTimeout.TotalSeconds:0.#} s.");
            }

            if (size is not { } frameSize)
            {
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                await log.Completion.ConfigureAwait(false);
                throw new FfmpegOpenException(log.Text);
            }

            var (width, height) = frameSize;
            var frameBytes = width * height * 3;
            buffer = ArrayPool<byte>.Shared.Rent(frameBytes);
            var stdout = process.StandardOutput.BaseStream;
            while (true)
            {
                using (var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    stall.CancelAfter(_options.ReadTimeout);
                    int read;
                    try
                    {
                        read = await stdout.ReadAtLeastAsync(buffer.AsMemory(0, frameBytes), frameBytes, throwOnEndOfStream: false, stall.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        throw new FrameSourceException(FrameSourceErrorKind.TimedOut, $"The stream delivered no frame within {_options.ReadTimeout.TotalSeconds:0.#} s.");
                    }

                    if (read < frameBytes)
                    {
                        Kill(process);
                        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                        await log.Completion.ConfigureAwait(false);
                        var said = log.Text;
                        throw new FrameSourceException(
                            FrameSourceErrorKind.ConnectionLost,
                            said.Length == 0 ? "The stream ended." : $"The stream ended: {said}");
                    }
                }

                var mat = new Mat(height, width, MatType.CV_8UC3);
                try
                {
                    Marshal.Copy(buffer, 0, mat.Data, frameBytes);
                }
                catch
                {
                    mat.Dispose();
                    throw;
                }

                yield return mat;
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await log.Completion.ConfigureAwait(false);
        }
    }

    private static ProcessStartInfo Start(string exe)
    {
        var info = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        info.ArgumentList.Add("-hide_banner");
        return info;
    }

    private void AddInputArguments(ProcessStartInfo info)
    {
        // FFmpeg's socket timeouts are in microseconds; RTSP over TCP survives NAT and lossy links that UDP does not.
        var timeoutUs = ((long)_options.ConnectTimeout.TotalMilliseconds * 1000).ToString(CultureInfo.InvariantCulture);
        if (_url.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase) || _url.StartsWith("rtsps://", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var a in (ReadOnlySpan<string>)["-rtsp_transport", "tcp", "-timeout", timeoutUs])
            {
                info.ArgumentList.Add(a);
            }
        }
        else if (_url.Contains("://", StringComparison.Ordinal))
        {
            foreach (var a in (ReadOnlySpan<string>)["-rw_timeout", timeoutUs])
            {
                info.ArgumentList.Add(a);
            }
        }

        info.ArgumentList.Add("-i");
        info.ArgumentList.Add(_url);
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    /// <summary>The end of what a tool printed, on one line, with any credentials of a URL in it masked.</summary>
    private static string Tail(string text)
    {
        text = Credentials().Replace(text.Trim().ReplaceLineEndings(" "), "$1***@");
        return text.Length <= StderrTailChars ? text : text[^StderrTailChars..];
    }

    [GeneratedRegex(@"([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@")]
    private static partial Regex Credentials();

    /// <summary>
    /// Drains standard error as it comes (a full pipe would block ffmpeg), keeps its end, and finds the size of the output
    /// stream in ffmpeg's description of it ("Output #0, rawvideo, ... Stream #0:0: Video: rawvideo (BGR[24] / 0x18524742),
    /// bgr24, 320x240, ...").
    /// </summary>
    private sealed class StderrLog
    {
        private readonly Lock _gate = new();
        private readonly TaskCompletionSource<(int Width, int Height)?> _size = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private string _text = string.Empty;

        public StderrLog(Process process)
        {
            Completion = Task.Run(async () =>
            {
                var output = false;
                try
                {
                    while (await process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
                    {
                        output |= line.StartsWith("Output #0", StringComparison.Ordinal);
                        if (output && !_size.Task.IsCompleted && VideoSize().Match(line) is { Success: true } m
                            && int.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var w)
                            && int.TryParse(m.Groups[2].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var h)
                            && w is > 0 and <= MaxSide && h is > 0 and <= MaxSide)
                        {
                            _size.TrySetResult((w, h));
                            continue;
                        }

                        if (!line.StartsWith("  ", StringComparison.Ordinal))
                        {
                            // Indented lines describe the streams; the rest are ffmpeg's messages (errors, warnings).
                            lock (_gate)
                            {
                                _text = Tail(_text + " " + line);
                            }
                        }
                    }
                }
                finally
                {
                    _size.TrySetResult(null);
                }
            });
        }

        /// <summary>Gets the output frame size, or null when ffmpeg ended without describing its output.</summary>
        public Task<(int Width, int Height)?> OutputSize => _size.Task;

        public Task Completion { get; }

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return _text;
                }
            }
        }
    }

    [GeneratedRegex(@"Stream #\d+:\d+.*: Video: .*?, (\d{1,5})x(\d{1,5})[ ,]")]
    private static partial Regex VideoSize();
}

/// <summary>ffmpeg could not open the stream; the message is what it said.</summary>
internal sealed class FfmpegOpenException(string said) : Exception(said);
