using System.Reactive.Concurrency;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;

namespace Scarlet.Retail;

/// <summary>
/// Leveled alerts from the zone rules of <see cref="RetailOptions.ZoneRules"/>: dwell over a limit (a timer on the
/// injected <see cref="IScheduler"/>, so tests run in virtual time), occupancy over a limit (raised once per crossing),
/// presence in a closed zone. Alerts are stored, published, and acknowledged by an admin.
/// </summary>
public sealed class AlertEngine : IDisposable
{
    private readonly IAlertStore _alerts;
    private readonly ScarletEventStream _stream;
    private readonly IScheduler _scheduler;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeZoneInfo _zone;
    private readonly Dictionary<string, ZoneRule> _rules;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Org, string Zone), HashSet<string>> _occupants = [];
    private readonly HashSet<(string Org, string Zone)> _overOccupancy = [];
    private readonly Dictionary<(string Org, string Zone, string Person), IDisposable> _dwellTimers = [];

    /// <summary>Initializes a new instance of the <see cref="AlertEngine"/> class.</summary>
    /// <param name="alerts">Alert store.</param>
    /// <param name="stream">Event stream.</param>
    /// <param name="options">Options (zone rules, store time zone).</param>
    /// <param name="scheduler">Scheduler for dwell timers.</param>
    /// <param name="time">Clock for alert times.</param>
    /// <param name="logger">Logger.</param>
    public AlertEngine(IAlertStore alerts, ScarletEventStream stream, IOptions<RetailOptions> options, IScheduler scheduler, TimeProvider time, ILogger<AlertEngine>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _alerts = alerts;
        _stream = stream;
        _scheduler = scheduler;
        _time = time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _zone = options.Value.ResolveTimeZone();
        _rules = options.Value.ZoneRules.ToDictionary(r => r.Zone, StringComparer.Ordinal);
    }

    /// <summary>Handles a zone entry: closed-zone and occupancy checks, dwell timer start.</summary>
    /// <param name="entered">The event.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Alerts raised now.</returns>
    public async Task<IReadOnlyList<Alert>> HandleEnteredAsync(ZoneEnteredEvent entered, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entered);
        if (!_rules.TryGetValue(entered.Zone, out var rule))
        {
            return [];
        }

        var org = entered.OrganizationId;
        var raised = new List<Alert>();
        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(entered.Timestamp, _zone).DateTime);
        if (rule.IsClosed || rule.ClosedWindows.Any(w => w.Contains(local)))
        {
            raised.Add(await RaiseAsync(org, rule.ClosedLevel, AlertKind.ClosedZonePresence, rule.Zone, entered.PersonId, $"Person {entered.PersonId} in closed zone {rule.Zone}", cancellationToken).ConfigureAwait(false));
        }

        int? overCount = null;
        lock (_lock)
        {
            var key = (org, rule.Zone);
            if (!_occupants.TryGetValue(key, out var set))
            {
                _occupants[key] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.Add(entered.PersonId);
            if (rule.MaxOccupancy is { } max && set.Count > max && _overOccupancy.Add(key))
            {
                overCount = set.Count;
            }

            if (rule.MaxDwell is { } limit && !_dwellTimers.ContainsKey((org, rule.Zone, entered.PersonId)))
            {
                var person = entered.PersonId;
                _dwellTimers[(org, rule.Zone, person)] = _scheduler.Schedule(limit, () => OnDwellExceeded(org, rule, person, limit));
            }
        }

        if (overCount is { } count)
        {
            raised.Add(await RaiseAsync(org, rule.OccupancyLevel, AlertKind.OccupancyExceeded, rule.Zone, null, $"Zone {rule.Zone} holds {count} people (limit {rule.MaxOccupancy})", cancellationToken).ConfigureAwait(false));
        }

        return raised;
    }

    /// <summary>Handles a zone exit: occupancy update, dwell timer cancel.</summary>
    /// <param name="exited">The event.</param>
    public void HandleExited(ZoneExitedEvent exited)
    {
        ArgumentNullException.ThrowIfNull(exited);
        if (!_rules.TryGetValue(exited.Zone, out var rule))
        {
            return;
        }

        lock (_lock)
        {
            var key = (exited.OrganizationId, rule.Zone);
            if (_occupants.TryGetValue(key, out var set))
            {
                set.Remove(exited.PersonId);
                if (rule.MaxOccupancy is not { } max || set.Count <= max)
                {
                    _overOccupancy.Remove(key);
                }
            }

            if (_dwellTimers.Remove((exited.OrganizationId, rule.Zone, exited.PersonId), out var timer))
            {
                timer.Dispose();
            }
        }
    }

    /// <summary>Current occupancy of a zone (people inside, as far as tracking reported).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="zone">Zone.</param>
    /// <returns>Count.</returns>
    public int GetOccupancy(string organizationId, string zone)
    {
        lock (_lock)
        {
            return _occupants.TryGetValue((organizationId, zone), out var set) ? set.Count : 0;
        }
    }

    /// <summary>Lists alerts, newest first.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="activeOnly">Only unacknowledged.</param>
    /// <param name="limit">Count.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Alerts.</returns>
    public Task<IReadOnlyList<Alert>> ListAsync(string organizationId, bool activeOnly = false, int limit = 100, CancellationToken cancellationToken = default) =>
        _alerts.ListAsync(organizationId, activeOnly, limit, cancellationToken);

    /// <summary>Alerts by level, camera, acknowledgement and time, newest first.</summary>
    /// <param name="query">Filter and page.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A page.</returns>
    public Task<Page<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default) =>
        _alerts.QueryAsync(query, cancellationToken);

    /// <summary>
    /// Stores an alert an <see cref="AlertRuleEvaluator"/> fired and publishes it (<see cref="AlertRaisedEvent"/>: the
    /// dashboard socket and the webhooks of topic <c>alert-events</c>).
    /// </summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="firing">What fired.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The stored alert.</returns>
    public async Task<Alert> RaiseAsync(string organizationId, AlertFiring firing, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        ArgumentNullException.ThrowIfNull(firing);
        var alert = new Alert
        {
            Id = Guid.NewGuid().ToString("N"),
            OrganizationId = organizationId,
            Level = firing.Rule.Level,
            Kind = KindOf(firing.Rule.Kind),
            Zone = firing.Zone ?? string.Empty,
            CameraId = firing.CameraId,
            RuleId = firing.Rule.Id,
            PersonId = firing.PersonId,
            Message = firing.Message,
            RaisedAt = firing.At,
        };
        await _alerts.AddAsync(alert, cancellationToken).ConfigureAwait(false);
        _stream.Publish(new AlertRaisedEvent { OrganizationId = organizationId, Timestamp = firing.At, Alert = alert });
        return alert;
    }

    /// <summary>The alert kind a rule kind raises.</summary>
    /// <param name="kind">The rule kind.</param>
    /// <returns>The alert kind.</returns>
    public static AlertKind KindOf(AlertRuleKind kind) => kind switch
    {
        AlertRuleKind.ZoneOccupancy => AlertKind.OccupancyExceeded,
        AlertRuleKind.ZoneDwell => AlertKind.DwellExceeded,
        AlertRuleKind.RestrictedEntry => AlertKind.RestrictedEntry,
        AlertRuleKind.Crowd => AlertKind.Crowd,
        AlertRuleKind.Loitering => AlertKind.Loitering,
        AlertRuleKind.UnidentifiedInStaffZone => AlertKind.UnidentifiedInStaffZone,
        AlertRuleKind.CameraOffline => AlertKind.CameraOffline,
        AlertRuleKind.FrameDrops => AlertKind.FrameDrops,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Count of unacknowledged alerts (the seed's GET /alerts/count).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Count.</returns>
    public Task<int> CountActiveAsync(string organizationId, CancellationToken cancellationToken = default) =>
        _alerts.CountActiveAsync(organizationId, cancellationToken);

    /// <summary>Acknowledges an alert.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="alertId">Alert.</param>
    /// <param name="admin">Admin user.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The alert.</returns>
    /// <exception cref="RetailNotFoundException">Unknown alert.</exception>
    public async Task<Alert> AcknowledgeAsync(string organizationId, string alertId, string admin, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var alert = await _alerts.AcknowledgeAsync(organizationId, alertId, admin, now, cancellationToken).ConfigureAwait(false) ?? throw new RetailNotFoundException("alert", alertId);
        _stream.Publish(new AlertAcknowledgedEvent { OrganizationId = organizationId, Timestamp = now, Alert = alert });
        return alert;
    }

    /// <summary>Cancels every dwell timer.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var t in _dwellTimers.Values)
            {
                t.Dispose();
            }

            _dwellTimers.Clear();
        }
    }

    private void OnDwellExceeded(string org, ZoneRule rule, string person, TimeSpan limit)
    {
        lock (_lock)
        {
            if (!_dwellTimers.Remove((org, rule.Zone, person)))
            {
                return; // left in the meantime
            }
        }

        _ = RaiseLoggedAsync(org, rule.DwellLevel, AlertKind.DwellExceeded, rule.Zone, person, $"Person {person} in zone {rule.Zone} longer than {limit}");
    }

    private async Task RaiseLoggedAsync(string org, AlertLevel level, AlertKind kind, string zone, string? person, string message)
    {
        try
        {
            await RaiseAsync(org, level, kind, zone, person, message, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Could not raise {Kind} alert in zone {Zone}", kind, zone);
        }
    }

    private async Task<Alert> RaiseAsync(string org, AlertLevel level, AlertKind kind, string zone, string? person, string message, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var alert = new Alert { Id = Guid.NewGuid().ToString("N"), OrganizationId = org, Level = level, Kind = kind, Zone = zone, PersonId = person, Message = message, RaisedAt = now };
        await _alerts.AddAsync(alert, cancellationToken).ConfigureAwait(false);
        _stream.Publish(new AlertRaisedEvent { OrganizationId = org, Timestamp = now, Alert = alert });
        return alert;
    }
}
