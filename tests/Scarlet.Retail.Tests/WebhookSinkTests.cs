using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Scarlet.Retail.Events;
using Scarlet.Retail.Sinks;
using Scarlet.Retail.Tests.Support;

namespace Scarlet.Retail.Tests;

/// <summary>Webhooks against a real HTTP listener on 127.0.0.1; backoff waits run on a fake clock.</summary>
public sealed class WebhookSinkTests
{
    private const string Secret = "0123456789abcdef-secret";

    [Fact]
    public async Task Delivers_a_signed_body_the_receiver_verifies_and_rejects_on_replay()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        using var server = new TestReceiver(h.Time, _ => 200);
        using var sink = new WebhookSink(Options(server.Url), h.Events, h.Time);
        var evt = new ActionEvent { OrganizationId = org, Timestamp = RetailHarness.Start, CustomerId = "c1", StoreZone = "z", RecommendedProducts = ["a", "b"] };
        await sink.DeliverAsync(evt, CancellationToken.None);

        var request = Assert.Single(server.Requests);
        var verifier = new WebhookVerifier(Secret, TimeSpan.FromMinutes(5), h.Time);
        Assert.Equal(WebhookVerificationResult.Valid, request.Verify(verifier));
        Assert.Equal(ScarletJson.Serialize(evt), request.Body);
        Assert.Equal("action-events", request.Topic);

        // The same request again is a replay; a changed body or a wrong secret fails the signature; an old one expires.
        Assert.Equal(WebhookVerificationResult.Replayed, request.Verify(verifier));
        Assert.Equal(WebhookVerificationResult.BadSignature, (request with { Body = [.. request.Body, (byte)' '] }).Verify(new WebhookVerifier(Secret, TimeSpan.FromMinutes(5), h.Time)));
        Assert.Equal(WebhookVerificationResult.BadSignature, request.Verify(new WebhookVerifier(Secret + "x", TimeSpan.FromMinutes(5), h.Time)));
        Assert.Equal(WebhookVerificationResult.MissingHeaders, (request with { Timestamp = null }).Verify(verifier));
        h.Time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(WebhookVerificationResult.Expired, request.Verify(new WebhookVerifier(Secret, TimeSpan.FromMinutes(5), h.Time)));
        Assert.Empty(await h.Events.ListDeadLettersAsync(org));
    }

    [Fact]
    public async Task Retries_failures_with_exponential_backoff_on_the_fake_clock_then_succeeds()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        var clock = new StepClock();
        using var server = new TestReceiver(clock, n => n <= 2 ? 503 : 200);
        var options = Options(server.Url);
        using var sink = new WebhookSink(options, h.Events, clock);
        var delivery = sink.DeliverAsync(Evt(org), CancellationToken.None);
        await clock.RunUntilAsync(delivery);

        Assert.Equal(3, server.Requests.Count);
        var times = server.Requests.Select(r => r.ReceivedAt).ToList();
        AssertGap(1, times[1] - times[0]);
        AssertGap(2, times[2] - times[1]);
        Assert.Single(server.Requests.Select(r => r.EventId).Distinct());
        var verifier = new WebhookVerifier(Secret, TimeSpan.FromMinutes(5), clock);
        Assert.Equal(WebhookVerificationResult.Valid, server.Requests[2].Verify(verifier)); // re-signed per try
        Assert.Empty(await h.Events.ListDeadLettersAsync(org));
    }

    [Fact]
    public async Task Writes_a_dead_letter_after_the_last_try_and_does_not_retry_a_rejection()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        var clock = new StepClock();
        using var server = new TestReceiver(clock, _ => 500);
        var options = Options(server.Url);
        options.MaxAttempts = 4;
        options.MaxBackoff = TimeSpan.FromSeconds(3);
        using var sink = new WebhookSink(options, h.Events, clock);
        var evt = Evt(org);
        var delivery = sink.DeliverAsync(evt, CancellationToken.None);
        await clock.RunUntilAsync(delivery);
        Assert.Equal(4, server.Requests.Count);
        var times = server.Requests.Select(r => r.ReceivedAt).ToList();
        AssertGap(1, times[1] - times[0]);
        AssertGap(2, times[2] - times[1]);
        AssertGap(3, times[3] - times[2]); // 4 s capped at MaxBackoff
        var dl = Assert.Single(await h.Events.ListDeadLettersAsync(org));
        Assert.Equal((evt.EventId, 4, "HTTP 500", ScarletTopics.Actions), (dl.EventId, dl.Attempts, dl.LastError, dl.Topic));
        Assert.Contains("\"customer_id\":\"c1\"", dl.Payload, StringComparison.Ordinal);

        using var rejecting = new TestReceiver(h.Time, _ => 401);
        using var sink2 = new WebhookSink(Options(rejecting.Url), h.Events, h.Time);
        await sink2.DeliverAsync(Evt(org), CancellationToken.None);
        Assert.Single(rejecting.Requests);
        Assert.Equal(2, (await h.Events.ListDeadLettersAsync(org)).Count);
    }

    [Fact]
    public async Task A_receiver_that_never_answers_times_out_per_try_on_the_fake_clock()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        var clock = new StepClock();
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // accepts connections (the kernel does), never reads or answers
        var options = Options(new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/hook"));
        options.MaxAttempts = 2;
        options.RequestTimeout = TimeSpan.FromSeconds(5);
        using var sink = new WebhookSink(options, h.Events, clock);
        var delivery = sink.DeliverAsync(Evt(org), CancellationToken.None);
        await clock.RunUntilAsync(delivery);

        var dl = Assert.Single(await h.Events.ListDeadLettersAsync(org));
        Assert.Equal(2, dl.Attempts);
        Assert.StartsWith("TimeoutRejectedException", dl.LastError, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(5 + 1 + 5), clock.GetUtcNow() - RetailHarness.Start); // try, back-off, try
    }

    [Fact]
    public async Task A_dead_receiver_does_not_stop_the_stream_or_an_in_process_sink()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        using var dead = new TcpListener(IPAddress.Loopback, 0);
        dead.Start();
        var port = ((IPEndPoint)dead.LocalEndpoint).Port;
        dead.Stop(); // nothing listens there now: connection refused
        var options = Options(new Uri($"http://127.0.0.1:{port}/hook"));
        options.MaxAttempts = 1;
        using var webhook = new WebhookSink(options, h.Events, h.Time);
        var got = new ConcurrentBag<string>();
        using var a = h.Stream.AddSink(webhook);
        using var b = h.Stream.AddSink(new DelegateSink("memory", (e, _) =>
        {
            got.Add(e.EventId);
            return Task.CompletedTask;
        }));
        for (var i = 0; i < 3; i++)
        {
            h.Stream.Publish(Evt(org));
        }

        SpinWait.SpinUntil(() => got.Count == 3 && h.Events.ListDeadLettersAsync(org).Result.Count == 3, 10_000);
        Assert.Equal(3, got.Count);
        Assert.Equal(3, (await h.Events.ListDeadLettersAsync(org)).Count);
        Assert.False(webhook.Accepts(new ZoneExitedEvent { OrganizationId = org, Timestamp = RetailHarness.Start, Zone = "z", PersonId = "p" }));
    }

    private static void AssertGap(double seconds, TimeSpan gap) => Assert.Equal(TimeSpan.FromSeconds(seconds), gap);

    private static ActionEvent Evt(string org) => new() { OrganizationId = org, Timestamp = RetailHarness.Start, CustomerId = "c1", RecommendedProducts = ["x"] };

    private static WebhookOptions Options(Uri url) => new() { Url = url, Secret = Secret, MaxAttempts = 5, InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromMinutes(1), RequestTimeout = TimeSpan.FromSeconds(30) };

    /// <summary>
    /// A fake clock that notes each short one-shot timer (a backoff wait) and, driven by <see cref="RunUntilAsync"/>,
    /// advances by exactly that wait once it is armed: deterministic whatever the machine load.
    /// </summary>
    private sealed class StepClock() : FakeTimeProvider(RetailHarness.Start)
    {
        private readonly ConcurrentQueue<TimeSpan> _waits = new();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new NotedTimer(this, base.CreateTimer(callback, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
            timer.Change(dueTime, period);
            return timer;
        }

        private void Note(TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime > TimeSpan.Zero && dueTime <= TimeSpan.FromSeconds(10) && (period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero))
            {
                _waits.Enqueue(dueTime);
            }
        }

        /// <summary>A timer may be armed after it is created (Polly's timeout does): every arming is noted.</summary>
        private sealed class NotedTimer(StepClock clock, ITimer inner) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                // Armed first, noted second: noted first, the runner could advance the clock before the timer is armed,
                // which then counts its wait from the advanced time and never fires (a CI run hung here).
                var changed = inner.Change(dueTime, period);
                clock.Note(dueTime, period);
                return changed;
            }

            public void Dispose() => inner.Dispose();

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }

        public async Task RunUntilAsync(Task work)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!work.IsCompleted && DateTime.UtcNow < deadline)
            {
                if (_waits.TryDequeue(out var wait))
                {
                    Advance(wait);
                }
                else
                {
                    await Task.Delay(2);
                }
            }

            // A wait the clock was never moved past would hang the run: fail instead.
            await work.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    internal sealed record ReceivedRequest(byte[] Body, string? Signature, string? Timestamp, string? EventId, string? Topic, DateTimeOffset ReceivedAt)
    {
        public WebhookVerificationResult Verify(WebhookVerifier verifier) => verifier.Verify(Signature, Timestamp, EventId, Body);
    }

    /// <summary>An HttpListener on an ephemeral loopback port answering with a status chosen per request number.</summary>
    private sealed class TestReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly FakeTimeProvider _time;
        private readonly Func<int, int> _status;
        private readonly List<ReceivedRequest> _requests = [];
        private readonly Task _loop;

        public TestReceiver(FakeTimeProvider time, Func<int, int> status)
        {
            _time = time;
            _status = status;
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = new Uri($"http://127.0.0.1:{port}/hook/");
            _listener.Prefixes.Add(Url.ToString());
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public Uri Url { get; }

        public IReadOnlyList<ReceivedRequest> Requests
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try
                {
                    ctx = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var ms = new MemoryStream();
                await ctx.Request.InputStream.CopyToAsync(ms);
                int n;
                lock (_requests)
                {
                    _requests.Add(new ReceivedRequest(
                        ms.ToArray(),
                        ctx.Request.Headers[WebhookSignature.SignatureHeader],
                        ctx.Request.Headers[WebhookSignature.TimestampHeader],
                        ctx.Request.Headers[WebhookSignature.EventIdHeader],
                        ctx.Request.Headers[WebhookSignature.TopicHeader],
                        _time.GetUtcNow()));
                    n = _requests.Count;
                }

                ctx.Response.StatusCode = _status(n);
                ctx.Response.Close();
            }
        }
    }
}
