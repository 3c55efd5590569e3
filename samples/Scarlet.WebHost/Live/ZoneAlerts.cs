using System.Collections.Concurrent;
using System.Reactive.Linq;
using Microsoft.Extensions.Options;
using Scarlet.Retail;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Tracking.Geometry;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;

namespace Scarlet.WebHost.Live;

/// <summary>A camera's zones as the host kept them in <see cref="HostStateStore"/> before the library's <see cref="IZoneStore"/> (read once at start, to move them).</summary>
internal sealed record StoredZones(string CameraId, string OrganizationId, string Json);

/// <summary>An organisation's alert rule as the host kept it in <see cref="HostStateStore"/> before the library's <see cref="IAlertRuleStore"/>.</summary>
internal sealed record StoredAlertRule(AlertRule Rule, string OrganizationId);

/// <summary>
/// The host's zones and alert rules: kept in the library's stores on the retail database (shared by the hosts of a
/// cluster), loaded at start and handed to each camera's pipeline, and evaluated on every processed frame (one
/// <see cref="AlertRuleEvaluator"/> per organisation); fired alerts go through
/// <see cref="AlertEngine.RaiseAsync(string, AlertFiring, CancellationToken)"/> (stored, on <c>/ws/dashboard</c>, to webhooks).
/// Each change is published (<see cref="CameraZonesChangedEvent"/>, <see cref="AlertRuleChangedEvent"/>); on a cluster the
/// other hosts receive it over the bus and read the camera's zones or the rule again from the shared store.
/// </summary>
internal sealed class ZoneAlerts : IHostedService, IDisposable
{
    private readonly IZoneStore _zoneStore;
    private readonly IAlertRuleStore _ruleStore;
    private readonly HostStateStore _state;
    private readonly AlertEngine _alerts;
    private readonly ScarletEventStream _stream;
    private readonly TimeProvider _time;
    private readonly IServiceProvider _services;
    private readonly ILogger<ZoneAlerts> _logger;
    private readonly RemoteChangeApplier _applier;
    private readonly TimeZoneInfo _storeTime;
    private readonly ConcurrentDictionary<string, (string Org, IReadOnlyList<CameraZone> Zones)> _zones = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AlertRuleEvaluator> _evaluators = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, OrganizationAlertRule> _rules = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IDisposable? _remote;

    public ZoneAlerts(IZoneStore zoneStore, IAlertRuleStore ruleStore, HostStateStore state, AlertEngine alerts, ScarletEventStream stream, TimeProvider time, IServiceProvider services, IOptions<RetailOptions> retail, ILogger<ZoneAlerts> logger)
    {
        _zoneStore = zoneStore;
        _ruleStore = ruleStore;
        _state = state;
        _alerts = alerts;
        _stream = stream;
        _time = time;
        _services = services;
        _logger = logger;
        _applier = new RemoteChangeApplier("Zones and alert rules", logger, time);
        _storeTime = retail.Value.ResolveTimeZone();
    }

    /// <summary>
    /// Moves what an older host kept in its own table into the stores (once), then loads every zone and rule, and follows
    /// the changes other hosts of a cluster make.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Followed from before the load, applied after it (in order, one at a time): a change made by another host while
        // this one loads is read again rather than missed, and never overwritten by the older load.
        _remote = _stream.Events
            .Where(e => e.IsRemote && e is CameraZonesChangedEvent or AlertRuleChangedEvent)
            .Select(e => Observable.FromAsync(ct => FollowAsync(e, ct)))
            .Concat()
            .Subscribe();
        await MoveHostStateAsync(cancellationToken);
        foreach (var z in await _zoneStore.ListAllAsync(cancellationToken))
        {
            _zones[z.CameraId] = (z.OrganizationId, z.Zones);
            Evaluator(z.OrganizationId).SetZones(z.CameraId, z.Zones);
        }

        foreach (var r in await _ruleStore.ListAllAsync(cancellationToken))
        {
            _rules[r.Rule.Id] = r;
        }

        foreach (var org in _rules.Values.Select(r => r.OrganizationId).Distinct())
        {
            Evaluator(org).SetRules(RulesOf(org));
        }

        _loaded.TrySetResult();
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _remote?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _remote?.Dispose();

    public IReadOnlyList<CameraZone> ZonesOf(string cameraId, string organizationId) =>
        _zones.TryGetValue(cameraId, out var z) && z.Org == organizationId ? z.Zones : [];

    public async Task SetZonesAsync(string cameraId, string organizationId, IReadOnlyList<CameraZone> zones, CancellationToken ct)
    {
        await _zoneStore.SetAsync(organizationId, cameraId, zones, ct);
        ApplyZones(cameraId, organizationId, zones);
        _stream.Publish(new CameraZonesChangedEvent { OrganizationId = organizationId, CameraId = cameraId, Timestamp = _time.GetUtcNow() });
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

        // Another host of the cluster may have taken the id since this one started.
        if (!await _ruleStore.PutAsync(organizationId, rule, ct))
        {
            throw new ArgumentException($"alert rule id '{rule.Id}' is taken");
        }

        _rules[rule.Id] = new OrganizationAlertRule(organizationId, rule);
        Reload(organizationId);
        _stream.Publish(new AlertRuleChangedEvent { OrganizationId = organizationId, RuleId = rule.Id, Timestamp = _time.GetUtcNow() });
    }

    public async Task<bool> DeleteRuleAsync(string id, string organizationId, CancellationToken ct)
    {
        if (GetRule(id, organizationId) is null)
        {
            return false;
        }

        await _ruleStore.DeleteAsync(organizationId, id, ct);
        _rules.TryRemove(id, out _);
        Reload(organizationId);
        _stream.Publish(new AlertRuleChangedEvent { OrganizationId = organizationId, RuleId = id, Deleted = true, Timestamp = _time.GetUtcNow() });
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

    /// <summary>
    /// Zones and rules that a host before the library's stores kept in its own <c>host_state</c> table: each is copied
    /// into the stores unless they already hold a newer one (another host of the cluster), then deleted from
    /// <c>host_state</c>, so this runs once. A copy that fails leaves the row for the next start.
    /// </summary>
    private async Task MoveHostStateAsync(CancellationToken ct)
    {
        foreach (var z in _state.List<StoredZones>(HostStateKinds.CameraZones))
        {
            if ((await _zoneStore.GetAsync(z.OrganizationId, z.CameraId, ct)).Count == 0)
            {
                await _zoneStore.SetAsync(z.OrganizationId, z.CameraId, CameraZone.ParseJson(z.Json), ct);
            }

            await _state.DeleteAsync(HostStateKinds.CameraZones, z.CameraId, ct);
            _logger.LogInformation("Zones of camera {Camera} moved from the host's table to the zone store", z.CameraId);
        }

        foreach (var r in _state.List<StoredAlertRule>(HostStateKinds.AlertRule))
        {
            if (await _ruleStore.GetAsync(r.OrganizationId, r.Rule.Id, ct) is null && !await _ruleStore.PutAsync(r.OrganizationId, r.Rule, ct))
            {
                _logger.LogWarning("Alert rule {Rule} of the host's table not moved: its id belongs to another organisation", r.Rule.Id);
            }

            await _state.DeleteAsync(HostStateKinds.AlertRule, r.Rule.Id, ct);
        }
    }

    /// <summary>
    /// Another host's change: the camera's zones or the rule as the shared store holds them now (so events that arrive
    /// late or twice change nothing wrongly). While the store is away it waits, and later changes queue behind.
    /// </summary>
    private async Task FollowAsync(ScarletEvent change, CancellationToken ct)
    {
        await _loaded.Task.WaitAsync(ct);
        await _applier.ApplyAsync(change, c => ApplyRemoteAsync(change, c), ct);
    }

    private async Task ApplyRemoteAsync(ScarletEvent change, CancellationToken ct)
    {
        switch (change)
        {
            case CameraZonesChangedEvent z:
                {
                    var zones = await _zoneStore.GetAsync(z.OrganizationId, z.CameraId, ct);
                    ApplyZones(z.CameraId, z.OrganizationId, zones);

                    // A camera of this host with that id runs on the new zones from its next frame. Resolved here, not
                    // injected: the cameras depend on this class.
                    _services.GetService<CameraManager>()?.Get(z.CameraId, z.OrganizationId)?.SetZones(zones);
                    _logger.LogInformation("Zones of camera {Camera} reloaded after a change on another host", z.CameraId);
                    break;
                }

            case AlertRuleChangedEvent r:
                {
                    if (await _ruleStore.GetAsync(r.OrganizationId, r.RuleId, ct) is { } rule)
                    {
                        _rules[rule.Id] = new OrganizationAlertRule(r.OrganizationId, rule);
                    }
                    else if (_rules.TryGetValue(r.RuleId, out var known) && known.OrganizationId == r.OrganizationId)
                    {
                        _rules.TryRemove(new KeyValuePair<string, OrganizationAlertRule>(r.RuleId, known));
                    }

                    Reload(r.OrganizationId);
                    _logger.LogInformation("Alert rule {Rule} reloaded after a change on another host", r.RuleId);
                    break;
                }
        }
    }

    private void ApplyZones(string cameraId, string organizationId, IReadOnlyList<CameraZone> zones)
    {
        _zones[cameraId] = (organizationId, zones);
        var e = Evaluator(organizationId);
        lock (e)
        {
            e.SetZones(cameraId, zones);
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
