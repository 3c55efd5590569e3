using System.Diagnostics.Metrics;
using System.Reactive.Disposables;
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
/// later events, and neither affects the others (see docs/adr/0002-event-stream-errors.md).
/// </summary>
public sealed class ScarletEventStream : IDisposable
{
    private static readonly Counter<long> s_published = ScarletDiagnostics.Meter.CreateCounter<long>("scarlet.retail.events.published");
    private static readonly Counter<long> s_handlerFailures = ScarletDiagnostics.Meter.CreateCounter<long>("scarlet.retail.events.handler_failures");

    private readonly ISubject<ScarletEvent> _subject;
    private readonly Subject<ScarletEvent> _inner = new();
    private readonly CompositeDisposable _sinks = [];
    private readonly ILogger _logger;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="ScarletEventStream"/> class.</summary>
    /// <param name="logger">Logger (optional).</param>
    public ScarletEventStream(ILogger<ScarletEventStream>? logger = null)
    {
        _logger = (ILogger?)logger ?? NullLogger.Instance;

        // Synchronize: Publish may be called from any thread; observers see one event at a time.
        _subject = Subject.Synchronize(_inner);
        Events = Observable.Create<ScarletEvent>(o => _subject.Subscribe(new GuardedObserver(o, this)));
    }

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
    /// Runs an asynchronous handler for events of one type, one at a time in order (a queue per handler); a failing call
    /// is logged and the next event still runs. Events of other hosts (<see cref="ScarletEvent.IsRemote"/>) are skipped:
    /// the host that raised an event does its work once.
    /// </summary>
    /// <typeparam name="T">Event type.</typeparam>
    /// <param name="name">Handler name for logs.</param>
    /// <param name="handler">The handler.</param>
    /// <returns>The subscription.</returns>
    public IDisposable Handle<T>(string name, Func<T, CancellationToken, Task> handler)
        where T : ScarletEvent
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Events.OfType<T>()
            .Where(e => !e.IsRemote)
            .Select(e => Observable.FromAsync(async ct =>
            {
                try
                {
                    // Off the publisher's thread: Publish returns at once and a handler that publishes never re-enters it.
                    await Task.Run(() => handler(e, ct), CancellationToken.None).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    // detached
                }
                catch (Exception ex)
                {
                    ReportFailure(name, e, ex);
                }
            }))
            .Concat()
            .Subscribe();
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
        _inner.Dispose();
    }

    private void ReportFailure(string handler, ScarletEvent e, Exception ex)
    {
        s_handlerFailures.Add(1, new KeyValuePair<string, object?>("handler", handler));
        _logger.LogError(ex, "Event handler {Handler} failed on {Topic} event {EventId}", handler, e.Topic, e.EventId);
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
