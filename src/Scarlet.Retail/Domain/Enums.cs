using System.Text.Json.Serialization;

namespace Scarlet.Retail;

/// <summary>Loyalty tier of a customer, lowest first. JSON: <c>bronze</c>, <c>silver</c>, <c>gold</c>, <c>platinum</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LoyaltyStatus>))]
public enum LoyaltyStatus
{
    /// <summary>Every new customer.</summary>
    [JsonStringEnumMemberName("bronze")]
    Bronze = 0,

    /// <summary>Second tier.</summary>
    [JsonStringEnumMemberName("silver")]
    Silver = 1,

    /// <summary>Third tier.</summary>
    [JsonStringEnumMemberName("gold")]
    Gold = 2,

    /// <summary>Highest tier.</summary>
    [JsonStringEnumMemberName("platinum")]
    Platinum = 3,
}

/// <summary>Outcome of one face recognition, as in the detection-event API.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RecognitionStatus>))]
public enum RecognitionStatus
{
    /// <summary>Exactly one enrolled identity matched.</summary>
    [JsonStringEnumMemberName("MATCHED")]
    Matched = 0,

    /// <summary>No enrolled identity matched: a face not seen before (or an unknown visitor).</summary>
    [JsonStringEnumMemberName("NEW_FACE")]
    NewFace = 1,

    /// <summary>Several identities matched too closely to choose.</summary>
    [JsonStringEnumMemberName("MULTIPLE_MATCHES")]
    MultipleMatches = 2,

    /// <summary>The face could not be judged (poor quality, no embedding).</summary>
    [JsonStringEnumMemberName("UNKNOWN")]
    Unknown = 3,
}

/// <summary>Severity of an alert. JSON: <c>critical</c>, <c>warning</c>, <c>info</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertLevel>))]
public enum AlertLevel
{
    /// <summary>Informational.</summary>
    [JsonStringEnumMemberName("info")]
    Info = 0,

    /// <summary>Needs attention.</summary>
    [JsonStringEnumMemberName("warning")]
    Warning = 1,

    /// <summary>Needs action now.</summary>
    [JsonStringEnumMemberName("critical")]
    Critical = 2,
}

/// <summary>The rule that raised an alert.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertKind>))]
public enum AlertKind
{
    /// <summary>A person stayed in a zone longer than the zone's limit.</summary>
    [JsonStringEnumMemberName("dwell_exceeded")]
    DwellExceeded = 0,

    /// <summary>More people in a zone than its limit.</summary>
    [JsonStringEnumMemberName("occupancy_exceeded")]
    OccupancyExceeded = 1,

    /// <summary>A person entered a zone while it was closed.</summary>
    [JsonStringEnumMemberName("closed_zone_presence")]
    ClosedZonePresence = 2,

    /// <summary>A person entered a restricted zone (<see cref="AlertRuleKind.RestrictedEntry"/>).</summary>
    [JsonStringEnumMemberName("restricted_entry")]
    RestrictedEntry = 3,

    /// <summary>Too many people per area in a zone (<see cref="AlertRuleKind.Crowd"/>).</summary>
    [JsonStringEnumMemberName("crowd")]
    Crowd = 4,

    /// <summary>A person stayed on one spot too long (<see cref="AlertRuleKind.Loitering"/>).</summary>
    [JsonStringEnumMemberName("loitering")]
    Loitering = 5,

    /// <summary>An unidentified person in a staff zone (<see cref="AlertRuleKind.UnidentifiedInStaffZone"/>).</summary>
    [JsonStringEnumMemberName("unidentified_in_staff_zone")]
    UnidentifiedInStaffZone = 6,

    /// <summary>A camera stopped delivering frames (<see cref="AlertRuleKind.CameraOffline"/>).</summary>
    [JsonStringEnumMemberName("camera_offline")]
    CameraOffline = 7,

    /// <summary>A camera drops too many frames (<see cref="AlertRuleKind.FrameDrops"/>).</summary>
    [JsonStringEnumMemberName("frame_drops")]
    FrameDrops = 8,
}

/// <summary>What the library does with faces no enrolled identity matched.</summary>
public enum AutoRegistrationMode
{
    /// <summary>Only cluster them into provisional visitors (counted once per person); never create customers.</summary>
    Disabled = 0,

    /// <summary>
    /// Create a provisional customer per visitor cluster once it has been seen often enough; it expires after the
    /// retention period unless consent is recorded.
    /// </summary>
    ProvisionalUntilConsent = 1,
}

/// <summary>Granularity of visit statistics buckets (UTC).</summary>
public enum StatisticsGranularity
{
    /// <summary>One bucket per hour.</summary>
    Hour = 0,

    /// <summary>One bucket per day.</summary>
    Day = 1,

    /// <summary>One bucket per ISO week (starting Monday).</summary>
    Week = 2,

    /// <summary>One bucket per calendar month.</summary>
    Month = 3,
}
