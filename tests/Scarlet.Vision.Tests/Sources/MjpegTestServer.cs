using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Scarlet.Vision.Tests.Sources;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (an ephemeral port, or a given one to restart a "killed" server) for MJPEG
/// tests: for each connection it reads the request head, then hands the stream to a handler that writes the response;
/// the connection is closed when the handler returns. Disposing closes the listener and every connection.
/// </summary>
internal sealed class MjpegTestServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<Stream, int, CancellationToken, Task> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _connections;

    public MjpegTestServer(Func<Stream, int, CancellationToken, Task> handler, int port = 0)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _handler = handler;
        _listener.Start();
        Uri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/stream");
        _acceptLoop = AcceptLoopAsync();
    }

    public Uri Uri { get; }

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Writes the response head of an MJPEG stream.</summary>
    public static Task WriteHeadAsync(Stream stream, string contentType, CancellationToken cancellationToken) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: {contentType}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n"), cancellationToken).AsTask();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var index = Interlocked.Increment(ref _connections) - 1;
            _ = Task.Run(() => ServeAsync(client, index));
        }
    }

    private async Task ServeAsync(TcpClient client, int index)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                await ReadRequestHeadAsync(stream, _stop.Token);
                await _handler(stream, index, _stop.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away or the server is stopping.
            }
        }
    }

    private static async Task ReadRequestHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[1];
        var last4 = 0u;
        while (last4 != 0x0D0A0D0A)
        {
            if (await stream.ReadAsync(buffer, cancellationToken) == 0)
            {
                throw new IOException("client closed before sending a request");
            }

            last4 = (last4 << 8) | buffer[0];
        }
    }
}
