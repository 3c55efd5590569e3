using System.ComponentModel.DataAnnotations;
using Scarlet.Retail.Events;

namespace Scarlet.Retail;

/// <summary>Options of Scarlet.Retail, validated at start (<see cref="RetailOptionsValidator"/>).</summary>
public sealed class RetailOptions
{
    /// <summary>Gets or sets the SQLite database file path. Required with <see cref="StorageProvider.Sqlite"/>.</summary>
    public string DatabasePath { get; set; } = string.Empty;

    /// <summary>Gets or sets where customers, events and the audit trail are stored. The default is <see cref="StorageProvider.Sqlite"/> (one host).</summary>
    public StorageProvider StorageProvider { get; set; } = StorageProvider.Sqlite;

    /// <summary>
    /// Gets or sets the Npgsql connection string of the shared database (<c>Host=...;Port=...;Username=...;Password=...;Database=...</c>).
    /// Required with <see cref="StorageProvider.Postgres"/>.
    /// </summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>Gets or sets what happens to faces no enrolled identity matched. The default is <see cref="AutoRegistrationMode.Disabled"/>.</summary>
    public AutoRegistrationMode AutoRegistration { get; set; } = AutoRegistrationMode.Disabled;

    /// <summary>Gets or sets how many sightings a visitor cluster needs before it is auto-registered. The default is 3.</summary>
    [Range(1, 10_000)]
    public int AutoRegisterMinSightings { get; set; } = 3;

    /// <summary>
    /// Gets or sets how long unconsented data is kept: auto-registered customers and visitor clusters not seen for this long
    /// are erased. The default is 30 days.
    /// </summary>
    public TimeSpan UnconsentedRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Gets or sets how often the retention sweep runs. The default is one hour.</summary>
    public TimeSpan RetentionSweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Gets or sets the cosine similarity at or above which a NEW_FACE embedding joins a visitor cluster. The default
    /// 0.5 is above the usual same-person thresholds of ArcFace/SFace-class embedders (about 0.3-0.4), so clusters err
    /// towards splitting a person rather than merging two.
    /// </summary>
    [Range(0.0, 1.0)]
    public float VisitorClusterThreshold { get; set; } = 0.5f;

    /// <summary>
    /// Gets or sets how long a person may be unseen before their visit ends (<c>Scarlet:Retail:VisitTimeoutMinutes</c>):
    /// a customer identified again within it (by any camera, <c>/process-frame</c> or <c>/recognize</c>) is on the same
    /// visit, so their visit count does not change. 1 to 1440; the default is 10.
    /// </summary>
    [Range(1, 1440)]
    public int VisitTimeoutMinutes { get; set; } = 10;

    /// <summary>
    /// Gets or sets how long an anonymous person must have been seen (first to last sighting of the linked tracks) before
    /// the stay counts as a visit (<c>Scarlet:Retail:VisitMinPresenceSeconds</c>): shorter track fragments, passers-by and
    /// false detections are not visits. The visit is then backdated to the first sighting. An identified customer's
    /// sighting always counts. 0 to 600; 0 counts every track.
    /// </summary>
    [Range(0.0, 600.0)]
    public double VisitMinPresenceSeconds { get; set; } = 0.5;

    /// <summary>
    /// Gets or sets how soon after a camera's track was last seen a new anonymous track on the same camera, starting within
    /// <see cref="VisitLinkDistance"/> of it, is taken for the same person (a fragment of one track) and extends that
    /// visit (<c>Scarlet:Retail:VisitLinkGapSeconds</c>). 0 to 60; 0 links nothing.
    /// </summary>
    [Range(0.0, 60.0)]
    public double VisitLinkGapSeconds { get; set; } = 2;

    /// <summary>
    /// Gets or sets how far (in frame widths/heights: foot points normalised to the frame) a new track may start from where
    /// a recent track ended to be linked to it (<see cref="VisitLinkGapSeconds"/>; <c>Scarlet:Retail:VisitLinkDistance</c>).
    /// 0 to 1.
    /// </summary>
    [Range(0.0, 1.0)]
    public double VisitLinkDistance { get; set; } = 0.2;

    /// <summary>Gets or sets a value indicating whether face crops are stored with detections. Off by default: only embeddings are kept.</summary>
    public bool StoreFaceCrops { get; set; }

    /// <summary>
    /// Gets or sets whether a customer's latest face attributes (gender, age, emotion) are stored with the customer, for
    /// customers with a consent record who were not auto-registered (docs/privacy.md). The default value is
    /// <see langword="false"/>: attributes are only counted in the hourly aggregates.
    /// </summary>
    public bool StoreCustomerAttributes { get; set; }

    /// <summary>Gets or sets the folder crops are written to (required when <see cref="StoreFaceCrops"/> is on).</summary>
    public string? CropDirectory { get; set; }

    /// <summary>Gets the loyalty tier rules; a tier is reached when any of its thresholds is met. Defaults: silver 500 spend or 5 visits, gold 2000 or 20, platinum 10000 or 50.</summary>
    public IList<LoyaltyTierRule> LoyaltyRules { get; } =
    [
        new() { Tier = LoyaltyStatus.Silver, MinTotalSpend = 500m, MinVisits = 5 },
        new() { Tier = LoyaltyStatus.Gold, MinTotalSpend = 2000m, MinVisits = 20 },
        new() { Tier = LoyaltyStatus.Platinum, MinTotalSpend = 10000m, MinVisits = 50 },
    ];

    /// <summary>
    /// Gets or sets how many events each event handler and sink (webhooks, the event log, the bus relay) may have waiting
    /// before its oldest waiting event is dropped (counted in <c>scarlet.retail.events.dropped</c>). The default is 10,000.
    /// </summary>
    [Range(1, 10_000_000)]
    public int EventHandlerQueueCapacity { get; set; } = ScarletEventStream.DefaultHandlerQueueCapacity;

    /// <summary>Gets or sets how many products a recommendation holds. The default is 3 (as in the seed's example).</summary>
    [Range(1, 100)]
    public int RecommendationCount { get; set; } = 3;

    /// <summary>Gets or sets the least time between two recommendations for one customer in one zone (by event time). The default is five minutes.</summary>
    public TimeSpan RecommendationCooldown { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the time zone of promotion time windows and closed-zone windows (an IANA id). The default is UTC.</summary>
    [Required]
    public string StoreTimeZone { get; set; } = "UTC";

    /// <summary>Gets the alert rules per zone.</summary>
    public IList<ZoneRule> ZoneRules { get; } = [];

    /// <summary>Gets the webhook sinks.</summary>
    public IList<WebhookOptions> Webhooks { get; } = [];

    /// <summary>Gets the time zone resolved from <see cref="StoreTimeZone"/>.</summary>
    /// <returns>The time zone.</returns>
    public TimeZoneInfo ResolveTimeZone() => TimeZoneInfo.FindSystemTimeZoneById(StoreTimeZone);
}

/// <summary>Thresholds of one loyalty tier; it is reached when any set threshold is met.</summary>
public sealed class LoyaltyTierRule
{
    /// <summary>Gets or sets the tier.</summary>
    public LoyaltyStatus Tier { get; set; }

    /// <summary>Gets or sets the total spend that reaches the tier, or <see langword="null"/>.</summary>
    public decimal? MinTotalSpend { get; set; }

    /// <summary>Gets or sets the visit count that reaches the tier, or <see langword="null"/>.</summary>
    public int? MinVisits { get; set; }
}

/// <summary>Alert rules of one zone.</summary>
public sealed class ZoneRule
{
    /// <summary>Gets or sets the zone name (as tracking reports it).</summary>
    public string Zone { get; set; } = string.Empty;

    /// <summary>Gets or sets the longest a person may stay; <see langword="null"/> for no limit.</summary>
    public TimeSpan? MaxDwell { get; set; }

    /// <summary>Gets or sets the most people at once; <see langword="null"/> for no limit.</summary>
    public int? MaxOccupancy { get; set; }

    /// <summary>Gets or sets a value indicating whether the zone is closed at all times.</summary>
    public bool IsClosed { get; set; }

    /// <summary>Gets the daily windows (store time) in which the zone is closed.</summary>
    public IList<DailyTimeWindow> ClosedWindows { get; } = [];

    /// <summary>Gets or sets the level of dwell alerts. The default is warning.</summary>
    public AlertLevel DwellLevel { get; set; } = AlertLevel.Warning;

    /// <summary>Gets or sets the level of occupancy alerts. The default is warning.</summary>
    public AlertLevel OccupancyLevel { get; set; } = AlertLevel.Warning;

    /// <summary>Gets or sets the level of closed-zone alerts. The default is critical.</summary>
    public AlertLevel ClosedLevel { get; set; } = AlertLevel.Critical;
}

/// <summary>One signed webhook sink.</summary>
public sealed class WebhookOptions
{
    /// <summary>Gets or sets the absolute http(s) URL events are POSTed to.</summary>
    public Uri? Url { get; set; }

    /// <summary>Gets or sets the shared secret of the HMAC-SHA256 signature (at least 16 characters).</summary>
    public string Secret { get; set; } = string.Empty;

    /// <summary>Gets the topics sent; empty for all (except raw recognition and tracking input, which carry per-frame volume).</summary>
    public IList<string> Topics { get; } = [];

    /// <summary>Gets or sets the tries per event, first included. The default is 5.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Gets or sets the wait before the second try; it doubles per try. The default is one second.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest wait between tries. The default is five minutes.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the timeout of one try. The default is ten seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Where the retail stores keep their records.</summary>
public enum StorageProvider
{
    /// <summary>One SQLite file (<see cref="RetailOptions.DatabasePath"/>): one host.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database (<see cref="RetailOptions.PostgresConnectionString"/>) shared by several hosts.</summary>
    Postgres,
}
