using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Scarlet.Vision;

namespace Scarlet.Retail.Events.Redis;

/// <summary>
/// Joins this host's <see cref="ScarletEventStream"/> to the cluster's <see cref="RedisStreamBus"/>: this host's events
/// of the followed topics go out (in order, through an outbox that waits for Redis while it is unreachable), and the other
/// hosts' events come in through this host's own consumer group (role <c>replica</c>) and are published on the local stream
/// as <see cref="ScarletEvent.IsRemote"/>: observers (the dashboard, gallery replicas, erasure) see them, work handlers do not.
/// </summary>
public sealed class RedisEventBridge : IHostedService, IAsyncDisposable
{
    /// <summary>The role (consumer group, one per host) the bridge reads in.</summary>
    public const string ReplicaRole = "replica";

    private static readonly Counter<long> s_dropped = ScarletDiagnostics.Meter.CreateCounter<long>("scarlet.retail.bus.dropped");

    private readonly RedisStreamBus _bus;
    private readonly ScarletEventStream _stream;
    private readonly RedisBusOptions _options;
    private readonly ILogger _logger;
    private readonly HashSet<string> _topics;
    private readonly Channel<ScarletEvent> _outbox;
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
    public RedisEventBridge(RedisStreamBus bus, ScarletEventStream stream, IOptions<RedisBusOptions> options, ILogger<RedisEventBridge>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _bus = bus ?? throw new ArgumentNullException(nameof(bus));
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _options = options.Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _topics = new HashSet<string>(_options.Topics, StringComparer.Ordinal);
        _outbox = Channel.CreateBounded<ScarletEvent>(new BoundedChannelOptions(_options.OutboxCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    }

    /// <summary>Gets the number of this host's events not yet taken by Redis.</summary>
    public int OutboxCount => _outbox.Reader.Count;

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
        _cts = new CancellationTokenSource();
        var token = _cts.Token; // not the field: a stop may clear it before the loops start
        _sender = Task.Run(() => SendAsync(token), CancellationToken.None);
        _lease = Task.Run(() => RenewAsync(token), CancellationToken.None);
        _subscription = _stream.Events.Subscribe(Enqueue);
        _consumer = _bus.Consume(ReplicaRole, shared: false, _options.Topics, Receive);
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Idempotent and safe to race (the host stops it, then the container disposes it).
        if (Interlocked.Exchange(ref _cts, null) is not { } cts)
        {
            return;
        }

        _subscription?.Dispose();
        if (_consumer is not null)
        {
            await _consumer.DisposeAsync().ConfigureAwait(false);
        }

        // Give the outbox until the host's shutdown timeout to drain; then what is left is logged, not silently lost.
        _outbox.Writer.TryComplete();
        try
        {
            await _sender!.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await cts.CancelAsync().ConfigureAwait(false);
            if (_outbox.Reader.Count > 0)
            {
                _logger.LogError("{Count} events were not published to Redis before shutdown", _outbox.Reader.Count);
            }
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
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private void Enqueue(ScarletEvent evt)
    {
        if (evt.IsRemote || !_topics.Contains(evt.Topic))
        {
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

    private async Task SendAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        await foreach (var evt in _outbox.Reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    await _bus.PublishAsync(evt, ct).ConfigureAwait(false);
                    delay = TimeSpan.FromMilliseconds(100);
                    break;
                }
                catch (StoreUnavailableException ex)
                {
                    // Order matters (a registration before its erasure): the same event is retried until Redis takes it.
                    _logger.LogWarning(ex, "Redis unreachable; event {EventId} waits in the outbox ({Count} queued)", evt.EventId, _outbox.Reader.Count + 1);
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                }
            }
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
