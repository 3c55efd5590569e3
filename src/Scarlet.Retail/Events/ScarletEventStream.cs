using System.Diagnostics.Metrics;
using System.Reactive.Disposables;
using System.Threading.Channels;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Scarlet.Vision;

namespace Scarlet.Retail.Events;

/// <summary>
/// The one event stream of Scarlet.Retail. Producers call <see cref="Publish"/>; consumers subscribe to
/// <see cref="Events"/> or attach an <see cref="IEventSink"/>. The stream never completes or errors while alive:
/// a subscriber that throws is detached (Rx semantics) and logged, a sink that throws is logged and keeps receiving
/// later events, and neither affects the others (see docs/adr/0002-event-stream-errors.md). Each asynchronous handler and
/// sink has its own bounded queue (<see cref="HandlerQueueCapacity"/>): when a handler falls that far behind (a webhook
/// target that is down), its oldest waiting event is dropped, counted in <c>scarlet.retail.events.dropped</c> and
/// logged, so a slow consumer costs bounded memory and never slows the publisher or the other consumers.
/// </summary>
public sealed class ScarletEventStream : IDisposable
{
    private static readonly Counter<long> s_published = RetailDiagnostics.Meter.CreateCounter<long>("scarlet.retail.events.published");
    private static readonly Counter<long> s_handlerFailures = RetailDiagnostics.Meter.CreateCounter<long>("scarlet.retail.events.handler_failures");
    private static readonly Counter<long> s_dropped = RetailDiagnostics.Meter.CreateCounter<long>("scarlet.retail.events.dropped");

    /// <summary>The default of <see cref="HandlerQueueCapacity"/>.</summary>
    public const int DefaultHandlerQueueCapacity = 10_000;

    private readonly ISubject<ScarletEvent> _subject;
    private readonly Subject<ScarletEvent> _inner = new();
    private readonly CompositeDisposable _sinks = [];
    private readonly CancellationTokenSource _stopped = new();
    private readonly ILogger _logger;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="ScarletEventStream"/> class.</summary>
    /// <param name="logger">Logger (optional).</param>
    /// <param name="handlerQueueCapacity">Events each asynchronous handler or sink may have waiting; see
    /// <see cref="HandlerQueueCapacity"/>.</param>
    public ScarletEventStream(ILogger<ScarletEventStream>? logger = null, int handlerQueueCapacity = DefaultHandlerQueueCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(handlerQueueCapacity, 1);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        HandlerQueueCapacity = handlerQueueCapacity;

        // Synchronize: Publish may be called from any thread; observers see one event at a time.
        _subject = Subject.Synchronize(_inner);
        Events = Observable.Create<ScarletEvent>(o => _subject.Subscribe(new GuardedObserver(o, this)));
    }

    /// <summary>
    /// Gets how many events each asynchronous handler (<see cref="Handle{T}"/>) and sink may have waiting; beyond it the
    /// oldest waiting event of that handler is dropped.
    /// </summary>
    public int HandlerQueueCapacity { get; }

    /// <summary>Gets every event, in publication order. Never completes or fails while the stream is alive.</summary>
    public IObservable<ScarletEvent> Events { get; }

    /// <summary>Publishes an event to every subscriber and sink.</summary>
    /// <param name="evt">The event.</param>
    public void Publish(ScarletEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        ObjectDisposedException.ThrowIf(_disposed, this);
        s_published.Add(1, new KeyValuePair<string, object?>("topic", evt.Topic));
        _subject.OnNext(evt);
    }

    /// <summary>Subscribes a handler that stays subscribed even when it throws (the error is logged).</summary>
    /// <param name="handler">The handler.</param>
    /// <returns>The subscription.</returns>
    public IDisposable Subscribe(Action<ScarletEvent> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Events.Subscribe(e =>
        {
            try
            {
                handler(e);
            }
            catch (Exception ex)
            {
                ReportFailure("subscriber", e, ex);
            }
        });
    }

    /// <summary>
    /// Runs an asynchronous handler for events of one type, one at a time in order (a bounded queue per handler, see
    /// <see cref="HandlerQueueCapacity"/>); a failing call is logged and the next event still runs. Events of other hosts
    /// (<see cref="ScarletEvent.IsRemote"/>) are skipped: the host that raised an event does its work once.
    /// </summary>
    /// <typeparam name="T">Event type.</typeparam>
    /// <param name="name">Handler name for logs.</param>
    /// <param name="handler">The handler.</param>
    /// <returns>The subscription; disposing it cancels the running call and drops what is still waiting.</returns>
    public IDisposable Handle<T>(string name, Func<T, CancellationToken, Task> handler)
        where T : ScarletEvent
    {
        ArgumentNullException.ThrowIfNull(handler);
        var dropped = new DropReport(this, name);
        var queue = Channel.CreateBounded<T>(
            new BoundedChannelOptions(HandlerQueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            dropped.Drop);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopped.Token);

        // Off the publisher's thread: Publish returns at once and a handler that publishes never re-enters it.
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in queue.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
                {
                    // One span per handler and event: where a slow store write or a failing handler shows up in a trace.
                    using var activity = RetailDiagnostics.Source.StartActivity("event.handle");
                    activity?.SetTag("scarlet.handler", name);
                    activity?.SetTag("scarlet.event.topic", e.Topic);
                    activity?.SetTag("scarlet.event.type", e.GetType().Name);
                    try
                    {
                        await handler(e, stop.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception ex)
                    {
                        activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.GetType().Name);
                        ReportFailure(name, e, ex);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // detached
            }
        });
        var subscription = Events.OfType<T>()
            .Where(e => !e.IsRemote)
            .Subscribe(e => queue.Writer.TryWrite(e));
        return Disposable.Create(() =>
        {
            subscription.Dispose();
            queue.Writer.TryComplete();
            stop.Cancel();
            _ = reader.ContinueWith(_ => stop.Dispose(), TaskScheduler.Default);
        });
    }

    /// <summary>
    /// Attaches a sink: it receives the events it accepts, in order, each delivered after the previous one finished; as
    /// with <see cref="Handle{T}"/>, only this host's events (so a webhook is sent once in a cluster).
    /// </summary>
    /// <param name="sink">The sink.</param>
    /// <returns>The attachment; dispose to detach.</returns>
    public IDisposable AddSink(IEventSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var subscription = Handle<ScarletEvent>(sink.Name, (e, ct) => sink.Accepts(e) ? sink.DeliverAsync(e, ct) : Task.CompletedTask);
        _sinks.Add(subscription);
        return Disposable.Create(() => _sinks.Remove(subscription));
    }

    /// <summary>Detaches every sink and subscriber.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _sinks.Dispose();
        _stopped.Cancel(); // the handlers' queue readers end
        _stopped.Dispose();
        _inner.Dispose();
    }

    private void ReportFailure(string handler, ScarletEvent e, Exception ex)
    {
        s_handlerFailures.Add(1, new KeyValuePair<string, object?>("handler", handler));
        _logger.LogError(ex, "Event handler {Handler} failed on {Topic} event {EventId}", handler, e.Topic, e.EventId);
    }

    /// <summary>Counts a handler's dropped events and logs them at most once per 10 s (a flood must not flood the log).</summary>
    private sealed class DropReport(ScarletEventStream owner, string handler)
    {
        private long _lastLog = long.MinValue;
        private long _since;

        public void Drop(ScarletEvent e)
        {
            s_dropped.Add(1, new KeyValuePair<string, object?>("handler", handler));
            var count = Interlocked.Increment(ref _since);
            var now = Environment.TickCount64;
            var last = Interlocked.Read(ref _lastLog);
            if (now - last >= 10_000 && Interlocked.CompareExchange(ref _lastLog, now, last) == last)
            {
                Interlocked.Add(ref _since, -count);
                owner._logger.LogWarning(
                    "Event handler {Handler} is {Capacity} events behind: dropped {Count} oldest event(s), the latest {Topic} {EventId}",
                    handler, owner.HandlerQueueCapacity, count, e.Topic, e.EventId);
            }
        }
    }

    /// <summary>Stops an observer's exception from reaching the publisher and the other observers.</summary>
    private sealed class GuardedObserver(IObserver<ScarletEvent> inner, ScarletEventStream owner) : IObserver<ScarletEvent>
    {
        public void OnCompleted() => inner.OnCompleted();

        public void OnError(Exception error) => inner.OnError(error);

        public void OnNext(ScarletEvent value)
        {
            try
            {
                inner.OnNext(value);
            }
            catch (Exception ex)
            {
                owner.ReportFailure("observer", value, ex);
            }
        }
    }
}
