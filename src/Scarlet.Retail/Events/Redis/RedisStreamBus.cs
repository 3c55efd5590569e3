using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Scarlet.Vision;
using StackExchange.Redis;

namespace Scarlet.Retail.Events.Redis;

/// <summary>
/// The event bus of a cluster of hosts on Redis Streams: one stream per topic (<c>{prefix}{topic}</c>, the seed's topic
/// names), capped at <see cref="RedisBusOptions.MaxStreamLength"/>. <see cref="PublishAsync"/> appends an event (its id,
/// the publishing host, its JSON); <see cref="Consume"/> runs a consumer in a consumer group per service role, either one
/// group shared by every host (each event handled by one host) or a group per host (every host sees every event).
/// Delivery is at least once: an entry is acknowledged only after its handler returned, a failed or dead consumer's
/// entries are claimed after <see cref="RedisBusOptions.ClaimAfter"/> (<c>XAUTOCLAIM</c>), and event ids make a
/// redelivery a no-op for the consumer. Reconnects by itself. Thread-safe.
/// </summary>
public sealed class RedisStreamBus : IDisposable
{
    private const string IdField = "id";
    private const string OriginField = "origin";
    private const string JsonField = "json";

    private static readonly Counter<long> s_published = RetailDiagnostics.Meter.CreateCounter<long>("scarlet.retail.bus.published");
    private static readonly Counter<long> s_consumed = RetailDiagnostics.Meter.CreateCounter<long>("scarlet.retail.bus.consumed");
    private static readonly Counter<long> s_claimed = RetailDiagnostics.Meter.CreateCounter<long>("scarlet.retail.bus.claimed");

    private readonly RedisBusOptions _options;
    private readonly ConnectionMultiplexer _redis;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="RedisStreamBus"/> class and connects (reconnecting by itself later).</summary>
    /// <param name="options">Options.</param>
    /// <param name="logger">Logger.</param>
    /// <exception cref="StoreUnavailableException">Redis cannot be reached at start.</exception>
    public RedisStreamBus(IOptions<RedisBusOptions> options, ILogger<RedisStreamBus>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var config = ConfigurationOptions.Parse(_options.Configuration);

        // Keep retrying after a lost connection instead of failing for good; a first connection must work (clear start-up error).
        config.AbortOnConnectFail = false;
        config.ClientName = "scarlet-" + _options.HostId;
        _redis = ConnectionMultiplexer.Connect(config);
        if (!_redis.IsConnected)
        {
            var endpoints = string.Join(", ", config.EndPoints);
            _redis.Dispose();
            throw new StoreUnavailableException($"Redis at {endpoints} cannot be reached.");
        }
    }

    /// <summary>Gets this host's id (<see cref="RedisBusOptions.HostId"/>).</summary>
    public string HostId => _options.HostId;

    private string HostKey => _options.StreamPrefix + "host:" + HostId;

    /// <summary>Gets a value indicating whether the connection to Redis is up now.</summary>
    public bool IsConnected => _redis.IsConnected;

    /// <summary>
    /// Claims <see cref="HostId"/> for this process (<c>SET NX</c> with <see cref="RedisBusOptions.HostLease"/>): waits up
    /// to twice the lease for a dead holder's claim to lapse, then throws. <see cref="RenewHostLeaseAsync"/> keeps it.
    /// </summary>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    /// <exception cref="InvalidOperationException">Another running host holds the id.</exception>
    public async Task ClaimHostIdAsync(CancellationToken cancellationToken = default)
    {
        var db = _redis.GetDatabase();
        var deadline = DateTimeOffset.UtcNow + (2 * _options.HostLease);
        while (!await db.LockTakeAsync(HostKey, _instance, _options.HostLease).ConfigureAwait(false))
        {
            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new InvalidOperationException($"Bus host id '{HostId}' is held by another running host: give every host its own id (Scarlet:Bus:HostId, RedisBusOptions.HostId).");
            }

            _logger.LogWarning("Bus host id {Host} is held by another process; waiting for it to lapse", HostId);
            await Task.Delay(TimeSpan.FromTicks(Math.Max(_options.HostLease.Ticks / 5, TimeSpan.TicksPerMillisecond * 100)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Renews this process's claim on <see cref="HostId"/>; a lost connection is logged, not thrown.</summary>
    /// <returns>Whether the claim is still this process's.</returns>
    public async Task<bool> RenewHostLeaseAsync()
    {
        try
        {
            var db = _redis.GetDatabase();
            return await db.LockExtendAsync(HostKey, _instance, _options.HostLease).ConfigureAwait(false)
                || await db.LockTakeAsync(HostKey, _instance, _options.HostLease).ConfigureAwait(false); // lapsed while Redis was away
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            _logger.LogWarning("Bus host id lease of {Host} not renewed: {Reason}", HostId, ex.Message);
            return true;
        }
    }

    /// <summary>Gives up the claim on <see cref="HostId"/> (a clean stop: the next start need not wait).</summary>
    /// <returns>A task.</returns>
    public async Task ReleaseHostIdAsync()
    {
        try
        {
            await _redis.GetDatabase().LockReleaseAsync(HostKey, _instance).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or ObjectDisposedException)
        {
            // it lapses by itself
        }
    }

    /// <summary>The stream key of a topic.</summary>
    /// <param name="topic">Topic.</param>
    /// <returns>The key.</returns>
    public string StreamKey(string topic) => _options.StreamPrefix + topic;

    /// <summary>Appends an event to its topic's stream; returns once Redis has it.</summary>
    /// <param name="evt">The event.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The stream entry id.</returns>
    /// <exception cref="StoreUnavailableException">Redis did not take it (unreachable, timed out).</exception>
    public async Task<string> PublishAsync(ScarletEvent evt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evt);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        NameValueEntry[] fields = [new(IdField, evt.EventId), new(OriginField, HostId), new(JsonField, ScarletJson.Serialize(evt))];
        try
        {
            var id = await _redis.GetDatabase().StreamAddAsync(StreamKey(evt.Topic), fields, maxLength: _options.MaxStreamLength, useApproximateMaxLength: true).WaitAsync(cancellationToken).ConfigureAwait(false);
            s_published.Add(1, new KeyValuePair<string, object?>("topic", evt.Topic));
            return id.ToString();
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            throw new StoreUnavailableException("Redis did not take the event: " + ex.Message, ex);
        }
    }

    /// <summary>
    /// Starts a consumer of <paramref name="topics"/> in the group of <paramref name="role"/>: with
    /// <paramref name="shared"/> one group for every host (<c>{role}</c>: competing consumers, each event handled once in
    /// the cluster), otherwise a group of this host (<c>{role}@{host}</c>: every host gets every event). A new group starts
    /// at the end of the stream. The handler gets each event with the publishing host's id; an event is acknowledged when
    /// the handler returns, left pending (and claimed again later) when it throws, and skipped when its id was handled
    /// already.
    /// </summary>
    /// <param name="role">Service role (group name), e.g. <c>gallery</c>.</param>
    /// <param name="shared">One group for all hosts (<see langword="true"/>) or one per host.</param>
    /// <param name="topics">Topics to follow.</param>
    /// <param name="handler">The handler: event, publishing host, cancellation.</param>
    /// <returns>The consumer; dispose to stop it.</returns>
    public IAsyncDisposable Consume(string role, bool shared, IEnumerable<string> topics, Func<ScarletEvent, string, CancellationToken, Task> handler)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(handler);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var consumer = new Consumer(this, shared ? role : $"{role}@{HostId}", [.. topics.Distinct(StringComparer.Ordinal).Select(StreamKey)], handler);
        consumer.Start(_stopping.Token);
        return consumer;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stopping.Cancel();
        _redis.Dispose();
        _stopping.Dispose();
    }

    /// <summary>One consumer loop: its own pending entries first, then claimed stale ones, then new ones.</summary>
    private sealed class Consumer(RedisStreamBus bus, string group, string[] keys, Func<ScarletEvent, string, CancellationToken, Task> handler) : IAsyncDisposable
    {
        private const int SeenCapacity = 100_000;
        private const int BatchSize = 100;

        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
        private readonly Queue<string> _seenOrder = new();
        private CancellationTokenSource? _cts;
        private Task? _loop;

        public void Start(CancellationToken busStopping)
        {
            _cts = CancellationTokenSource.CreateLinkedTokenSource(busStopping);
            var token = _cts.Token; // not the field: a stop may clear it before the loop starts
            _loop = Task.Run(() => RunAsync(token), CancellationToken.None);
        }

        public async ValueTask DisposeAsync()
        {
            // Idempotent and safe to race (the host stops the bridge, then the container disposes it).
            if (Interlocked.Exchange(ref _cts, null) is not { } cts)
            {
                return;
            }

            await cts.CancelAsync().ConfigureAwait(false);
            try
            {
                await _loop!.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            cts.Dispose();
        }

        private async Task RunAsync(CancellationToken ct)
        {
            var log = bus._logger;
            var ownPendingDone = new bool[keys.Length];
            var lastClaim = DateTimeOffset.MinValue;
            var down = false;
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    var db = bus._redis.GetDatabase();
                    var handled = 0;
                    for (var i = 0; i < keys.Length; i++)
                    {
                        await EnsureGroupAsync(db, keys[i]).ConfigureAwait(false);

                        // After a restart this consumer's own delivered-but-unacknowledged entries come first ("0"), once;
                        // what fails again is left to the claim below (no hot retry loop).
                        if (!ownPendingDone[i])
                        {
                            var pending = await db.StreamReadGroupAsync(keys[i], group, bus.HostId, "0", BatchSize).ConfigureAwait(false);
                            ownPendingDone[i] = true;
                            handled += await HandleAsync(db, keys[i], pending, ct).ConfigureAwait(false);
                        }

                        var entries = await db.StreamReadGroupAsync(keys[i], group, bus.HostId, StreamPosition.NewMessages, BatchSize).ConfigureAwait(false);
                        handled += await HandleAsync(db, keys[i], entries, ct).ConfigureAwait(false);
                    }

                    if (DateTimeOffset.UtcNow - lastClaim >= bus._options.ClaimAfter / 2)
                    {
                        lastClaim = DateTimeOffset.UtcNow;
                        foreach (var key in keys)
                        {
                            var claimed = await db.StreamAutoClaimAsync(key, group, bus.HostId, (long)bus._options.ClaimAfter.TotalMilliseconds, "0-0", BatchSize).ConfigureAwait(false);
                            if (claimed.ClaimedEntries.Length > 0)
                            {
                                s_claimed.Add(claimed.ClaimedEntries.Length, new KeyValuePair<string, object?>("group", group));
                                log.LogInformation("Consumer {Host} of group {Group} claimed {Count} stale entries of {Stream}", bus.HostId, group, claimed.ClaimedEntries.Length, key);
                                handled += await HandleAsync(db, key, claimed.ClaimedEntries, ct).ConfigureAwait(false);
                            }
                        }
                    }

                    if (down)
                    {
                        down = false;
                        log.LogInformation("Consumer {Host} of group {Group} is reading again", bus.HostId, group);
                    }

                    if (handled == 0)
                    {
                        await Task.Delay(bus._options.PollInterval, ct).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or RedisServerException or ObjectDisposedException)
                {
                    if (!down)
                    {
                        down = true;
                        log.LogWarning(ex, "Consumer {Host} of group {Group} cannot read; retrying", bus.HostId, group);
                    }

                    // A Redis that lost its data lost the groups too: read our pending list again once they exist.
                    Array.Clear(ownPendingDone);
                    try
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(250), ct).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }

        private async Task EnsureGroupAsync(IDatabase db, string key)
        {
            try
            {
                // "$": a new group starts at the end; what came before is already in the database every host reads at start.
                await db.StreamCreateConsumerGroupAsync(key, group, StreamPosition.NewMessages, createStream: true).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (ex.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
            {
                // exists
            }
        }

        private async Task<int> HandleAsync(IDatabase db, string key, StreamEntry[] entries, CancellationToken ct)
        {
            var handled = 0;
            foreach (var entry in entries)
            {
                if (entry.IsNull)
                {
                    continue; // deleted (trimmed) while pending
                }

                var id = (string?)entry[IdField] ?? entry.Id.ToString();
                if (!_seen.Contains(id))
                {
                    ScarletEvent? evt;
                    try
                    {
                        evt = JsonSerializer.Deserialize<ScarletEvent>((byte[])entry[JsonField]!, ScarletJson.Options);
                    }
                    catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentNullException)
                    {
                        bus._logger.LogError(ex, "Entry {Entry} of {Stream} is not a Scarlet event; acknowledged and skipped", entry.Id, key);
                        evt = null;
                    }

                    if (evt is not null)
                    {
                        try
                        {
                            await handler(evt, (string?)entry[OriginField] ?? string.Empty, ct).ConfigureAwait(false);
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                        {
                            // Left pending: claimed again after ClaimAfter, by this host or another of the group.
                            bus._logger.LogError(ex, "Group {Group} failed on event {EventId} ({Stream}); it stays pending", group, id, key);
                            continue;
                        }
                    }

                    Remember(id);
                }

                await db.StreamAcknowledgeAsync(key, group, entry.Id).ConfigureAwait(false);
                s_consumed.Add(1, new KeyValuePair<string, object?>("group", group));
                handled++;
            }

            return handled;
        }

        private void Remember(string id)
        {
            if (_seen.Add(id))
            {
                _seenOrder.Enqueue(id);
                if (_seenOrder.Count > SeenCapacity)
                {
                    _seen.Remove(_seenOrder.Dequeue());
                }
            }
        }
    }
}
