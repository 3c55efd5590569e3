using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Scarlet.Retail;
using Scarlet.Tracking.Geometry;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;

namespace Scarlet.WebHost.Live;

/// <summary>A camera's zones as kept in <see cref="HostStateStore"/> (the JSON shape of <c>PUT /api/cameras/{id}/zones</c>).</summary>
internal sealed record StoredZones(string CameraId, string OrganizationId, string Json);

/// <summary>An organisation's alert rule as kept in <see cref="HostStateStore"/>.</summary>
internal sealed record StoredAlertRule(AlertRule Rule, string OrganizationId);

/// <summary>
/// The host's zones and alert rules: kept across restarts, handed to each camera's pipeline, and evaluated on every
/// processed frame (one <see cref="AlertRuleEvaluator"/> per organisation); fired alerts go through
/// <see cref="AlertEngine.RaiseAsync(string, AlertFiring, CancellationToken)"/> (stored, on <c>/ws/dashboard</c>, to webhooks).
/// </summary>
internal sealed class ZoneAlerts
{
    private readonly HostStateStore _state;
    private readonly AlertEngine _alerts;
    private readonly ILogger<ZoneAlerts> _logger;
    private readonly TimeZoneInfo _storeTime;
    private readonly ConcurrentDictionary<string, (string Org, IReadOnlyList<CameraZone> Zones)> _zones = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AlertRuleEvaluator> _evaluators = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StoredAlertRule> _rules = new(StringComparer.Ordinal);

    public ZoneAlerts(HostStateStore state, AlertEngine alerts, IOptions<RetailOptions> retail, ILogger<ZoneAlerts> logger)
    {
        _state = state;
        _alerts = alerts;
        _logger = logger;
        _storeTime = retail.Value.ResolveTimeZone();
        foreach (var z in state.List<StoredZones>(HostStateKinds.CameraZones))
        {
            _zones[z.CameraId] = (z.OrganizationId, CameraZone.ParseJson(z.Json));
            Evaluator(z.OrganizationId).SetZones(z.CameraId, _zones[z.CameraId].Zones);
        }

        foreach (var r in state.List<StoredAlertRule>(HostStateKinds.AlertRule))
        {
            _rules[r.Rule.Id] = r;
        }

        foreach (var org in _rules.Values.Select(r => r.OrganizationId).Distinct())
        {
            Evaluator(org).SetRules(RulesOf(org));
        }
    }

    public IReadOnlyList<CameraZone> ZonesOf(string cameraId, string organizationId) =>
        _zones.TryGetValue(cameraId, out var z) && z.Org == organizationId ? z.Zones : [];

    public async Task SetZonesAsync(string cameraId, string organizationId, IReadOnlyList<CameraZone> zones, CancellationToken ct)
    {
        await _state.PutAsync(HostStateKinds.CameraZones, cameraId, new StoredZones(cameraId, organizationId, CameraZone.ToJson(zones)), ct);
        _zones[cameraId] = (organizationId, zones);
        var e = Evaluator(organizationId);
        lock (e)
        {
            e.SetZones(cameraId, zones);
        }
    }

    public IReadOnlyList<AlertRule> RulesOf(string organizationId) =>
        [.. _rules.Values.Where(r => r.OrganizationId == organizationId).Select(r => r.Rule).OrderBy(r => r.Id, StringComparer.Ordinal)];

    public AlertRule? GetRule(string id, string organizationId) =>
        _rules.TryGetValue(id, out var r) && r.OrganizationId == organizationId ? r.Rule : null;

    /// <summary>Adds or replaces a rule; a rule id of another organisation is refused.</summary>
    public async Task PutRuleAsync(AlertRule rule, string organizationId, CancellationToken ct)
    {
        if (_rules.TryGetValue(rule.Id, out var existing) && existing.OrganizationId != organizationId)
        {
            throw new ArgumentException($"alert rule id '{rule.Id}' is taken");
        }

        await _state.PutAsync(HostStateKinds.AlertRule, rule.Id, new StoredAlertRule(rule, organizationId), ct);
        _rules[rule.Id] = new StoredAlertRule(rule, organizationId);
        Reload(organizationId);
    }

    public async Task<bool> DeleteRuleAsync(string id, string organizationId, CancellationToken ct)
    {
        if (GetRule(id, organizationId) is null)
        {
            return false;
        }

        await _state.DeleteAsync(HostStateKinds.AlertRule, id, ct);
        _rules.TryRemove(id, out _);
        Reload(organizationId);
        return true;
    }

    /// <summary>On a camera's inference thread: the frame's persons and zone occupants through the organisation's rules.</summary>
    public void Observe(string organizationId, TrackingUpdate update, Func<TrackedPerson, string> personId)
    {
        if (!_evaluators.TryGetValue(organizationId, out var e) || e.Rules.Count == 0)
        {
            return;
        }

        IReadOnlyList<AlertFiring> fired;
        lock (e)
        {
            fired = e.Observe(FrameState(update, personId));
        }

        Raise(organizationId, fired);
    }

    /// <summary>A frame's persons (foot points normalised to the frame) and zone occupants, as alert rules read them.</summary>
    public static CameraFrameState FrameState(TrackingUpdate update, Func<TrackedPerson, string> personId)
    {
        var persons = new PersonInView[update.Persons.Count];
        var w = Math.Max(1, update.FrameWidth);
        var h = Math.Max(1, update.FrameHeight);
        for (var i = 0; i < persons.Length; i++)
        {
            var p = update.Persons[i];
            var foot = Zone.FootPoint(p.Box);
            persons[i] = new PersonInView(p.TrackId, personId(p), new PointF(foot.X / w, foot.Y / h), p.CustomerId is not null);
        }

        return new CameraFrameState(update.CameraId, update.Timestamp, persons, update.ZoneOccupants);
    }

    /// <summary>
    /// A fresh evaluator of an organisation's rules over one camera's zones, for a recorded video analysed apart from the
    /// live cameras (its alerts are reported with the analysis, not raised in the store).
    /// </summary>
    public AlertRuleEvaluator EvaluatorFor(string organizationId, string cameraId, IReadOnlyList<CameraZone> zones)
    {
        var e = new AlertRuleEvaluator(_storeTime);
        e.SetRules(RulesOf(organizationId));
        e.SetZones(cameraId, zones);
        return e;
    }

    /// <summary>The camera rules (offline, frame drops) of every organisation, at <paramref name="now"/>.</summary>
    public void CheckCameras(DateTimeOffset now, IEnumerable<IGrouping<string, CameraHealth>> camerasByOrganization)
    {
        foreach (var group in camerasByOrganization)
        {
            if (!_evaluators.TryGetValue(group.Key, out var e))
            {
                continue;
            }

            IReadOnlyList<AlertFiring> fired;
            lock (e)
            {
                fired = e.CheckCameras(now, [.. group]);
            }

            Raise(group.Key, fired);
        }
    }

    private void Raise(string organizationId, IReadOnlyList<AlertFiring> fired)
    {
        foreach (var f in fired)
        {
            // Storing reads the database: off the inference thread; a failure is logged, never fatal to the camera.
            _ = Task.Run(async () =>
            {
                try
                {
                    await _alerts.RaiseAsync(organizationId, f);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    _logger.LogError(ex, "Alert of rule {Rule} on camera {Camera} could not be stored", f.Rule.Id, f.CameraId);
                }
            });
        }
    }

    private void Reload(string organizationId)
    {
        var e = Evaluator(organizationId);
        lock (e)
        {
            e.SetRules(RulesOf(organizationId));
        }
    }

    private AlertRuleEvaluator Evaluator(string organizationId) =>
        _evaluators.GetOrAdd(organizationId, org =>
        {
            var e = new AlertRuleEvaluator(_storeTime);
            foreach (var (camera, z) in _zones.Where(z => z.Value.Org == org))
            {
                e.SetZones(camera, z.Zones);
            }

            return e;
        });
}

/// <summary>Every few seconds, the camera rules (offline, frame drops) on the cameras' health.</summary>
internal sealed class CameraHealthAlerts(CameraManager cameras, ZoneAlerts alerts, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            // Running (a source reconnecting included) or failed: a paused or ended camera is not offline.
            var health = cameras.All()
                .Where(c => c.Health?.State is CameraPipelineState.Running or CameraPipelineState.Faulted)
                .Select(c => (c.OrganizationId, new CameraHealth(c.Id, c.LastSeen, c.Health?.DropRate ?? 0)))
                .GroupBy(x => x.OrganizationId, x => x.Item2);
            alerts.CheckCameras(time.GetUtcNow(), health);
        }
    }
}
