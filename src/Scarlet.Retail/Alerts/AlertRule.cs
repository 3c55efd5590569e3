using System.Text.Json.Serialization;

namespace Scarlet.Retail;

/// <summary>What an <see cref="AlertRule"/> watches. JSON: snake_case names.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertRuleKind>))]
public enum AlertRuleKind
{
    /// <summary>More than <see cref="AlertRule.Threshold"/> people in the zone.</summary>
    [JsonStringEnumMemberName("zone_occupancy")]
    ZoneOccupancy = 0,

    /// <summary>A person in the zone for longer than <see cref="AlertRule.Duration"/>.</summary>
    [JsonStringEnumMemberName("zone_dwell")]
    ZoneDwell = 1,

    /// <summary>A person in a zone of kind restricted (the rule's zone, or every restricted zone of the camera).</summary>
    [JsonStringEnumMemberName("restricted_entry")]
    RestrictedEntry = 2,

    /// <summary>More than <see cref="AlertRule.Threshold"/> people per unit of area (the whole frame is 1) in the zone.</summary>
    [JsonStringEnumMemberName("crowd")]
    Crowd = 3,

    /// <summary>A person staying within <see cref="AlertRule.Radius"/> of one spot for longer than <see cref="AlertRule.Duration"/>.</summary>
    [JsonStringEnumMemberName("loitering")]
    Loitering = 4,

    /// <summary>A person without an identified customer in a zone of kind staff for longer than <see cref="AlertRule.Duration"/>.</summary>
    [JsonStringEnumMemberName("unidentified_in_staff_zone")]
    UnidentifiedInStaffZone = 5,

    /// <summary>No frame processed for longer than <see cref="AlertRule.Duration"/>.</summary>
    [JsonStringEnumMemberName("camera_offline")]
    CameraOffline = 6,

    /// <summary>A share of frames dropped above <see cref="AlertRule.Threshold"/> (0..1) for longer than <see cref="AlertRule.Duration"/>.</summary>
    [JsonStringEnumMemberName("frame_drops")]
    FrameDrops = 7,
}

/// <summary>When a rule applies: days of the week and daily windows, in store time. Empty lists mean always.</summary>
public sealed record AlertSchedule
{
    /// <summary>Gets the days on which the rule applies (empty: every day).</summary>
    public IReadOnlyList<DayOfWeek> Days { get; init; } = [];

    /// <summary>Gets the daily windows in which the rule applies (empty: all day).</summary>
    public IReadOnlyList<DailyTimeWindow> Windows { get; init; } = [];

    /// <summary>Whether a store-local time is in the schedule.</summary>
    /// <param name="local">Store-local date and time.</param>
    /// <returns>True when the rule applies.</returns>
    public bool Contains(DateTime local)
    {
        if (Days.Count > 0 && !Days.Contains(local.DayOfWeek))
        {
            return false;
        }

        if (Windows.Count == 0)
        {
            return true;
        }

        var t = TimeOnly.FromDateTime(local);
        foreach (var w in Windows)
        {
            if (w.Contains(t))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// One alert rule of an organisation: what to watch (<see cref="Kind"/>) on which camera and zone, the threshold, how
/// long the condition must hold, the level, the cool-down between two alerts of the same subject, and an optional
/// schedule. <see cref="Validate"/> lists what is wrong in plain words.
/// </summary>
public sealed record AlertRule
{
    /// <summary>Gets the rule id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the display name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets what the rule watches.</summary>
    public AlertRuleKind Kind { get; init; }

    /// <summary>Gets the level of its alerts.</summary>
    public AlertLevel Level { get; init; } = AlertLevel.Warning;

    /// <summary>Gets the camera, or <see langword="null"/> for every camera of the organisation.</summary>
    public string? CameraId { get; init; }

    /// <summary>Gets the zone, or <see langword="null"/> for every zone of the camera (for restricted and staff rules: every zone of that kind).</summary>
    public string? Zone { get; init; }

    /// <summary>Gets the threshold: people (occupancy), people per frame area (crowd), share of frames dropped (frame drops).</summary>
    public double Threshold { get; init; }

    /// <summary>Gets how long the condition must hold before the alert fires (the dwell or loitering time, the offline time); zero fires at once.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Gets the loitering radius, normalised to the frame. The default is 0.05.</summary>
    public double Radius { get; init; } = 0.05;

    /// <summary>Gets the shortest time between two alerts of this rule for the same camera, zone and person. The default is 5 minutes.</summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets when the rule applies, or <see langword="null"/> for always.</summary>
    public AlertSchedule? Schedule { get; init; }

    /// <summary>Gets a value indicating whether the rule is on. The default is <see langword="true"/>.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>What is wrong with the rule, in plain words (empty when valid).</summary>
    /// <returns>The errors.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Id) || Id.Length > 64)
        {
            errors.Add("id must be 1-64 characters");
        }

        if (Name.Length > 200)
        {
            errors.Add("name must be at most 200 characters");
        }

        if (!Enum.IsDefined(Kind))
        {
            errors.Add("kind is unknown");
        }

        if (!Enum.IsDefined(Level))
        {
            errors.Add("level must be info, warning or critical");
        }

        var needsThreshold = Kind is AlertRuleKind.ZoneOccupancy or AlertRuleKind.Crowd or AlertRuleKind.FrameDrops;
        if (!double.IsFinite(Threshold) || Threshold < 0 || (needsThreshold && Threshold <= 0) || (Kind == AlertRuleKind.FrameDrops && Threshold >= 1) || Threshold > 1_000_000)
        {
            errors.Add(Kind == AlertRuleKind.FrameDrops ? "threshold must be a share of frames between 0 and 1" : needsThreshold ? "threshold must be positive" : "threshold must not be negative");
        }

        var needsDuration = Kind is AlertRuleKind.ZoneDwell or AlertRuleKind.Loitering or AlertRuleKind.CameraOffline;
        if (Duration < TimeSpan.Zero || Duration > TimeSpan.FromDays(1) || (needsDuration && Duration <= TimeSpan.Zero))
        {
            errors.Add(needsDuration ? "duration_seconds must be positive and at most a day" : "duration_seconds must be 0 to a day");
        }

        if (!double.IsFinite(Radius) || Radius <= 0 || Radius > 1)
        {
            errors.Add("radius must be in (0, 1] (normalised to the frame)");
        }

        if (Cooldown < TimeSpan.Zero || Cooldown > TimeSpan.FromDays(1))
        {
            errors.Add("cooldown_seconds must be 0 to a day");
        }

        if (Kind is AlertRuleKind.ZoneOccupancy or AlertRuleKind.ZoneDwell or AlertRuleKind.Crowd && string.IsNullOrWhiteSpace(Zone))
        {
            errors.Add("zone is required for this kind");
        }

        if (Schedule is { } s && (s.Days.Any(d => !Enum.IsDefined(d)) || s.Windows.Any(w => w.Start == w.End)))
        {
            errors.Add("schedule: unknown day or an empty window");
        }

        return errors;
    }
}
