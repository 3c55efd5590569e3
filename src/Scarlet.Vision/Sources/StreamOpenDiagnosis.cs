using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Scarlet.Vision;

/// <summary>
/// Finds out why a stream did not open. OpenCV's capture only says "not opened", so after a failed open this connects to
/// the host itself and, for <c>rtsp://</c>, asks for the stream description (DESCRIBE) to tell a refused connection, an
/// unknown host, a timeout, a 401 and a 404 apart. It runs only after a failure, so a working camera never sees it.
/// </summary>
internal static class StreamOpenDiagnosis
{
    private const int MaxStatusLine = 1024;

    /// <summary>Returns the fault, as an exception for the source to throw.</summary>
    /// <param name="url">The URL (or local path) the capture failed to open.</param>
    /// <param name="timeout">How long the connect and the answer may take together.</param>
    /// <param name="time">The clock of the timeout.</param>
    /// <param name="cancellationToken">Stops the diagnosis.</param>
    public static async Task<FrameSourceException> DiagnoseAsync(string url, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var shown = RtspSource.Redact(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.IsFile || string.IsNullOrEmpty(uri.Host))
        {
            // A local path handed to the FFMPEG backend.
            var path = uri is { IsFile: true } ? uri.LocalPath : url;
            return File.Exists(path)
                ? new FrameSourceException(FrameSourceErrorKind.NotAVideo, $"Cannot open '{path}' as a video.")
                : new FrameSourceException(FrameSourceErrorKind.NotFound, $"'{path}' does not exist.");
        }

        var port = uri.Port > 0 ? uri.Port : DefaultPort(uri.Scheme);
        var endpoint = string.Create(CultureInfo.InvariantCulture, $"{uri.Host}:{port}");
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(uri.Host, port, linked.Token).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            var kind = FrameSourceError.Classify(ex);
            return new FrameSourceException(kind == FrameSourceErrorKind.ConnectionLost ? FrameSourceErrorKind.ConnectionRefused : kind, $"{ex.Message} ({endpoint})", ex);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new FrameSourceException(FrameSourceErrorKind.TimedOut, $"No connection to {endpoint} within {timeout.TotalSeconds:0.#} s.");
        }

        if (!uri.Scheme.Equals("rtsp", StringComparison.OrdinalIgnoreCase))
        {
            return new FrameSourceException(FrameSourceErrorKind.UnsupportedStream, $"{endpoint} accepts connections, but {shown} did not open as a video stream.");
        }

        int status;
        string statusLine;
        try
        {
            await socket.SendAsync(DescribeRequest(uri), SocketFlags.None, linked.Token).ConfigureAwait(false);
            statusLine = await ReadLineAsync(socket, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new FrameSourceException(FrameSourceErrorKind.TimedOut, $"{endpoint} accepted the connection but gave no RTSP answer within {timeout.TotalSeconds:0.#} s.");
        }
        catch (SocketException ex)
        {
            return new FrameSourceException(FrameSourceErrorKind.ConnectionLost, $"{endpoint} closed the connection during the RTSP request: {ex.Message}", ex);
        }

        // "RTSP/1.0 401 Unauthorized"
        var parts = statusLine.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || !parts[0].StartsWith("RTSP/", StringComparison.Ordinal) || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out status))
        {
            return new FrameSourceException(FrameSourceErrorKind.NotAVideo, $"{endpoint} does not speak RTSP (it answered '{Printable(statusLine)}').");
        }

        if (status is >= 200 and < 300)
        {
            // The server has the stream; what failed is on this side: a codec or transport the capture cannot handle, or
            // an OpenCV build whose FFmpeg has no network protocols (OpenCvSharp's official Linux runtime is one).
            return new FrameSourceException(FrameSourceErrorKind.UnsupportedStream, $"{shown} answered RTSP {status}, but the capture could not open the stream (codec, transport, or an OpenCV build without network streams).");
        }

        var kindOfStatus = FrameSourceError.OfStatus(status);
        var hint = kindOfStatus == FrameSourceErrorKind.AuthenticationFailed && string.IsNullOrEmpty(uri.UserInfo) ? " (the URL has no credentials)" : string.Empty;
        return new FrameSourceException(kindOfStatus, $"RTSP {status} {(parts.Length > 2 ? parts[2] : string.Empty)} from {shown}{hint}.".Replace("  ", " ", StringComparison.Ordinal));
    }

    private static int DefaultPort(string scheme) => scheme.ToUpperInvariant() switch
    {
        "RTSPS" => 322,
        "RTMP" => 1935,
        "RTMPS" => 443,
        "HTTP" => 80,
        "HTTPS" => 443,
        _ => 554,
    };

    private static byte[] DescribeRequest(Uri uri)
    {
        // The URL without credentials; Basic credentials when the URL has them (a camera that wants Digest answers 401,
        // which is reported as an authentication failure: the capture, which does Digest, failed too).
        var target = new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri.AbsoluteUri;
        var request = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"DESCRIBE {target} RTSP/1.0\r\n")
            .Append("CSeq: 1\r\nAccept: application/sdp\r\nUser-Agent: Scarlet\r\n");
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(uri.UserInfo)));
            request.Append(CultureInfo.InvariantCulture, $"Authorization: Basic {credentials}\r\n");
        }

        return Encoding.ASCII.GetBytes(request.Append("\r\n").ToString());
    }

    private static async Task<string> ReadLineAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxStatusLine];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            length += read;
            var end = buffer.AsSpan(0, length).IndexOf((byte)'\n');
            if (end >= 0)
            {
                return Encoding.ASCII.GetString(buffer, 0, end).TrimEnd('\r');
            }
        }

        return Encoding.ASCII.GetString(buffer, 0, length);
    }

    private static string Printable(string text)
    {
        var shortened = text.Length > 40 ? text[..40] + "..." : text;
        return string.Concat(shortened.Select(c => char.IsControl(c) ? '?' : c));
    }
}
