using Scarlet.Vision;

namespace Scarlet.Retail;

/// <summary>One recorded face recognition (a detection event of the facial-recognition API).</summary>
public sealed record DetectionRecord
{
    /// <summary>Gets the row id (assigned by the store).</summary>
    public long Id { get; init; }

    /// <summary>Gets the organisation.</summary>
    public required string OrganizationId { get; init; }

    /// <summary>Gets the camera.</summary>
    public required string CameraId { get; init; }

    /// <summary>Gets the outcome.</summary>
    public RecognitionStatus Status { get; init; }

    /// <summary>Gets the face box, if known.</summary>
    public BoundingBox? Box { get; init; }

    /// <summary>Gets the match confidence in [0, 1].</summary>
    public float Confidence { get; init; }

    /// <summary>Gets the embedding distance to the best match, if any.</summary>
    public float? Distance { get; init; }

    /// <summary>Gets the customer, when identified.</summary>
    public string? CustomerId { get; init; }

    /// <summary>Gets the provisional visitor, for unmatched faces.</summary>
    public string? VisitorId { get; init; }

    /// <summary>Gets the stored face crop path, when crops are kept (off by default).</summary>
    public string? CropPath { get; init; }

    /// <summary>Gets when the face was seen.</summary>
    public DateTimeOffset Timestamp { get; init; }
}

/// <summary>Filter and page of a detection query; every field but the organisation is optional.</summary>
public sealed record DetectionQuery
{
    /// <summary>Gets the organisation (required: queries never cross organisations).</summary>
    public required string OrganizationId { get; init; }

    /// <summary>Gets the camera filter.</summary>
    public string? CameraId { get; init; }

    /// <summary>Gets the customer filter.</summary>
    public string? CustomerId { get; init; }

    /// <summary>Gets the status filter.</summary>
    public RecognitionStatus? Status { get; init; }

    /// <summary>Gets the inclusive start.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Gets the exclusive end.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Gets the page size (1..1000, default 100).</summary>
    public int Limit { get; init; } = 100;

    /// <summary>Gets the number of rows to skip.</summary>
    public int Offset { get; init; }
}

/// <summary>A filter and page over the audit trail (<see cref="Storage.IEventStore.QueryAuditAsync"/>).</summary>
public sealed record AuditQuery
{
    /// <summary>Gets the organisation (required: queries never cross organisations).</summary>
    public required string OrganizationId { get; init; }

    /// <summary>Gets the subject filter (a customer id).</summary>
    public string? Subject { get; init; }

    /// <summary>Gets the actor filter (a user name or key id).</summary>
    public string? Actor { get; init; }

    /// <summary>Gets the inclusive start.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Gets the exclusive end.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Gets the page size (1..1000, default 100).</summary>
    public int Limit { get; init; } = 100;

    /// <summary>Gets the number of rows to skip.</summary>
    public int Offset { get; init; }
}

/// <summary>A page of results and the total matching count.</summary>
/// <typeparam name="T">Item type.</typeparam>
/// <param name="Items">The page.</param>
/// <param name="Total">All matching rows.</param>
public sealed record Page<T>(IReadOnlyList<T> Items, int Total);

/// <summary>A visit of one person to one store, from entry to exit.</summary>
public sealed record Visit
{
    /// <summary>Gets the visit id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the organisation.</summary>
    public required string OrganizationId { get; init; }

    /// <summary>Gets the store.</summary>
    public required string StoreId { get; init; }

    /// <summary>Gets the first tracked person of the visit (global person id from tracking; <c>sighting-…</c> for a visit seen only by an identification).</summary>
    public required string PersonId { get; init; }

    /// <summary>Gets the identified customer, if any.</summary>
    public string? CustomerId { get; init; }

    /// <summary>Gets the provisional visitor, if any: a face cluster, else the person id of the cross-camera global id.</summary>
    public string? VisitorId { get; init; }

    /// <summary>Gets the entry time (first sighting).</summary>
    public DateTimeOffset EntryAt { get; init; }

    /// <summary>Gets the last sighting, or <see langword="null"/> while the person is in view of a camera.</summary>
    public DateTimeOffset? ExitAt { get; init; }

    /// <summary>Gets a value indicating whether the customer or visitor had visited this store before.</summary>
    public bool IsReturning { get; init; }

    /// <summary>Gets the dwell (exit minus entry), or <see langword="null"/> while inside.</summary>
    public TimeSpan? Dwell => ExitAt - EntryAt;
}

/// <summary>One bucket of visit statistics.</summary>
/// <param name="PeriodStart">Bucket start (UTC).</param>
/// <param name="Visits">Visits that started in the bucket.</param>
/// <param name="UniqueVisitors">Distinct persons (customer, else visitor, else track) among them.</param>
/// <param name="ReturningVisits">Visits by someone seen before.</param>
/// <param name="AverageDwellSeconds">Mean dwell of the completed ones, 0 when none.</param>
public sealed record VisitStatisticsBucket(DateTimeOffset PeriodStart, int Visits, int UniqueVisitors, int ReturningVisits, double AverageDwellSeconds);

/// <summary>Visits over a whole period (<see cref="Storage.IVisitStore.GetSummaryAsync"/>).</summary>
/// <param name="Visits">Visits that started in the period.</param>
/// <param name="UniqueVisitors">Distinct visitors among them (customer, else provisional visitor, else person).</param>
/// <param name="ReturningVisitors">Distinct visitors among them who had visited the store before.</param>
/// <param name="NewVisitors">Distinct visitors among them with a first visit in the period.</param>
/// <param name="IdentifiedVisits">Visits attributed to a customer.</param>
/// <param name="AverageDwellSeconds">Mean dwell of the visits with a last sighting, 0 when none.</param>
public sealed record VisitSummary(int Visits, int UniqueVisitors, int ReturningVisitors, int NewVisitors, int IdentifiedVisits, double AverageDwellSeconds);

/// <summary>One stay of a person in a zone, from entering it to leaving it.</summary>
/// <param name="OrganizationId">Organisation.</param>
/// <param name="Zone">Zone name.</param>
/// <param name="PersonId">Tracked person.</param>
/// <param name="VisitId">The visit it belongs to, when known.</param>
/// <param name="EnteredAt">Entry into the zone.</param>
/// <param name="ExitedAt">Exit from the zone.</param>
public sealed record ZoneStay(string OrganizationId, string Zone, string PersonId, string? VisitId, DateTimeOffset EnteredAt, DateTimeOffset ExitedAt)
{
    /// <summary>Gets the camera that saw the stay, when known.</summary>
    public string? CameraId { get; init; }
}

/// <summary>Dwell in one zone over a period (stays that began in it).</summary>
/// <param name="Zone">Zone name.</param>
/// <param name="Stays">Stays in the zone.</param>
/// <param name="Visits">Distinct visits among them (one person going in and out of the zone in one visit counts once).</param>
/// <param name="TotalDwellSeconds">Summed dwell.</param>
/// <param name="AverageDwellSeconds">Mean dwell per stay.</param>
/// <param name="MaxDwellSeconds">Longest stay.</param>
public sealed record ZoneDwell(string Zone, int Stays, int Visits, double TotalDwellSeconds, double AverageDwellSeconds, double MaxDwellSeconds)
{
    /// <summary>Gets the camera, when the dwell is grouped by camera (stays of no known camera: <see langword="null"/>); otherwise <see langword="null"/>.</summary>
    public string? CameraId { get; init; }
}

/// <summary>People in the store during one interval of a day (<see cref="VisitAnalytics.GetOccupancyAsync"/>).</summary>
/// <param name="PeriodStart">Interval start (UTC).</param>
/// <param name="Average">Mean number of people present over the interval (person-seconds / interval seconds).</param>
/// <param name="Peak">Most people present at once during the interval.</param>
public sealed record OccupancyPoint(DateTimeOffset PeriodStart, double Average, int Peak);

/// <summary>An alert raised by a rule.</summary>
public sealed record Alert
{
    /// <summary>Gets the alert id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the organisation.</summary>
    public required string OrganizationId { get; init; }

    /// <summary>Gets the level.</summary>
    public AlertLevel Level { get; init; }

    /// <summary>Gets the rule kind.</summary>
    public AlertKind Kind { get; init; }

    /// <summary>Gets the zone.</summary>
    public string Zone { get; init; } = string.Empty;

    /// <summary>Gets the camera, when a camera rule raised it.</summary>
    public string? CameraId { get; init; }

    /// <summary>Gets the <see cref="AlertRule"/> that raised it, when one did.</summary>
    public string? RuleId { get; init; }

    /// <summary>Gets the person concerned, when one is.</summary>
    public string? PersonId { get; init; }

    /// <summary>Gets the message.</summary>
    public string Message { get; init; } = string.Empty;

    /// <summary>Gets when it was raised.</summary>
    public DateTimeOffset RaisedAt { get; init; }

    /// <summary>Gets the admin who acknowledged it.</summary>
    public string? AcknowledgedBy { get; init; }

    /// <summary>Gets when it was acknowledged.</summary>
    public DateTimeOffset? AcknowledgedAt { get; init; }
}

/// <summary>A filter and page over alerts (<see cref="Storage.IAlertStore.QueryAsync"/>); every field but the organisation is optional.</summary>
public sealed record AlertQuery
{
    /// <summary>Gets the organisation (required: queries never cross organisations).</summary>
    public required string OrganizationId { get; init; }

    /// <summary>Gets the level filter.</summary>
    public AlertLevel? Level { get; init; }

    /// <summary>Gets the camera filter.</summary>
    public string? CameraId { get; init; }

    /// <summary>Gets the acknowledged filter: true only acknowledged, false only open.</summary>
    public bool? Acknowledged { get; init; }

    /// <summary>Gets the inclusive start (raise time).</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Gets the exclusive end (raise time).</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Gets the page size (1..1000, default 100).</summary>
    public int Limit { get; init; } = 100;

    /// <summary>Gets the number of rows to skip.</summary>
    public int Offset { get; init; }
}

/// <summary>One entry of the event log the admin dashboard shows.</summary>
/// <param name="Id">Row id.</param>
/// <param name="OrganizationId">Organisation.</param>
/// <param name="Timestamp">When.</param>
/// <param name="Level">Level: <c>info</c>, <c>warning</c>, <c>error</c>.</param>
/// <param name="Type">Event type / topic.</param>
/// <param name="Message">Human-readable text (ids, never names or faces).</param>
/// <param name="CustomerId">The customer the entry is about, so erasure can redact it.</param>
public sealed record LogEntry(long Id, string OrganizationId, DateTimeOffset Timestamp, string Level, string Type, string Message, string? CustomerId = null);

/// <summary>An event a sink failed to deliver after its last try.</summary>
/// <param name="Id">Row id.</param>
/// <param name="OrganizationId">Organisation.</param>
/// <param name="Sink">Sink name (e.g. the webhook URL).</param>
/// <param name="EventId">The event id.</param>
/// <param name="Topic">Topic.</param>
/// <param name="Payload">The JSON body that was sent.</param>
/// <param name="Attempts">Tries made.</param>
/// <param name="LastError">The last error.</param>
/// <param name="FailedAt">When the last try failed.</param>
public sealed record DeadLetter(long Id, string OrganizationId, string Sink, string EventId, string Topic, string Payload, int Attempts, string LastError, DateTimeOffset FailedAt);

/// <summary>A recorded promotion impression (for frequency caps and analytics).</summary>
/// <param name="PromotionId">Promotion.</param>
/// <param name="CustomerId">Customer.</param>
/// <param name="Zone">Zone where shown.</param>
/// <param name="ShownAt">When.</param>
public sealed record PromotionImpression(string PromotionId, string CustomerId, string? Zone, DateTimeOffset ShownAt);
