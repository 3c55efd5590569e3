using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Scarlet.Retail.Events;
using Scarlet.Retail.Sinks;
using Scarlet.Retail.Storage;

namespace Scarlet.Retail;

/// <summary>
/// Wires the services to the stream: recognition outcomes to <see cref="CustomerService"/>, identifications to
/// <see cref="RecommendationService"/>, actions to <see cref="PromotionEngine"/>, tracking to <see cref="VisitAnalytics"/>
/// and <see cref="AlertEngine"/>, everything to <see cref="EventLog"/>; attaches the configured webhooks and runs the
/// retention sweep on the scheduler. Each handler runs its events one at a time, in order.
/// </summary>
public sealed class RetailPipeline : IDisposable
{
    private readonly ScarletEventStream _stream;
    private readonly CustomerService _customers;
    private readonly RecommendationService _recommendations;
    private readonly PromotionEngine _promotions;
    private readonly VisitAnalytics _visits;
    private readonly AlertEngine _alerts;
    private readonly EventLog _log;
    private readonly PrivacyService _privacy;
    private readonly IEventStore _events;
    private readonly RetailOptions _options;
    private readonly IScheduler _scheduler;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private CompositeDisposable? _running;

    /// <summary>Initializes a new instance of the <see cref="RetailPipeline"/> class.</summary>
    /// <param name="stream">Event stream.</param>
    /// <param name="customers">Customer service.</param>
    /// <param name="recommendations">Recommendation service.</param>
    /// <param name="promotions">Promotion engine.</param>
    /// <param name="visits">Visit analytics.</param>
    /// <param name="alerts">Alert engine.</param>
    /// <param name="log">Event log.</param>
    /// <param name="privacy">Privacy service (retention sweep).</param>
    /// <param name="events">Event store (webhook dead letters).</param>
    /// <param name="options">Options.</param>
    /// <param name="scheduler">Scheduler of the retention sweep.</param>
    /// <param name="time">Clock.</param>
    /// <param name="loggers">Logger factory.</param>
    public RetailPipeline(ScarletEventStream stream, CustomerService customers, RecommendationService recommendations, PromotionEngine promotions, VisitAnalytics visits, AlertEngine alerts, EventLog log, PrivacyService privacy, IEventStore events, IOptions<RetailOptions> options, IScheduler scheduler, TimeProvider time, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        (_stream, _customers, _recommendations, _promotions, _visits, _alerts, _log, _privacy, _events) = (stream, customers, recommendations, promotions, visits, alerts, log, privacy, events);
        _options = options.Value;
        _scheduler = scheduler;
        _time = time;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger<RetailPipeline>();
    }

    /// <summary>Gets a value indicating whether the pipeline is running.</summary>
    public bool IsRunning => _running is not null;

    /// <summary>Starts the wiring (idempotent).</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (_running is not null)
            {
                return;
            }

            var s = _stream;
            var d = new CompositeDisposable
            {
                s.Handle<RecognitionEvent>("customers", (e, ct) => _customers.HandleRecognitionAsync(e, ct)),
                s.Handle<CustomerIdentifiedEvent>("recommendations", (e, ct) => _recommendations.HandleAsync(e, ct)),
                s.Handle<ActionEvent>("promotions", (e, ct) => _promotions.ShowAsync(e.OrganizationId, e.CustomerId, e.StoreZone, 3, ct)),
                // Tracking events of one kind of consumer share one queue, so an exit is never handled before its entry.
                s.Handle<ScarletEvent>("visits", (e, ct) => e switch
                {
                    PersonEnteredStoreEvent entered => _visits.HandleEnteredAsync(entered, ct),
                    PersonExitedStoreEvent exited => _visits.HandleExitedAsync(exited, ct),
                    ZoneEnteredEvent { IsRemote: false } zone => _visits.HandleZoneEnteredAsync(zone, ct),
                    ZoneExitedEvent { IsRemote: false } zone => _visits.HandleZoneExitedAsync(zone, ct),

                    // Every identification (camera, /process-frame, /recognize) is a sighting: once per visit it counts.
                    CustomerIdentifiedEvent { IsRemote: false } identified => _visits.RecordSightingAsync(identified.OrganizationId, identified.CustomerId, identified.Timestamp, ct),
                    _ => Task.CompletedTask,
                }),
                s.Handle<ScarletEvent>("alerts", (e, ct) =>
                {
                    switch (e)
                    {
                        case ZoneEnteredEvent entered:
                            return _alerts.HandleEnteredAsync(entered, ct);
                        case ZoneExitedEvent exited:
                            _alerts.HandleExited(exited);
                            break;
                    }

                    return Task.CompletedTask;
                }),

                // In-memory and cheap: inline, so the zone is known before a later identification is handled.
                // An erasure on any host of the cluster forgets the customer here too (IsRemote events included).
                s.Subscribe(e =>
                {
                    switch (e)
                    {
                        case ZoneEnteredEvent { IsRemote: false } entered:
                            _recommendations.ObserveZone(entered);
                            break;
                        case CustomerErasedEvent erased:
                            _recommendations.Forget(erased);
                            break;
                    }
                }),
                s.Handle<ScarletEvent>("log", (e, ct) => _log.HandleAsync(e, ct)),
            };
            foreach (var w in _options.Webhooks)
            {
                var sink = new WebhookSink(w, _events, _time, logger: _loggers.CreateLogger<WebhookSink>());
                d.Add(s.AddSink(sink));
                d.Add(sink);
            }

            // Visits end once their people have been unseen for the timeout, also when no further event comes.
            d.Add(Observable.Interval(TimeSpan.FromMinutes(1), _scheduler)
                .Where(_ => _visits.HasLiveVisits)
                .Select(_ => Observable.FromAsync(async ct =>
                {
                    try
                    {
                        await _visits.CompleteEndedVisitsAsync(_time.GetUtcNow(), ct).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        _logger.LogError(ex, "Visit sweep failed");
                    }
                }))
                .Concat()
                .Subscribe());
            d.Add(Observable.Interval(_options.RetentionSweepInterval, _scheduler)
                .Select(_ => Observable.FromAsync(async ct =>
                {
                    try
                    {
                        await _privacy.PurgeExpiredAsync(ct).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        _logger.LogError(ex, "Retention sweep failed");
                    }
                }))
                .Concat()
                .Subscribe());
            _running = d;
        }
    }

    /// <summary>Stops the wiring; events published afterwards are not handled.</summary>
    public void Stop()
    {
        lock (_lock)
        {
            _running?.Dispose();
            _running = null;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Stop();
}
