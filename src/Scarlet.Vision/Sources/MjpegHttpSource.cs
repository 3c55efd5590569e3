using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Scarlet.Vision;

/// <summary>
/// Frames from an HTTP MJPEG camera (<c>multipart/x-mixed-replace</c>, as ESP32-CAM and most IP cameras serve it).
/// The stream is parsed incrementally with a bounded buffer (<see cref="FrameSourceOptions.MaxPartBytes"/>); parts
/// that are not valid images are logged and skipped. A dropped, stalled or refused connection is retried with capped
/// exponential backoff: Connecting, Live, Reconnecting, Live, ... and Stopped when cancelled or disposed, or Failed when it
/// never connected in <see cref="FrameSourceOptions.MaxStartAttempts"/> attempts. <see cref="LastError"/> says why in
/// plain words (connection refused, timed out, authentication failed, not found, not a video, ...).
/// </summary>
public sealed class MjpegHttpSource : IFrameSource
{
    private readonly FrameSourceCore _core;
    private readonly ImageDecoder _decoder;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ILogger _logger;
    private long _sequence;

    /// <summary>Creates a source; nothing connects until reading starts.</summary>
    /// <param name="cameraId">The camera id stamped on every frame.</param>
    /// <param name="uri">The stream URL (http or https).</param>
    /// <param name="options">Timeouts, backoff and limits; <see langword="null"/> for defaults.</param>
    /// <param name="httpClient">The client to use (not disposed by the source); <see langword="null"/> to create one.</param>
    /// <param name="timeProvider">The clock for timestamps, timeouts and backoff; <see langword="null"/> for the system clock.</param>
    /// <param name="logger">The logger; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">The URL is not http(s) or the options are invalid.</exception>
    public MjpegHttpSource(string cameraId, Uri uri, FrameSourceOptions? options = null, HttpClient? httpClient = null, TimeProvider? timeProvider = null, ILogger<MjpegHttpSource>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cameraId);
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"An MJPEG camera URL must be absolute http or https; got '{uri}'.", nameof(uri));
        }

        options ??= new FrameSourceOptions();
        options.Validate();
        CameraId = cameraId;
        Uri = uri;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        var time = timeProvider ?? TimeProvider.System;
        _decoder = new ImageDecoder(options.Decoder, time);
        _core = new FrameSourceCore(this, options, time, _logger);
        if (httpClient is null)
        {
            _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = options.ConnectTimeout })
            {
                Timeout = Timeout.InfiniteTimeSpan, // a stream never "completes"; connect and stall timeouts apply instead
            };
            _ownsHttp = true;
        }
        else
        {
            _http = httpClient;
        }
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
    public Uri Uri { get; }

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
    public async ValueTask DisposeAsync()
    {
        await _core.DisposeAsync().ConfigureAwait(false);
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async IAsyncEnumerable<Frame> ReadSessionAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var options = _core.Options;
        var time = _core.TimeProvider;
        using var request = new HttpRequestMessage(HttpMethod.Get, Uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("multipart/x-mixed-replace"));
        HttpResponseMessage response;
        using (var connect = new CancellationTokenSource(options.ConnectTimeout, time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connect.Token))
        {
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The camera did not answer within {options.ConnectTimeout.TotalSeconds:0.#} s.");
            }
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var code = (int)response.StatusCode;
                throw new FrameSourceException(FrameSourceError.OfStatus(code), $"HTTP {code} {response.ReasonPhrase} from {Redacted}.");
            }

            var contentType = response.Content.Headers.ContentType;
            if (!MultipartMjpegReader.IsMultipart(contentType?.MediaType))
            {
                throw new FrameSourceException(FrameSourceErrorKind.NotAVideo, $"{Redacted} is not an MJPEG stream: Content-Type is '{contentType}', expected multipart/x-mixed-replace.");
            }

            // Without a boundary parameter the reader falls back to cutting JPEGs at their start and end markers.
            var boundary = MultipartMjpegReader.ParseBoundary(contentType!.Parameters);

            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var reader = new MultipartMjpegReader(stream, boundary, options.MaxPartBytes, options.ReadTimeout, time);
                while (true)
                {
                    ReadOnlyMemory<byte>? part;
                    try
                    {
                        part = await reader.ReadPartAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (InvalidDataException ex)
                    {
                        // Framing errors are a broken stream, not a wrong URL: keep "not a video" for the content type.
                        throw new FrameSourceException(FrameSourceErrorKind.BadStream, ex.Message, ex);
                    }

                    if (part is null)
                    {
                        yield break;
                    }

                    var frame = TryDecode(part.Value.Span);
                    if (frame is not null)
                    {
                        SourceMetrics.FramesRead.Add(1, SourceMetrics.Camera(CameraId));
                        yield return frame;
                    }
                }
            }
        }
    }

    private string Redacted => RtspSource.Redact(Uri.OriginalString);

    private Frame? TryDecode(ReadOnlySpan<byte> jpeg)
    {
        try
        {
            var frame = _decoder.Decode(jpeg, CameraId, _core.TimeProvider.GetUtcNow(), _sequence);
            _sequence++;
            return frame;
        }
        catch (InvalidImageException ex)
        {
            SourceLog.SkippedImage(_logger, CameraId, ex.Message);
            _core.ReportSkipped(ex.Message);
            SourceMetrics.FramesSkipped.Add(1, SourceMetrics.Camera(CameraId));
            return null;
        }
    }
}
