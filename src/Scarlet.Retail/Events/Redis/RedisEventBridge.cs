using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Scarlet.Retail.Storage.Sql;
using Scarlet.Vision;

namespace Scarlet.Retail.Events.Redis;

/// <summary>
/// Joins this host's <see cref="ScarletEventStream"/> to the cluster's <see cref="RedisStreamBus"/>: this host's events
/// of the followed topics go out in order through an outbox. Given the retail database, the outbox is its
/// <c>bus_outbox</c> table: the state changes that raise events (registration, erasure) write them there in their own
/// transaction (<see cref="StagedEvents{T}"/>), other events are written as soon as they are raised; each is deleted once
/// Redis has it, so while Redis is unreachable events wait in the table (across a restart or a crash of this host too)
/// and are sent when it is back.
/// Without a database the outbox is memory only (bounded, lost with the process). The other
/// hosts' events come in through this host's own consumer group (role <c>replica</c>) and are published on the local stream
/// as <see cref="ScarletEvent.IsRemote"/>: observers (the dashboard, gallery replicas, erasure) see them, work handlers do not.
/// </summary>
public sealed class RedisEventBridge : IHostedService, IAsyncDisposable
{
    /// <summary>The role (consumer group, one per host) the bridge reads in.</summary>
    public const string ReplicaRole = "replica";

    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a stop waits for the outbox table to empty (its events are safe there; they go out at the next start).</summary>
    private static readonly TimeSpan RelayDrainLimit = TimeSpan.FromSeconds(5);

    private static readonly Counter<long> s_dropped = RetailDiagnostics.Meter.CreateCounter<long>("scarlet.retail.bus.dropped");

    private readonly RedisStreamBus _bus;
    private readonly ScarletEventStream _stream;
    private readonly RedisBusOptions _options;
    private readonly ILogger _logger;
    private readonly HashSet<string> _topics;
    private readonly Channel<ScarletEvent> _outbox;
    private readonly SqlBusOutbox? _table;
    private readonly SqlDatabase? _database;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Lock _gate = new();
    private Task? _stopping;
    private readonly Lock _counting = new(); // an event moves from memory to the table as one step for OutboxCount
    private long _stored;
    private volatile bool _draining;
    private Task? _relay;
    private IDisposable? _subscription;
    private IAsyncDisposable? _consumer;
    private CancellationTokenSource? _cts;
    private Task? _sender;
    private Task? _lease;

    /// <summary>Initializes a new instance of the <see cref="RedisEventBridge"/> class.</summary>
    /// <param name="bus">The bus.</param>
    /// <param name="stream">This host's event stream.</param>
    /// <param name="options">Options.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="database">The retail database, for the durable outbox (<see langword="null"/>: memory only).</param>
    public RedisEventBridge(RedisStreamBus bus, ScarletEventStream stream, IOptions<RedisBusOptions> options, ILogger<RedisEventBridge>? logger = null, SqlDatabase? database = null)
    {
        _database = database;
        _table = database is null ? null : new SqlBusOutbox(database);
        ArgumentNullException.ThrowIfNull(options);
        _bus = bus ?? throw new ArgumentNullException(nameof(bus));
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _options = options.Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _topics = new HashSet<string>(_options.Topics, StringComparer.Ordinal);
        _outbox = Channel.CreateBounded<ScarletEvent>(new BoundedChannelOptions(_options.OutboxCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    }

    /// <summary>Gets the number of this host's events not yet taken by Redis (in memory and in the outbox table).</summary>
    public int OutboxCount
    {
        get
        {
            lock (_counting)
            {
                return _outbox.Reader.Count + (int)Interlocked.Read(ref _stored);
            }
        }
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">Another running host uses this host's id.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_cts is not null)
        {
            return;
        }

        // Two hosts with one id would each drop the other's events as their own: refuse to start instead.
        await _bus.ClaimHostIdAsync(cancellationToken).ConfigureAwait(false);
        if (_table is not null)
        {
            // What this host id left unsent before a stop or a crash goes first.
            Interlocked.Exchange(ref _stored, await _table.CountAsync(_bus.HostId, cancellationToken).ConfigureAwait(false));
        }

        _draining = false;
        _cts = new CancellationTokenSource();
        var token = _cts.Token; // not the field: a stop may clear it before the loops start
        _sender = Task.Run(() => SendAsync(token), CancellationToken.None);
        _relay = _table is null ? Task.CompletedTask : Task.Run(() => RelayAsync(_table, token), CancellationToken.None);
        _lease = Task.Run(() => RenewAsync(token), CancellationToken.None);
        _subscription = _stream.Events.Subscribe(Enqueue);
        if (_database is not null)
        {
            // From now on the state changes that raise a followed event write it in their own transaction.
            _database.Outbox = new OutboxEnlistment(_bus.HostId, _topics);
        }

        _consumer = _bus.Consume(ReplicaRole, shared: false, _options.Topics, Receive);
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        // Idempotent and safe to race: a host run by app.Run() stops and disposes itself while whoever asked for the stop
        // (WebApplicationFactory, a service manager) stops it too; every caller awaits the one stop in progress, so
        // DisposeAsync cannot free what that stop still uses.
        lock (_gate)
        {
            if (_cts is not { } cts)
            {
                return _stopping ?? Task.CompletedTask;
            }

            _cts = null;
            _stopping = StopCoreAsync(cts, cancellationToken);
            return _stopping;
        }
    }

    private async Task StopCoreAsync(CancellationTokenSource cts, CancellationToken cancellationToken)
    {
        await Task.Yield(); // not under the caller's lock
        if (_database is not null)
        {
            _database.Outbox = null;
        }

        _subscription?.Dispose();
        if (_consumer is not null)
        {
            await _consumer.DisposeAsync().ConfigureAwait(false);
        }

        // Give the outbox until the host's shutdown timeout to drain; then what is left is logged, not silently lost
        // (with the outbox table it stays there and goes out at the next start).
        _outbox.Writer.TryComplete();
        try
        {
            await _sender!.WaitAsync(cancellationToken).ConfigureAwait(false);
            _draining = true;
            _wake.Release();
            await _relay!.WaitAsync(RelayDrainLimit, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            await cts.CancelAsync().ConfigureAwait(false);
            if (_outbox.Reader.Count > 0)
            {
                _logger.LogError("{Count} events were not published to Redis before shutdown", _outbox.Reader.Count);
            }

            if (Interlocked.Read(ref _stored) > 0)
            {
                _logger.LogWarning("{Count} events wait in the outbox table for Redis; they are sent at the next start of host {Host}", Interlocked.Read(ref _stored), _bus.HostId);
            }
        }

        try
        {
            await _relay!.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await cts.CancelAsync().ConfigureAwait(false);
        try
        {
            await _lease!.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _bus.ReleaseHostIdAsync().ConfigureAwait(false);
        cts.Dispose();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _wake.Dispose();
        }
    }

    private void Enqueue(ScarletEvent evt)
    {
        if (evt.IsRemote || !_topics.Contains(evt.Topic))
        {
            return;
        }

        if (evt.InOutbox)
        {
            // Its state change wrote it to the table in the same transaction: only the relay needs to know.
            Interlocked.Increment(ref _stored);
            Wake();
            return;
        }

        if (!_outbox.Writer.TryWrite(evt))
        {
            s_dropped.Add(1, new KeyValuePair<string, object?>("topic", evt.Topic));
            _logger.LogError("Redis outbox full ({Capacity}): event {EventId} ({Topic}) is not published to the cluster", _options.OutboxCapacity, evt.EventId, evt.Topic);
        }
    }

    private async Task RenewAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(_options.HostLease / 3, ct).ConfigureAwait(false);
            if (!await _bus.RenewHostLeaseAsync().ConfigureAwait(false))
            {
                _logger.LogError("Bus host id {Host} is now held by another process: two hosts share one id and miss each other's events", _bus.HostId);
            }
        }
    }

    /// <summary>Moves events from memory to the outbox table (or, without one, straight to Redis), in order.</summary>
    private async Task SendAsync(CancellationToken ct)
    {
        var delay = FirstPause;
        // The event is peeked and read only once it is published or in the table, so OutboxCount never misses the one
        // in hand (a test saw 49 of 50 while the 50th was being written to the table).
        while (await _outbox.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
        {
            if (!_outbox.Reader.TryPeek(out var evt))
            {
                continue;
            }

            while (true)
            {
                try
                {
                    if (_table is null)
                    {
                        await _bus.PublishAsync(evt, ct).ConfigureAwait(false);
                        _outbox.Reader.TryRead(out _);
                    }
                    else
                    {
                        await _table.AddAsync(_bus.HostId, evt, DateTimeOffset.UtcNow, ct).ConfigureAwait(false);
                        lock (_counting)
                        {
                            Interlocked.Increment(ref _stored);
                            _outbox.Reader.TryRead(out _);
                        }

                        Wake();
                    }

                    delay = FirstPause;
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Order matters (a registration before its erasure): the same event is retried until it is taken.
                    _logger.LogWarning(ex, "{Target} unreachable; event {EventId} waits in memory ({Count} queued)", _table is null ? "Redis" : "The outbox table", evt.EventId, _outbox.Reader.Count);
                    delay = await PauseAsync(delay, ct).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Sends the outbox table's events to Redis, oldest first, deleting each once Redis has it (a crash in between sends it again: consumers skip a known event id).</summary>
    private async Task RelayAsync(SqlBusOutbox table, CancellationToken ct)
    {
        var delay = FirstPause;
        while (true)
        {
            try
            {
                var batch = await table.PeekAsync(_bus.HostId, 100, ct).ConfigureAwait(false);
                if (batch.Count == 0)
                {
                    if (_draining)
                    {
                        return;
                    }

                    await _wake.WaitAsync(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
                    continue;
                }

                foreach (var (seq, evt) in batch)
                {
                    if (evt is not null)
                    {
                        await _bus.PublishAsync(evt, ct).ConfigureAwait(false);
                    }
                    else
                    {
                        _logger.LogError("Outbox entry {Seq} is not a Scarlet event of this version; deleted", seq);
                    }

                    await table.DeleteAsync(seq, ct).ConfigureAwait(false);
                    Interlocked.Decrement(ref _stored);
                }

                delay = FirstPause;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "Redis or the outbox table unreachable; {Count} events wait in the outbox table", Interlocked.Read(ref _stored));
                delay = await PauseAsync(delay, ct).ConfigureAwait(false);
            }
        }
    }

    private static async Task<TimeSpan> PauseAsync(TimeSpan delay, CancellationToken ct)
    {
        await Task.Delay(delay, ct).ConfigureAwait(false);
        return TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    private Task Receive(ScarletEvent evt, string origin, CancellationToken ct)
    {
        if (!string.Equals(origin, _bus.HostId, StringComparison.Ordinal))
        {
            _stream.Publish(evt with { IsRemote = true });
        }

        return Task.CompletedTask;
    }
}
