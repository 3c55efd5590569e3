using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Scarlet.Retail.Events;
using Scarlet.Retail.Events.Redis;
using Scarlet.Retail.Storage.Sql;
using Scarlet.Retail.Storage.Sqlite;
using Scarlet.Retail.Tests.Support;
using Scarlet.Testing.Servers;
using StackExchange.Redis;

namespace Scarlet.Retail.Tests;

/// <summary>The Redis Streams bus on a real, private redis-server (started per test, data in a temp folder).</summary>
public sealed class RedisStreamBusTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 10, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly RedisServer _redis = new();

    public void Dispose() => _redis.Dispose();

    [Fact]
    public async Task An_event_of_one_host_reaches_another_hosts_group_with_every_field_and_the_seed_topic_name()
    {
        using var a = Bus("host-a");
        using var b = Bus("host-b");
        var got = new ConcurrentQueue<(ScarletEvent Event, string Origin)>();
        await using (b.Consume("replica", shared: false, [ScarletTopics.Actions], (e, origin, _) => Enqueue(got, (e, origin))))
        {
            await Task.Delay(300); // the group starts at the end of the stream: let it exist first
            var sent = new ActionEvent { OrganizationId = "org", Timestamp = T0, CustomerId = "c1", StoreZone = "shoes", RecommendedProducts = ["p1", "p2"] };
            var entryId = await a.PublishAsync(sent);
            Assert.False(string.IsNullOrEmpty(entryId));
            await WaitUntil(() => !got.IsEmpty);
            var (evt, origin) = Assert.Single(got);
            Assert.Equal("host-a", origin);
            Assert.IsType<ActionEvent>(evt);
            Assert.Equal(ScarletJson.Serialize(sent), ScarletJson.Serialize(evt)); // every field, the event id included
        }

        using var raw = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        Assert.Equal(1, await raw.GetDatabase().StreamLengthAsync("scarlet:action-events"));
    }

    [Fact]
    public async Task A_shared_group_hands_each_event_to_one_host_and_a_dead_consumers_entries_are_claimed()
    {
        using var a = Bus("host-a");
        using var b = Bus("host-b", claimAfter: TimeSpan.FromSeconds(1));
        var handledByB = new ConcurrentDictionary<string, int>();
        var seenByA = new ConcurrentDictionary<string, int>();

        // Host A takes entries and dies before acknowledging them (its handler never finishes; then it is gone).
        var aConsumer = a.Consume("recommendations", shared: true, [ScarletTopics.CustomerIdentified], async (e, _, ct) =>
        {
            seenByA.TryAdd(e.EventId, 0);
            await Task.Delay(Timeout.Infinite, ct);
        });
        await Task.Delay(300);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var e = new CustomerIdentifiedEvent { OrganizationId = "org", Timestamp = T0, CustomerId = "c" + i, CameraId = "cam" };
            ids.Add(e.EventId);
            await a.PublishAsync(e);
        }

        await WaitUntil(() => !seenByA.IsEmpty);
        await aConsumer.DisposeAsync();

        await using (b.Consume("recommendations", shared: true, [ScarletTopics.CustomerIdentified], (e, _, _) =>
        {
            handledByB.AddOrUpdate(e.EventId, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        }))
        {
            await WaitUntil(() => ids.All(handledByB.ContainsKey));
        }

        Assert.All(handledByB.Values, n => Assert.Equal(1, n));
        using var raw = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var pending = await raw.GetDatabase().StreamPendingAsync("scarlet:customer-identified-events", "recommendations");
        Assert.Equal(0, pending.PendingMessageCount);
    }

    [Fact]
    public async Task A_redelivered_event_id_is_handled_once_and_a_failing_handler_gets_it_again()
    {
        using var a = Bus("host-a");
        using var b = Bus("host-b", claimAfter: TimeSpan.FromSeconds(1));
        var calls = new ConcurrentDictionary<string, int>();
        var failOnce = new ConcurrentDictionary<string, int>();
        await using (b.Consume("log", shared: true, [ScarletTopics.Alerts], (e, _, _) =>
        {
            calls.AddOrUpdate(e.EventId, 1, (_, n) => n + 1);
            if (((AlertRaisedEvent)e).Alert.Id == "flaky" && failOnce.TryAdd(e.EventId, 0))
            {
                throw new InvalidOperationException("transient");
            }

            return Task.CompletedTask;
        }))
        {
            await Task.Delay(300);
            var dup = Alert("dup");
            await a.PublishAsync(dup);
            await a.PublishAsync(dup); // the same event id again: at-least-once from the producer's side
            var flaky = Alert("flaky");
            await a.PublishAsync(flaky);
            await WaitUntil(() => calls.TryGetValue(flaky.EventId, out var n) && n == 2);
            Assert.Equal(1, calls[dup.EventId]);
        }
    }

    [Fact]
    public async Task Streams_are_capped_near_their_maximum_length()
    {
        using var a = Bus("host-a", maxLength: 1_000);
        await Task.WhenAll(Enumerable.Range(0, 3_000).Select(i => a.PublishAsync(Alert("a" + i))));

        using var raw = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var length = await raw.GetDatabase().StreamLengthAsync("scarlet:alert-events");
        Assert.InRange(length, 1_000, 1_200); // approximate trimming (~) removes whole nodes only
    }

    [Fact]
    public async Task Events_cross_hosts_through_the_bridge_as_remote_and_a_redis_restart_loses_nothing_acknowledged()
    {
        using var streamA = new ScarletEventStream();
        using var streamB = new ScarletEventStream();
        using var busA = Bus("host-a");
        using var busB = Bus("host-b");
        await using var bridgeA = new RedisEventBridge(busA, streamA, Options("host-a"));
        await using var bridgeB = new RedisEventBridge(busB, streamB, Options("host-b"));
        var onB = new ConcurrentDictionary<string, ScarletEvent>();
        var onA = new ConcurrentBag<ScarletEvent>();
        var handledOnB = 0;
        using var subB = streamB.Subscribe(e => onB.TryAdd(e.EventId, e));
        using var subA = streamA.Subscribe(onA.Add);
        using var workB = streamB.Handle<AlertRaisedEvent>("work", (_, _) =>
        {
            Interlocked.Increment(ref handledOnB);
            return Task.CompletedTask;
        });
        await bridgeA.StartAsync(CancellationToken.None);
        await bridgeB.StartAsync(CancellationToken.None);
        await Task.Delay(500);

        var sent = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            if (i == 100)
            {
                // Every event so far acknowledged by Redis (B may not have read them all): SIGKILL and start again on the
                // same data, while A goes on publishing into its outbox.
                await WaitUntil(() => bridgeA.OutboxCount == 0);
                _redis.Restart();
            }

            var e = Alert("a" + i);
            sent.Add(e.EventId);
            streamA.Publish(e);
        }

        await WaitUntil(() => sent.All(onB.ContainsKey), TimeSpan.FromSeconds(60));
        Assert.All(onB.Values, e => Assert.True(e.IsRemote));
        Assert.Equal(200, onA.Count); // A never gets its own events back
        Assert.All(onA, e => Assert.False(e.IsRemote));
        Assert.Equal(0, Volatile.Read(ref handledOnB)); // work handlers run on the host that raised the event only
        Assert.Equal(0, bridgeA.OutboxCount);
    }

    /// <summary>
    /// With the retail database the outbox is a table: events raised while Redis is down wait there, through a stop of
    /// the host too, and the next start of that host id sends every one of them, in order.
    /// </summary>
    [Fact]
    public async Task Events_raised_while_redis_is_down_wait_in_the_outbox_table_through_a_host_restart_and_are_delivered()
    {
        using var dir = new TempDir();
        using var db = new SqliteDatabase(dir.File("a.db"));
        using var streamA = new ScarletEventStream();
        using var streamB = new ScarletEventStream();
        using var busB = Bus("host-b");
        await using var bridgeB = new RedisEventBridge(busB, streamB, Options("host-b"));
        var onB = new ConcurrentQueue<string>();
        using var subB = streamB.Subscribe(e => onB.Enqueue(e.EventId));
        await bridgeB.StartAsync(CancellationToken.None);
        var sent = new List<string>();
        var leaseA = Options("host-a", hostLease: TimeSpan.FromSeconds(1));
        using (var busA = new RedisStreamBus(leaseA))
        {
            await using var bridgeA = new RedisEventBridge(busA, streamA, leaseA, database: db);
            await bridgeA.StartAsync(CancellationToken.None);
            await Task.Delay(300);
            Publish(streamA, sent, 0, 10);
            await WaitUntil(() => sent.All(onB.Contains));
            await WaitUntil(() => bridgeA.OutboxCount == 0);

            _redis.Kill();
            Publish(streamA, sent, 10, 60);
            Assert.Equal(50, bridgeA.OutboxCount); // in memory or already in the table: nothing sent, nothing dropped
            var table = new SqlBusOutbox(db);
            for (var deadline = DateTime.UtcNow + Patience; await table.CountAsync("host-a", CancellationToken.None) < 50;)
            {
                Assert.True(DateTime.UtcNow < deadline, "the outbox table did not get the events");
                await Task.Delay(20);
            }

            // A stop while Redis is away: nothing to wait for, the events are in the table.
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await bridgeA.StopAsync(stopping.Token);
        }

        _redis.Start();
        using var busA2 = new RedisStreamBus(leaseA);
        await using var bridgeA2 = new RedisEventBridge(busA2, streamA, leaseA, database: db);
        await bridgeA2.StartAsync(CancellationToken.None);
        await WaitUntil(() => sent.All(onB.Contains), TimeSpan.FromSeconds(60));
        Assert.Equal(sent, onB.Distinct().ToList()); // in order, none lost
        await WaitUntil(() => bridgeA2.OutboxCount == 0);
        Assert.Equal(0L, await new SqlBusOutbox(db).CountAsync("host-a", CancellationToken.None));
    }

    private static void Publish(ScarletEventStream stream, List<string> sent, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            var e = Alert("o" + i);
            sent.Add(e.EventId);
            stream.Publish(e);
        }
    }

    [Fact]
    public async Task A_second_running_host_with_the_same_id_fails_to_start_and_a_clean_stop_frees_the_id()
    {
        using var stream = new ScarletEventStream();
        // 3 s, not less: the holder renews every third of the lease, and on a loaded 2-core machine a renewal can be a
        // second late; the claimant gives up after two leases (6 s).
        var lease = Options("same", hostLease: TimeSpan.FromSeconds(3));
        using var busA = new RedisStreamBus(lease);
        using var busB = new RedisStreamBus(lease);
        await using (var first = new RedisEventBridge(busA, stream, lease))
        {
            await first.StartAsync(CancellationToken.None);
            await using var second = new RedisEventBridge(busB, stream, lease);
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => second.StartAsync(CancellationToken.None));
            Assert.Contains("'same'", ex.Message, StringComparison.Ordinal);
        }

        // The first one stopped cleanly (released the id): a new host with that id starts without waiting for the lease.
        var longLease = Options("same", hostLease: TimeSpan.FromMinutes(5));
        using var busC = new RedisStreamBus(longLease);
        await using var third = new RedisEventBridge(busC, stream, longLease);
        await third.StartAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static AlertRaisedEvent Alert(string id) => new()
    {
        OrganizationId = "org",
        Timestamp = T0,
        Alert = new Alert { Id = id, OrganizationId = "org", Level = AlertLevel.Warning, Kind = AlertKind.DwellExceeded, Zone = "z", Message = "m", RaisedAt = T0 },
    };

    private static Task Enqueue<T>(ConcurrentQueue<T> queue, T item)
    {
        queue.Enqueue(item);
        return Task.CompletedTask;
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Patience);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20);
        }
    }

    private IOptions<RedisBusOptions> Options(string host, TimeSpan? claimAfter = null, long maxLength = 100_000, TimeSpan? hostLease = null)
    {
        var o = new RedisBusOptions { Configuration = _redis.Configuration, HostId = host, PollInterval = TimeSpan.FromMilliseconds(20), ClaimAfter = claimAfter ?? TimeSpan.FromSeconds(30), MaxStreamLength = maxLength, HostLease = hostLease ?? TimeSpan.FromSeconds(15) };
        return Microsoft.Extensions.Options.Options.Create(o);
    }

    private RedisStreamBus Bus(string host, TimeSpan? claimAfter = null, long maxLength = 100_000) => new(Options(host, claimAfter, maxLength));
}
