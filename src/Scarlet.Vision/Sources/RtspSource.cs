using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;

namespace Scarlet.Vision;

/// <summary>
/// Frames from a network stream: <c>rtsp://</c> cameras (also <c>rtmp://</c>, or any URL or file FFmpeg opens), read
/// through an <c>ffmpeg</c> child process when <see cref="FrameSourceOptions.FfmpegPath"/> finds one, else through OpenCV's FFMPEG backend. A failed open, a read error or the end of the stream counts as a drop and is retried with
/// capped exponential backoff: Connecting, Live, Reconnecting, Live, ... and Stopped when cancelled or disposed, or Failed
/// when it never opened in <see cref="FrameSourceOptions.MaxStartAttempts"/> attempts. Why an open failed
/// (<see cref="LastError"/>: connection refused, host not found, timed out, authentication failed, not found) is found by
/// connecting to the host after the failure, since the capture does not say.
/// </summary>
/// <remarks>
/// Capture reads block in native code, so cancellation takes effect after the current read returns, which is bounded by
/// <see cref="FrameSourceOptions.ReadTimeout"/>. FFMPEG uses RTSP over UDP by default; for cameras behind NAT or lossy
/// Wi-Fi set the process environment variable <c>OPENCV_FFMPEG_CAPTURE_OPTIONS=rtsp_transport;tcp</c> before the first
/// capture opens (the <c>ffmpeg</c> path always uses TCP). Credentials in the URL are masked in logs and errors, but the
/// <c>ffmpeg</c> child's command line, which other local users can list, carries the URL as given. OpenCvSharp's official
/// Linux runtime (<c>OpenCvSharp4.official.runtime.linux-x64</c>) links an FFmpeg without network protocols: without an
/// <c>ffmpeg</c> executable this source opens files but no <c>rtsp://</c> stream there (its <see cref="LastError"/> is
/// then <c>unsupported stream</c>: the server answered but the capture could not open the stream).
/// </remarks>
public sealed class RtspSource : IFrameSource
{
    // cv::CAP_PROP_OPEN_TIMEOUT_MSEC and cv::CAP_PROP_READ_TIMEOUT_MSEC (FFMPEG backend).
    private const int OpenTimeoutProperty = 53;
    private const int ReadTimeoutProperty = 54;
    private readonly FrameSourceCore _core;
    private long _sequence;

    /// <summary>Creates a source; nothing connects until reading starts.</summary>
    /// <param name="cameraId">The camera id stamped on every frame.</param>
    /// <param name="url">The stream URL, e.g. <c>rtsp://user:pass@10.0.0.5:554/stream1</c>.</param>
    /// <param name="options">Timeouts and backoff; <see langword="null"/> for defaults.</param>
    /// <param name="timeProvider">The clock for timestamps and backoff; <see langword="null"/> for the system clock.</param>
    /// <param name="logger">The logger; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">An argument is empty or the options are invalid.</exception>
    public RtspSource(string cameraId, string url, FrameSourceOptions? options = null, TimeProvider? timeProvider = null, ILogger<RtspSource>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cameraId);
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        options ??= new FrameSourceOptions();
        options.Validate();
        CameraId = cameraId;
        Url = url;
        _core = new FrameSourceCore(this, options, timeProvider ?? TimeProvider.System, logger ?? (ILogger)NullLogger.Instance);
    }

    /// <inheritdoc />
    public event EventHandler<FrameSourceStatus>? StatusChanged
    {
        add => _core.StatusChanged += value;
        remove => _core.StatusChanged -= value;
    }

    /// <inheritdoc />
    public string CameraId { get; }

    /// <summary>Gets the stream URL.</summary>
    public string Url { get; }

    /// <inheritdoc />
    public FrameSourceStatus Status => _core.Status;

    /// <inheritdoc />
    public FrameSourceError? LastError => _core.LastError;

    /// <inheritdoc />
    /// <remarks>Never ends by itself once it was live: it reconnects until <paramref name="cancellationToken"/> is cancelled
    /// (then it throws <see cref="OperationCanceledException"/>) or the source is disposed. A source that never connects
    /// throws <see cref="FrameSourceException"/> after <see cref="FrameSourceOptions.MaxStartAttempts"/> attempts.</remarks>
    public IAsyncEnumerable<Frame> ReadFramesAsync(CancellationToken cancellationToken = default) =>
        _core.RunLiveAsync(ReadSessionAsync, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _core.DisposeAsync();

    private IAsyncEnumerable<Frame> ReadSessionAsync(CancellationToken cancellationToken) =>
        FfmpegStream.TryCreate(Url, _core.Options) is { } ffmpeg
            ? ReadFfmpegSessionAsync(ffmpeg, cancellationToken)
            : ReadCaptureSessionAsync(cancellationToken);

    private async IAsyncEnumerable<Frame> ReadFfmpegSessionAsync(FfmpegStream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var frames = stream.ReadAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                Mat mat;
                try
                {
                    if (!await frames.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }

                    mat = frames.Current;
                }
                catch (FfmpegOpenException ex)
                {
                    // ffmpeg's words vary by version; the diagnosis connects itself and names the fault the same way
                    // every time, keeping ffmpeg's words where it cannot tell more.
                    var fault = await StreamOpenDiagnosis.DiagnoseAsync(Url, _core.Options.ConnectTimeout, _core.TimeProvider, cancellationToken).ConfigureAwait(false);
                    throw fault.Kind == FrameSourceErrorKind.UnsupportedStream && ex.Message.Length > 0
                        ? new FrameSourceException(fault.Kind, $"{fault.Message} ffmpeg: {ex.Message}", fault)
                        : fault;
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    mat.Dispose();
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var frame = VideoCaptureFrames.ToFrame(mat, CameraId, _core.TimeProvider.GetUtcNow(), _sequence++);
                SourceMetrics.FramesRead.Add(1, SourceMetrics.Camera(CameraId));
                yield return frame;
            }
        }
        finally
        {
            await frames.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async IAsyncEnumerable<Frame> ReadCaptureSessionAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var options = _core.Options;
        int[] parameters =
        [
            OpenTimeoutProperty, ToMilliseconds(options.ConnectTimeout),
            ReadTimeoutProperty, ToMilliseconds(options.ReadTimeout),
        ];

        // Opening blocks for up to the open timeout; it is awaited to completion so the capture is never orphaned.
        var capture = await Task.Run(() => new VideoCapture(Url, VideoCaptureAPIs.FFMPEG, parameters), CancellationToken.None).ConfigureAwait(false);
        using (capture)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!capture.IsOpened())
            {
                throw await StreamOpenDiagnosis.DiagnoseAsync(Url, options.ConnectTimeout, _core.TimeProvider, cancellationToken).ConfigureAwait(false);
            }

            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var mat = await VideoCaptureFrames.ReadAsync(capture).ConfigureAwait(false);
                if (mat is null)
                {
                    throw new FrameSourceException(FrameSourceErrorKind.ConnectionLost, $"Stream '{Redact(Url)}' ended or failed to deliver a frame.");
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    mat.Dispose();
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var frame = VideoCaptureFrames.ToFrame(mat, CameraId, _core.TimeProvider.GetUtcNow(), _sequence++);
                SourceMetrics.FramesRead.Add(1, SourceMetrics.Camera(CameraId));
                yield return frame;
            }
        }
    }

    private static int ToMilliseconds(TimeSpan value) => (int)Math.Clamp(value.TotalMilliseconds, 1, int.MaxValue);

    /// <summary>Hides credentials (<c>user:pass@</c>) in log and error messages.</summary>
    internal static string Redact(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var at = url.IndexOf('@', StringComparison.Ordinal);
        return scheme >= 0 && at > scheme
            ? string.Create(CultureInfo.InvariantCulture, $"{url[..(scheme + 3)]}***@{url[(at + 1)..]}")
            : url;
    }
}
