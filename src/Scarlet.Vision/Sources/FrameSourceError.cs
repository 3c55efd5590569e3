using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace Scarlet.Vision;

/// <summary>What kind of fault stopped a frame source from connecting or reading.</summary>
public enum FrameSourceErrorKind
{
    /// <summary>Anything not classified below; <see cref="FrameSourceError.Detail"/> has the message.</summary>
    Other,

    /// <summary>Nothing listens at the address (the camera or its service is down, or the port is wrong).</summary>
    ConnectionRefused,

    /// <summary>The host name does not resolve.</summary>
    HostNotFound,

    /// <summary>No route to the host or its network.</summary>
    Unreachable,

    /// <summary>No answer, or no data, within the connect or read timeout.</summary>
    TimedOut,

    /// <summary>The camera wants credentials, or refused the ones given (HTTP/RTSP 401, 403).</summary>
    AuthenticationFailed,

    /// <summary>The file, folder or stream path does not exist (HTTP/RTSP 404).</summary>
    NotFound,

    /// <summary>The file or answer is not a video this source can read (wrong content type, undecodable file).</summary>
    NotAVideo,

    /// <summary>The stream is malformed (broken multipart framing, a part over the size limit).</summary>
    BadStream,

    /// <summary>A frame did not decode and was skipped; the stream goes on.</summary>
    BadImage,

    /// <summary>The connection dropped, or the camera ended the stream.</summary>
    ConnectionLost,

    /// <summary>The TLS handshake failed.</summary>
    SecureConnectionFailed,

    /// <summary>The camera answered with another error status (HTTP/RTSP 4xx or 5xx).</summary>
    ServerError,

    /// <summary>The camera serves the stream, but this build cannot read it (codec, transport, or no network support in OpenCV).</summary>
    UnsupportedStream,
}

/// <summary>
/// The last fault of a frame source in plain words: its <see cref="Kind"/>, the <see cref="Reason"/> an operator reads
/// (<c>connection refused</c>, <c>not a video</c>, ...), the underlying <see cref="Detail"/>, and when it happened.
/// </summary>
/// <param name="Kind">The kind of fault.</param>
/// <param name="Detail">The specific message (credentials in URLs masked).</param>
/// <param name="Time">When it happened, on the source's clock.</param>
/// <param name="Failures">Connection attempts that failed in a row, this one included; 0 for a fault that did not end a connection (a skipped image).</param>
/// <param name="RetryDelay">The wait before the next attempt; <see langword="null"/> when the source does not retry (it failed for good, or the fault did not end a connection).</param>
public sealed record FrameSourceError(FrameSourceErrorKind Kind, string Detail, DateTimeOffset Time, int Failures = 0, TimeSpan? RetryDelay = null)
{
    /// <summary>Gets the fault in plain words, e.g. <c>connection refused</c>.</summary>
    public string Reason => ReasonOf(Kind);

    /// <summary>Gets the plain words for a kind of fault.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>Lower-case words, e.g. <c>timed out</c>.</returns>
    public static string ReasonOf(FrameSourceErrorKind kind) => kind switch
    {
        FrameSourceErrorKind.ConnectionRefused => "connection refused",
        FrameSourceErrorKind.HostNotFound => "host not found",
        FrameSourceErrorKind.Unreachable => "host unreachable",
        FrameSourceErrorKind.TimedOut => "timed out",
        FrameSourceErrorKind.AuthenticationFailed => "authentication failed",
        FrameSourceErrorKind.NotFound => "not found",
        FrameSourceErrorKind.NotAVideo => "not a video",
        FrameSourceErrorKind.BadStream => "bad stream",
        FrameSourceErrorKind.BadImage => "bad image",
        FrameSourceErrorKind.ConnectionLost => "connection lost",
        FrameSourceErrorKind.SecureConnectionFailed => "secure connection failed",
        FrameSourceErrorKind.ServerError => "server error",
        FrameSourceErrorKind.UnsupportedStream => "unsupported stream",
        _ => "error",
    };

    /// <summary>Classifies an exception thrown while opening or reading a source.</summary>
    /// <param name="exception">The exception.</param>
    /// <param name="time">When it happened.</param>
    /// <returns>The fault, with <see cref="Failures"/> 0 and no retry delay.</returns>
    public static FrameSourceError From(Exception exception, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new FrameSourceError(Classify(exception), exception.Message, time);
    }

    /// <summary>Gets the reason, then the detail: <c>connection refused: Connection refused (10.0.0.5:81)</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Reason}: {Detail}");

    /// <summary>The kind of an exception; the sources throw <see cref="FrameSourceException"/> where they know better.</summary>
    internal static FrameSourceErrorKind Classify(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case FrameSourceException f:
                    return f.Kind;
                case SocketException s when Of(s.SocketErrorCode) is { } kind:
                    return kind;
                case HttpRequestException { StatusCode: { } status }:
                    return OfStatus((int)status);
                case HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError }:
                    return FrameSourceErrorKind.HostNotFound;
                case HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError }:
                    return FrameSourceErrorKind.SecureConnectionFailed;
                case TimeoutException:
                    return FrameSourceErrorKind.TimedOut;
                case FileNotFoundException or DirectoryNotFoundException:
                    return FrameSourceErrorKind.NotFound;
                case InvalidDataException:
                    // Thrown by the file sources for data that is not a readable video; stream framing errors arrive as BadStream.
                    return FrameSourceErrorKind.NotAVideo;
                case InvalidImageException:
                    return FrameSourceErrorKind.BadImage;
                case HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } or EndOfStreamException:
                    return FrameSourceErrorKind.ConnectionLost;
            }
        }

        return exception is IOException or HttpRequestException ? FrameSourceErrorKind.ConnectionLost : FrameSourceErrorKind.Other;
    }

    /// <summary>The kind of an HTTP or RTSP error status (both use the same codes for these).</summary>
    internal static FrameSourceErrorKind OfStatus(int status) => status switch
    {
        401 or 403 or 407 => FrameSourceErrorKind.AuthenticationFailed,
        404 or 410 => FrameSourceErrorKind.NotFound,
        _ => FrameSourceErrorKind.ServerError,
    };

    private static FrameSourceErrorKind? Of(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => FrameSourceErrorKind.ConnectionRefused,
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => FrameSourceErrorKind.HostNotFound,
        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.NetworkDown => FrameSourceErrorKind.Unreachable,
        SocketError.TimedOut => FrameSourceErrorKind.TimedOut,
        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown or SocketError.NetworkReset => FrameSourceErrorKind.ConnectionLost,
        _ => null,
    };
}

/// <summary>A frame source fault whose kind the source knows (an HTTP status, a content type, a source that gave up).</summary>
public sealed class FrameSourceException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">The kind of fault.</param>
    /// <param name="message">The specific message.</param>
    /// <param name="innerException">The cause, or <see langword="null"/>.</param>
    public FrameSourceException(FrameSourceErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>Creates an exception of kind <see cref="FrameSourceErrorKind.Other"/>.</summary>
    public FrameSourceException()
        : this(FrameSourceErrorKind.Other, "A frame source failed.")
    {
    }

    /// <summary>Creates an exception of kind <see cref="FrameSourceErrorKind.Other"/>.</summary>
    /// <param name="message">The message.</param>
    public FrameSourceException(string message)
        : this(FrameSourceErrorKind.Other, message)
    {
    }

    /// <summary>Creates an exception of kind <see cref="FrameSourceErrorKind.Other"/>.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public FrameSourceException(string message, Exception innerException)
        : this(FrameSourceErrorKind.Other, message, innerException)
    {
    }

    /// <summary>Gets the kind of fault.</summary>
    public FrameSourceErrorKind Kind { get; }
}
