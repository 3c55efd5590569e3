using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using Scarlet.WebHost.Live;

namespace Scarlet.WebHost.Tests;

/// <summary>A slow WebSocket client never holds up the publisher and is dropped.</summary>
public sealed class LiveHubTests
{
    [Fact]
    public async Task A_client_that_never_reads_is_skipped_then_dropped_without_blocking_publish()
    {
        var hub = new LiveHub("test", queueSize: 4, NullLogger.Instance, sendTimeout: TimeSpan.FromMilliseconds(500));
        using var stuck = new StuckSocket();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = hub.RunAsync(stuck, "org-a", null, stop.Token);
        await WaitUntilAsync(() => hub.ClientCount == 1);

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 500; i++)
        {
            hub.Publish("org-a", new byte[] { (byte)'{', (byte)'}' });
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"publish blocked for {watch.Elapsed}");
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(stop.IsCancellationRequested);
        Assert.Equal(0, hub.ClientCount);
    }

    [Fact]
    public async Task A_client_that_reads_gets_every_message_in_order()
    {
        var hub = new LiveHub("test", queueSize: 64, NullLogger.Instance);
        using var socket = new RecordingSocket();
        using var stop = new CancellationTokenSource();
        var run = hub.RunAsync(socket, "org-a", "hello"u8.ToArray(), stop.Token);
        await WaitUntilAsync(() => hub.ClientCount == 1);
        for (var i = 0; i < 10; i++)
        {
            hub.Publish("org-a", new[] { (byte)('0' + i) });
        }

        await WaitUntilAsync(() => socket.Sent.Count == 11);
        await stop.CancelAsync();
        await run;
        Assert.Equal(["hello", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], socket.Sent);
    }

    [Fact]
    public async Task A_client_receives_only_its_organisations_messages()
    {
        var hub = new LiveHub("test", queueSize: 64, NullLogger.Instance);
        using var a = new RecordingSocket();
        using var b = new RecordingSocket();
        using var stop = new CancellationTokenSource();
        var runA = hub.RunAsync(a, "org-a", null, stop.Token);
        var runB = hub.RunAsync(b, "org-b", null, stop.Token);
        await WaitUntilAsync(() => hub.ClientCount == 2);
        Assert.Equal(["org-a", "org-b"], hub.Organizations.Order(StringComparer.Ordinal));
        Assert.Equal(1, hub.ClientsOf("org-a"));
        hub.Publish("org-a", "for-a"u8.ToArray());
        hub.Publish("org-b", "for-b"u8.ToArray());
        hub.Publish("org-c", "for-c"u8.ToArray());

        await WaitUntilAsync(() => a.Sent.Count == 1 && b.Sent.Count == 1);
        await Task.Delay(100);
        await stop.CancelAsync();
        await Task.WhenAll(runA, runB);
        Assert.Equal(["for-a"], a.Sent);
        Assert.Equal(["for-b"], b.Sent);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(10);
        }
    }

    private class StuckSocket : WebSocket
    {
        private WebSocketState _state = WebSocketState.Open;

        public override WebSocketCloseStatus? CloseStatus => null;

        public override string? CloseStatusDescription => null;

        public override WebSocketState State => _state;

        public override string? SubProtocol => null;

        public override void Abort() => _state = WebSocketState.Aborted;

        public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

        public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
        {
            _state = WebSocketState.Closed;
            return Task.CompletedTask;
        }

        public override void Dispose()
        {
        }

        public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException();
        }

        public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
            Send(buffer, cancellationToken);

        protected virtual Task Send(ArraySegment<byte> buffer, CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);
    }

    private sealed class RecordingSocket : StuckSocket
    {
        public List<string> Sent { get; } = [];

        protected override Task Send(ArraySegment<byte> buffer, CancellationToken cancellationToken)
        {
            lock (Sent)
            {
                Sent.Add(System.Text.Encoding.UTF8.GetString(buffer));
            }

            return Task.CompletedTask;
        }
    }
}
