using System.Globalization;
using Scarlet.Tracking.Geometry;
using Scarlet.Vision;

namespace Scarlet.Retail;

/// <summary>A person in a camera's view in one frame.</summary>
/// <param name="TrackId">The camera-local track id (what <see cref="ZoneOccupant.TrackId"/> names).</param>
/// <param name="PersonId">The person id alerts name (e.g. <c>person-12</c>).</param>
/// <param name="Foot">The foot point, normalised to the frame (0..1).</param>
/// <param name="Identified">Whether the person is identified as a customer.</param>
public readonly record struct PersonInView(int TrackId, string PersonId, PointF Foot, bool Identified);

/// <summary>What one processed frame of a camera says for the alert rules.</summary>
/// <param name="CameraId">The camera.</param>
/// <param name="Timestamp">The frame time.</param>
/// <param name="Persons">The persons in view.</param>
/// <param name="Occupants">The tracks inside each zone (<see cref="Scarlet.Tracking.Pipeline.TrackingUpdate.ZoneOccupants"/>).</param>
public sealed record CameraFrameState(string CameraId, DateTimeOffset Timestamp, IReadOnlyList<PersonInView> Persons, IReadOnlyList<ZoneOccupant> Occupants);

/// <summary>How a camera is doing, for the offline and frame-drop rules.</summary>
/// <param name="CameraId">The camera.</param>
/// <param name="LastFrameAt">When its last frame was processed, or <see langword="null"/> when none was yet.</param>
/// <param name="DropRate">The share of captured frames dropped (0..1).</param>
public readonly record struct CameraHealth(string CameraId, DateTimeOffset? LastFrameAt, double DropRate);

/// <summary>An alert a rule fired.</summary>
/// <param name="Rule">The rule.</param>
/// <param name="CameraId">The camera.</param>
/// <param name="Zone">The zone, when the rule is about one.</param>
/// <param name="PersonId">The person, when the rule is about one.</param>
/// <param name="At">When the condition became an alert.</param>
/// <param name="Message">Plain words for the operator.</param>
public sealed record AlertFiring(AlertRule Rule, string CameraId, string? Zone, string? PersonId, DateTimeOffset At, string Message);

/// <summary>
/// Turns per-frame zone state into alerts by the rules of one organisation. Pure: time comes only from the frame
/// timestamps and the <c>now</c> given to <see cref="CheckCameras"/>, so tests replay recorded or ground-truth frames.
/// A condition (per rule, camera, zone and person) becomes active once it has held for the rule's duration; it fires
/// when it becomes active, unless the same condition fired within the cool-down. Not thread-safe: callers serialise.
/// </summary>
public sealed class AlertRuleEvaluator
{
    private readonly TimeZoneInfo _storeTime;
    private readonly Dictionary<Key, Condition> _conditions = [];
    private readonly Dictionary<Key, DateTimeOffset> _lastFired = [];
    private readonly Dictionary<Key, (PointF Anchor, DateTimeOffset Since)> _anchors = [];
    private readonly Dictionary<string, CameraZone[]> _zones = new(StringComparer.Ordinal);
    private readonly HashSet<Key> _touched = [];
    private readonly List<Key> _stale = [];
    private readonly Dictionary<int, PersonInView> _persons = [];
    private AlertRule[] _rules = [];

    /// <summary>Initializes a new instance of the <see cref="AlertRuleEvaluator"/> class.</summary>
    /// <param name="storeTime">The store's time zone (schedules are in store time); UTC when null.</param>
    public AlertRuleEvaluator(TimeZoneInfo? storeTime = null)
    {
        _storeTime = storeTime ?? TimeZoneInfo.Utc;
    }

    /// <summary>Gets the rules.</summary>
    public IReadOnlyList<AlertRule> Rules => _rules;

    /// <summary>Replaces the rules; the state of rules that remain is kept.</summary>
    /// <param name="rules">The rules.</param>
    public void SetRules(IEnumerable<AlertRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = [.. rules];
        var ids = _rules.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        Prune(k => !ids.Contains(k.Rule));
    }

    /// <summary>Replaces a camera's zones (their kinds and areas are what restricted, staff and crowd rules read).</summary>
    /// <param name="cameraId">The camera.</param>
    /// <param name="zones">The zones.</param>
    public void SetZones(string cameraId, IReadOnlyList<CameraZone> zones)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cameraId);
        ArgumentNullException.ThrowIfNull(zones);
        _zones[cameraId] = [.. zones];
    }

    /// <summary>Whether a condition of a rule is active now on a camera (in a zone, when given).</summary>
    /// <param name="ruleId">The rule.</param>
    /// <param name="cameraId">The camera.</param>
    /// <param name="zone">The zone, or <see langword="null"/> for any.</param>
    /// <returns>True when active.</returns>
    public bool IsActive(string ruleId, string cameraId, string? zone = null)
    {
        foreach (var (k, c) in _conditions)
        {
            if (c.Active && k.Rule == ruleId && k.Camera == cameraId && (zone is null || k.Zone == zone))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Evaluates the zone rules on one frame of a camera.</summary>
    /// <param name="state">The frame's state.</param>
    /// <returns>The alerts fired by this frame.</returns>
    public IReadOnlyList<AlertFiring> Observe(CameraFrameState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var now = state.Timestamp;
        var camera = state.CameraId;
        var fired = new List<AlertFiring>();
        _touched.Clear();
        _persons.Clear();
        foreach (var p in state.Persons)
        {
            _persons[p.TrackId] = p;
        }

        var zones = _zones.GetValueOrDefault(camera) ?? [];
        var local = TimeZoneInfo.ConvertTime(now, _storeTime).DateTime;
        foreach (var rule in _rules)
        {
            if (!rule.Enabled || (rule.CameraId is not null && rule.CameraId != camera) || rule.Schedule?.Contains(local) == false)
            {
                continue;
            }

            switch (rule.Kind)
            {
                case AlertRuleKind.ZoneOccupancy:
                case AlertRuleKind.Crowd:
                    {
                        var count = 0;
                        foreach (var o in state.Occupants)
                        {
                            count += o.Zone == rule.Zone ? 1 : 0;
                        }

                        double value = count;
                        if (rule.Kind == AlertRuleKind.Crowd)
                        {
                            if (Array.Find(zones, z => z.Name == rule.Zone) is not { } zone)
                            {
                                break;
                            }

                            value = count / zone.Area;
                        }

                        if (value > rule.Threshold)
                        {
                            var text = rule.Kind == AlertRuleKind.Crowd
                                ? string.Create(CultureInfo.InvariantCulture, $"Zone {rule.Zone} on {camera}: {count} people, {value:F1} per frame area (limit {rule.Threshold})")
                                : string.Create(CultureInfo.InvariantCulture, $"Zone {rule.Zone} on {camera} holds {count} people (limit {rule.Threshold})");
                            Hold(rule, new Key(rule.Id, camera, rule.Zone!, -1), null, now, null, null, text, fired);
                        }

                        break;
                    }

                case AlertRuleKind.ZoneDwell:
                case AlertRuleKind.RestrictedEntry:
                case AlertRuleKind.UnidentifiedInStaffZone:
                    foreach (var o in state.Occupants)
                    {
                        if (!Applies(rule, o.Zone, zones))
                        {
                            continue;
                        }

                        var person = _persons.TryGetValue(o.TrackId, out var p) ? p : (PersonInView?)null;
                        if (rule.Kind == AlertRuleKind.UnidentifiedInStaffZone && person is { Identified: true })
                        {
                            continue;
                        }

                        var who = person?.PersonId ?? "track-" + o.TrackId.ToString(CultureInfo.InvariantCulture);
                        var text = rule.Kind switch
                        {
                            AlertRuleKind.ZoneDwell => string.Create(CultureInfo.InvariantCulture, $"{who} in zone {o.Zone} on {camera} longer than {rule.Duration.TotalSeconds:F0} s"),
                            AlertRuleKind.RestrictedEntry => $"{who} entered restricted zone {o.Zone} on {camera}",
                            _ => $"Unidentified {who} in staff zone {o.Zone} on {camera}",
                        };
                        Hold(rule, new Key(rule.Id, camera, o.Zone, o.TrackId), o.Since, now, o.Zone, who, text, fired);
                    }

                    break;

                case AlertRuleKind.Loitering:
                    foreach (var p in state.Persons)
                    {
                        if (rule.Zone is { } zoneName && !state.Occupants.Any(o => o.TrackId == p.TrackId && o.Zone == zoneName))
                        {
                            continue;
                        }

                        var key = new Key(rule.Id, camera, rule.Zone ?? string.Empty, p.TrackId);
                        (PointF Anchor, DateTimeOffset Since) anchor = _anchors.TryGetValue(key, out var a) ? a : (p.Foot, now);
                        var dx = p.Foot.X - anchor.Anchor.X;
                        var dy = p.Foot.Y - anchor.Anchor.Y;
                        if ((dx * dx) + (dy * dy) > rule.Radius * rule.Radius)
                        {
                            anchor = (p.Foot, now);
                        }

                        _anchors[key] = anchor;
                        var text = string.Create(CultureInfo.InvariantCulture, $"{p.PersonId} loitering on {camera}{(rule.Zone is null ? "" : " in zone " + rule.Zone)} for {rule.Duration.TotalSeconds:F0} s");
                        Hold(rule, key, anchor.Since, now, rule.Zone, p.PersonId, text, fired);
                    }

                    break;
            }
        }

        EndUntouched(k => k.Camera == camera && k.Track != int.MinValue);
        return fired;
    }

    /// <summary>Evaluates the camera rules (offline, frame drops).</summary>
    /// <param name="now">Now (from the caller's clock).</param>
    /// <param name="cameras">Each camera's health.</param>
    /// <returns>The alerts fired now.</returns>
    public IReadOnlyList<AlertFiring> CheckCameras(DateTimeOffset now, IReadOnlyList<CameraHealth> cameras)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        var fired = new List<AlertFiring>();
        _touched.Clear();
        var local = TimeZoneInfo.ConvertTime(now, _storeTime).DateTime;
        foreach (var rule in _rules)
        {
            if (!rule.Enabled || rule.Kind is not (AlertRuleKind.CameraOffline or AlertRuleKind.FrameDrops) || rule.Schedule?.Contains(local) == false)
            {
                continue;
            }

            foreach (var c in cameras)
            {
                if (rule.CameraId is not null && rule.CameraId != c.CameraId)
                {
                    continue;
                }

                var key = new Key(rule.Id, c.CameraId, string.Empty, int.MinValue);
                if (rule.Kind == AlertRuleKind.CameraOffline && c.LastFrameAt is { } last && now - last >= rule.Duration)
                {
                    Hold(rule, key, last, now, null, null, string.Create(CultureInfo.InvariantCulture, $"Camera {c.CameraId}: no frame since {last:u}"), fired);
                }
                else if (rule.Kind == AlertRuleKind.FrameDrops && c.DropRate > rule.Threshold)
                {
                    Hold(rule, key, null, now, null, null, string.Create(CultureInfo.InvariantCulture, $"Camera {c.CameraId} drops {c.DropRate:P0} of its frames (limit {rule.Threshold:P0})"), fired);
                }
            }
        }

        EndUntouched(k => k.Track == int.MinValue);
        return fired;
    }

    private static bool Applies(AlertRule rule, string zone, CameraZone[] zones)
    {
        if (rule.Zone is not null)
        {
            return rule.Zone == zone;
        }

        var kind = rule.Kind switch
        {
            AlertRuleKind.RestrictedEntry => ZoneKind.Restricted,
            AlertRuleKind.UnidentifiedInStaffZone => ZoneKind.Staff,
            _ => (ZoneKind?)null,
        };
        return kind is null || Array.Exists(zones, z => z.Name == zone && z.Kind == kind);
    }

    // The condition holds at 'now'; 'since' is when it began (null: when first seen here).
    private void Hold(AlertRule rule, Key key, DateTimeOffset? since, DateTimeOffset now, string? zone, string? person, string message, List<AlertFiring> fired)
    {
        _touched.Add(key);
        if (!_conditions.TryGetValue(key, out var c))
        {
            c = new Condition(since ?? now);
            _conditions[key] = c;
        }
        else if (since is { } s)
        {
            c.Since = s;
        }

        if (c.Active || now - c.Since < rule.Duration)
        {
            return;
        }

        c.Active = true;
        if (_lastFired.TryGetValue(key, out var last) && now - last < rule.Cooldown)
        {
            return;
        }

        _lastFired[key] = now;
        fired.Add(new AlertFiring(rule, key.Camera, zone ?? (key.Zone.Length > 0 ? key.Zone : null), person, now, message));
    }

    private void EndUntouched(Func<Key, bool> scope)
    {
        _stale.Clear();
        foreach (var k in _conditions.Keys)
        {
            if (scope(k) && !_touched.Contains(k))
            {
                _stale.Add(k);
            }
        }

        foreach (var k in _stale)
        {
            _conditions.Remove(k);
            _anchors.Remove(k);
        }

        // Person-level cool-downs of people long gone would grow without bound.
        if (_lastFired.Count > 4096)
        {
            var longest = _rules.Length == 0 ? TimeSpan.Zero : _rules.Max(r => r.Cooldown);
            var newest = _lastFired.Values.Max();
            Prune(k => _lastFired.TryGetValue(k, out var t) && newest - t > longest);
        }
    }

    private void Prune(Func<Key, bool> drop)
    {
        foreach (var k in _conditions.Keys.Where(drop).ToList())
        {
            _conditions.Remove(k);
        }

        foreach (var k in _anchors.Keys.Where(drop).ToList())
        {
            _anchors.Remove(k);
        }

        foreach (var k in _lastFired.Keys.Where(drop).ToList())
        {
            _lastFired.Remove(k);
        }
    }

    private readonly record struct Key(string Rule, string Camera, string Zone, int Track);

    private sealed class Condition(DateTimeOffset since)
    {
        public DateTimeOffset Since { get; set; } = since;

        public bool Active { get; set; }
    }
}
