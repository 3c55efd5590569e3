using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Scarlet.WebHost.Live;

/// <summary>
/// Broadcasts JSON messages to the WebSocket clients of one channel, each client receiving only its organisation's
/// messages. Each client has a small bounded queue: a full queue
/// skips the message for that client (counted as a drop) and a client that stays full is disconnected, so a slow
/// client never holds up the publisher.
/// </summary>
internal sealed class LiveHub(string name, int queueSize, ILogger logger, TimeSpan? sendTimeout = null)
{
    private const int MaxConsecutiveDrops = 64;
    private readonly ConcurrentDictionary<long, Client> _clients = new();
    private long _nextId;

    public string Name => name;

    public int ClientCount => _clients.Count;

    /// <summary>Gets the organisations with a client now (for messages built per organisation).</summary>
    public IReadOnlyList<string> Organizations => [.. _clients.Values.Select(c => c.OrganizationId).Distinct(StringComparer.Ordinal)];

    public int ClientsOf(string organizationId) => _clients.Values.Count(c => c.OrganizationId == organizationId);

    /// <summary>Sends a message to the clients of one organisation.</summary>
    public void Publish(string organizationId, ReadOnlyMemory<byte> utf8Json)
    {
        foreach (var c in _clients.Values)
        {
            if (c.OrganizationId != organizationId)
            {
                continue;
            }

            if (c.Queue.Writer.TryWrite(utf8Json))
            {
                c.Drops = 0;
                continue;
            }

            HostMetrics.PipelineDrops.Add(1, HostMetrics.Tag("stage", "websocket-" + name));
            if (++c.Drops >= MaxConsecutiveDrops)
            {
                logger.LogInformation("Dropping slow {Channel} WebSocket client {Id}", name, c.Id);
                c.Queue.Writer.TryComplete();
            }
        }
    }

    /// <summary>Runs one client of an organisation until it disconnects, is dropped, or the host stops.</summary>
    public async Task RunAsync(WebSocket socket, string organizationId, ReadOnlyMemory<byte>? hello, CancellationToken ct)
    {
        var client = new Client(Interlocked.Increment(ref _nextId), organizationId, Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(queueSize) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait }));
        if (hello is { } h)
        {
            client.Queue.Writer.TryWrite(h);
        }

        _clients[client.Id] = client;
        HostMetrics.WebSocketClients.Add(1, HostMetrics.Tag("channel", name));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            await PumpAsync(socket, client, sendTimeout ?? TimeSpan.FromSeconds(10), cts);
        }
        finally
        {
            _clients.TryRemove(client.Id, out _);
            HostMetrics.WebSocketClients.Add(-1, HostMetrics.Tag("channel", name));
        }
    }

    private static async Task PumpAsync(WebSocket socket, Client client, TimeSpan sendTimeout, CancellationTokenSource cts)
    {
        try
        {
            // The reader notices a close from the client; messages from clients are ignored.
            var receive = ReceiveUntilCloseAsync(socket, cts);
            await foreach (var msg in client.Queue.Reader.ReadAllAsync(cts.Token))
            {
                // A client that cannot take a message in time is dropped.
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
                timeout.CancelAfter(sendTimeout);
                await socket.SendAsync(msg, WebSocketMessageType.Text, true, timeout.Token);
            }

            // The queue was completed: this client was too slow.
            if (socket.State == WebSocketState.Open)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "too slow", CancellationToken.None);
            }

            await cts.CancelAsync();
            await receive;
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ChannelClosedException or ObjectDisposedException)
        {
        }

        try
        {
            // Complete the closing handshake the client started.
            if (socket.State == WebSocketState.CloseReceived)
            {
                using var closeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", closeTimeout.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }

    private static async Task ReceiveUntilCloseAsync(WebSocket socket, CancellationTokenSource cts)
    {
        var buffer = new byte[1024];
        try
        {
            while (!cts.IsCancellationRequested)
            {
                var r = await socket.ReceiveAsync(buffer, cts.Token);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
        finally
        {
            await cts.CancelAsync();
        }
    }

    private sealed class Client(long id, string organizationId, Channel<ReadOnlyMemory<byte>> queue)
    {
        public long Id { get; } = id;

        public string OrganizationId { get; } = organizationId;

        public Channel<ReadOnlyMemory<byte>> Queue { get; } = queue;

        public int Drops { get; set; }
    }
}

/// <summary>The two live channels.</summary>
internal sealed class LiveHubs(IOptions<ScarletHostOptions> options, ILoggerFactory loggers)
{
    public LiveHub Dashboard { get; } = new("dashboard", options.Value.Live.ClientQueue, loggers.CreateLogger("Scarlet.WebHost.Live"));

    public LiveHub Tracking { get; } = new("tracking", options.Value.Live.ClientQueue, loggers.CreateLogger("Scarlet.WebHost.Live"));
}
