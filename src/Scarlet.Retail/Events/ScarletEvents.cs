using System.Text.Json.Serialization;
using Scarlet.Vision;

namespace Scarlet.Retail.Events;

/// <summary>Topic names. The seed's Kafka topics keep their names.</summary>
public static class ScarletTopics
{
    /// <summary>The seed topic the recommendation service consumes.</summary>
    public const string CustomerIdentified = "customer-identified-events";

    /// <summary>The seed topic the recommendation service produces.</summary>
    public const string Actions = "action-events";

    /// <summary>Recognition outcomes flowing in.</summary>
    public const string Recognition = "recognition-events";

    /// <summary>Tracking (store and zone entry/exit) events flowing in.</summary>
    public const string Tracking = "tracking-events";

    /// <summary>Promotions shown.</summary>
    public const string Promotions = "promotion-events";

    /// <summary>Visits started and completed.</summary>
    public const string Visits = "visit-events";

    /// <summary>Alerts raised and acknowledged.</summary>
    public const string Alerts = "alert-events";

    /// <summary>Customer lifecycle: registered, consent, visitor assigned, possible duplicate flagged, merged, erased.</summary>
    public const string Customers = "customer-events";

    /// <summary>Store configuration: camera zones and alert rules changed (the hosts of a cluster reload them from the store).</summary>
    public const string Configuration = "configuration-events";
}

/// <summary>Base of every event on the stream. Serialised with a <c>type</c> discriminator and snake_case names.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(RecognitionEvent), "recognition")]
[JsonDerivedType(typeof(CustomerIdentifiedEvent), "customer_identified")]
[JsonDerivedType(typeof(ActionEvent), "action")]
[JsonDerivedType(typeof(PersonEnteredStoreEvent), "store_entered")]
[JsonDerivedType(typeof(PersonExitedStoreEvent), "store_exited")]
[JsonDerivedType(typeof(ZoneEnteredEvent), "zone_entered")]
[JsonDerivedType(typeof(ZoneExitedEvent), "zone_exited")]
[JsonDerivedType(typeof(PromotionShownEvent), "promotion_shown")]
[JsonDerivedType(typeof(VisitStartedEvent), "visit_started")]
[JsonDerivedType(typeof(VisitCompletedEvent), "visit_completed")]
[JsonDerivedType(typeof(AlertRaisedEvent), "alert_raised")]
[JsonDerivedType(typeof(AlertAcknowledgedEvent), "alert_acknowledged")]
[JsonDerivedType(typeof(CustomerRegisteredEvent), "customer_registered")]
[JsonDerivedType(typeof(VisitorAssignedEvent), "visitor_assigned")]
[JsonDerivedType(typeof(CustomerErasedEvent), "customer_erased")]
[JsonDerivedType(typeof(PossibleDuplicateFlaggedEvent), "possible_duplicate_flagged")]
[JsonDerivedType(typeof(CustomersMergedEvent), "customers_merged")]
[JsonDerivedType(typeof(CameraZonesChangedEvent), "camera_zones_changed")]
[JsonDerivedType(typeof(AlertRuleChangedEvent), "alert_rule_changed")]
public abstract record ScarletEvent
{
    /// <summary>Gets the unique event id (used by receivers to reject replays).</summary>
    public string EventId { get; init; } = Guid.NewGuid().ToString("N");

    /// <summary>Gets the organisation the event belongs to.</summary>
    public required string OrganizationId { get; init; }

    /// <summary>Gets when it happened.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets the topic.</summary>
    public abstract string Topic { get; }

    /// <summary>
    /// Gets a value indicating whether another host raised the event and it arrived over the bus (scale-out,
    /// docs/scale-out.md). Work handlers (<see cref="ScarletEventStream.Handle{T}"/>, sinks) skip such events, because the
    /// host that raised one handles it; observers (<see cref="ScarletEventStream.Events"/>, dashboards, gallery replicas)
    /// see them. Not serialised.
    /// </summary>
    [JsonIgnore]
    public bool IsRemote { get; init; }

    /// <summary>
    /// Gets a value indicating whether the event was written to the outbox table in the transaction of the state change
    /// that raised it (<see cref="Storage.Sql.StagedEvents{T}"/>), so the bus bridge must not write it again. Not serialised.
    /// </summary>
    [JsonIgnore]
    internal bool InOutbox { get; init; }
}

/// <summary>
/// A face recognition outcome flowing in from the recognition layer (the face gallery). The embedding is what NEW_FACE
/// clustering uses; a crop is kept only when crops are enabled.
/// </summary>
public sealed record RecognitionEvent : ScarletEvent
{
    /// <summary>Gets the camera.</summary>
    public required string CameraId { get; init; }

    /// <summary>Gets the outcome.</summary>
    public required RecognitionStatus Status { get; init; }

    /// <summary>Gets the matched customer (MATCHED).</summary>
    public string? CustomerId { get; init; }

    /// <summary>Gets the face box.</summary>
    public BoundingBox? Box { get; init; }

    /// <summary>Gets the confidence in [0, 1].</summary>
    public float Confidence { get; init; }

    /// <summary>Gets the distance to the best match.</summary>
    public float? Distance { get; init; }

    /// <summary>Gets the L2-normalised embedding (not serialised).</summary>
    [JsonIgnore]
    public ReadOnlyMemory<float> Embedding { get; init; }

    /// <summary>Gets an encoded face crop (JPEG/PNG bytes; not serialised), stored only when crops are enabled.</summary>
    [JsonIgnore]
    public ReadOnlyMemory<byte> Crop { get; init; }

    /// <summary>Gets the store zone where the face was seen, when tracking knows it.</summary>
    public string? StoreZone { get; init; }

    /// <summary>Gets the tracked person, when tracking knows it.</summary>
    public string? PersonId { get; init; }

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.Recognition;
}

/// <summary>The seed's <c>customer-identified-events</c> message: <c>customer_id</c>, <c>confidence</c>, <c>camera_id</c>, <c>timestamp</c> (+ <c>store_zone</c>).</summary>
public sealed record CustomerIdentifiedEvent : ScarletEvent
{
    /// <summary>Gets the customer.</summary>
    public required string CustomerId { get; init; }

    /// <summary>Gets the confidence.</summary>
    public float Confidence { get; init; }

    /// <summary>Gets the camera.</summary>
    public required string CameraId { get; init; }

    /// <summary>Gets the zone the customer stands in, if known.</summary>
    public string? StoreZone { get; init; }

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.CustomerIdentified;
}

/// <summary>The seed's <c>action-events</c> message: <c>customer_id</c>, <c>store_zone</c>, <c>recommended_products</c>, <c>timestamp</c>.</summary>
public sealed record ActionEvent : ScarletEvent
{
    /// <summary>Gets the customer.</summary>
    public required string CustomerId { get; init; }

    /// <summary>Gets the zone.</summary>
    public string? StoreZone { get; init; }

    /// <summary>Gets the recommended product ids, best first.</summary>
    public required IReadOnlyList<string> RecommendedProducts { get; init; }

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.Actions;
}

/// <summary>Tracking: a person entered a store.</summary>
public sealed record PersonEnteredStoreEvent : ScarletEvent
{
    /// <summary>Gets the store.</summary>
    public required string StoreId { get; init; }

    /// <summary>Gets the tracked person.</summary>
    public required string PersonId { get; init; }

    /// <summary>Gets the customer, if identified.</summary>
    public string? CustomerId { get; init; }

    /// <summary>Gets the provisional visitor, if known.</summary>
    public string? VisitorId { get; init; }

    /// <summary>Gets the camera that saw the person, when known (a person in view of two cameras is one visit).</summary>
    public string? CameraId { get; init; }

    /// <summary>Gets where the track began: the foot point normalised to the frame (0..1), when known (links fragments of one person).</summary>
    public PointF? Position { get; init; }

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.Tracking;
}

/// <summary>Tracking: a person left a store.</summary>
public sealed record PersonExitedStoreEvent : ScarletEvent
{
    /// <summary>Gets the store.</summary>
    public required string StoreId { get; init; }

    /// <summary>Gets the tracked person.</summary>
    public required string PersonId { get; init; }

    /// <summary>Gets the customer, if identified during the visit.</summary>
    public string? CustomerId { get; init; }

    /// <summary>Gets the camera the person left, when known.</summary>
    public string? CameraId { get; init; }

    /// <summary>Gets where the person was last seen: the foot point normalised to the frame (0..1), when known.</summary>
    public PointF? Position { get; init; }

    /// <summary>Gets when the person was last seen, when known (the event comes when the tracker gives the track up, up to its lost-track buffer later).</summary>
    public DateTimeOffset? LastSeenAt { get; init; }

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.Tracking;
}

/// <summary>Tracking: a person entered a zone.</summary>
public sealed record ZoneEnteredEvent : ScarletEvent
{
    /// <summary>Gets the zone.</summary>
    public required string Zone { get; init; }

    /// <summary>Gets the tracked person.</summary>
    public required string PersonId { get; init; }

    /// <summary>Gets the customer, if identified.</summary>
    public string? CustomerId { get; init; }

    /// <summary>Gets the camera that saw it, when known (dwell per zone per camera).</summary>
    public string? CameraId { get; init; }

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.Tracking;
}

/// <summary>Tracking: a person left a zone.</summary>
public sealed record ZoneExitedEvent : ScarletEvent
{
    /// <summary>Gets the zone.</summary>
    public required string Zone { get; init; }

    /// <summary>Gets the tracked person.</summary>
    public required string PersonId { get; init; }

    /// <summary>Gets the camera that saw it, when known (dwell per zone per camera).</summary>
    public string? CameraId { get; init; }

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.Tracking;
}

/// <summary>A promotion was shown to a customer.</summary>
public sealed record PromotionShownEvent : ScarletEvent
{
    /// <summary>Gets the promotion.</summary>
    public required string PromotionId { get; init; }

    /// <summary>Gets the title.</summary>
    public required string Title { get; init; }

    /// <summary>Gets the customer.</summary>
    public required string CustomerId { get; init; }

    /// <summary>Gets the zone.</summary>
    public string? StoreZone { get; init; }

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.Promotions;
}

/// <summary>A visit started.</summary>
public sealed record VisitStartedEvent : ScarletEvent
{
    /// <summary>Gets the visit.</summary>
    public required Visit Visit { get; init; }

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.Visits;
}

/// <summary>A visit ended.</summary>
public sealed record VisitCompletedEvent : ScarletEvent
{
    /// <summary>Gets the visit.</summary>
    public required Visit Visit { get; init; }

    /// <summary>Gets the dwell in seconds.</summary>
    public double DwellSeconds => Visit.Dwell?.TotalSeconds ?? 0;

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.Visits;
}

/// <summary>An alert was raised.</summary>
public sealed record AlertRaisedEvent : ScarletEvent
{
    /// <summary>Gets the alert.</summary>
    public required Alert Alert { get; init; }

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.Alerts;
}

/// <summary>An admin acknowledged an alert.</summary>
public sealed record AlertAcknowledgedEvent : ScarletEvent
{
    /// <summary>Gets the alert.</summary>
    public required Alert Alert { get; init; }

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.Alerts;
}

/// <summary>A customer was registered (by enrolment or auto-registration).</summary>
public sealed record CustomerRegisteredEvent : ScarletEvent
{
    /// <summary>Gets the customer id.</summary>
    public required string CustomerId { get; init; }

    /// <summary>Gets the index id.</summary>
    public long VectorId { get; init; }

    /// <summary>Gets a value indicating whether it was an auto-registration.</summary>
    public bool IsAutoRegistered { get; init; }

    /// <summary>
    /// Gets the organisation's gallery change sequence this change's transaction set in the customer store (0 when not
    /// known, e.g. from an older host); a gallery that has applied every sequence up to the store's is a faithful copy.
    /// </summary>
    public long GalleryVersion { get; init; }

    /// <summary>Gets the embeddings stored with the customer, for the face index (not serialised).</summary>
    [JsonIgnore]
    public IReadOnlyList<ReadOnlyMemory<float>> Embeddings { get; init; } = [];

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.Customers;
}

/// <summary>An admin (or auto-registration) assigned a visitor cluster to a customer.</summary>
public sealed record VisitorAssignedEvent : ScarletEvent
{
    /// <summary>Gets the visitor.</summary>
    public required string VisitorId { get; init; }

    /// <summary>Gets the customer.</summary>
    public required string CustomerId { get; init; }

    /// <summary>Gets the customer's index id.</summary>
    public long VectorId { get; init; }

    /// <summary>
    /// Gets the organisation's gallery change sequence this change's transaction set in the customer store (0 when not
    /// known, e.g. from an older host); a gallery that has applied every sequence up to the store's is a faithful copy.
    /// </summary>
    public long GalleryVersion { get; init; }

    /// <summary>Gets the cluster centroid added to the customer's embeddings (not serialised).</summary>
    [JsonIgnore]
    public ReadOnlyMemory<float> Centroid { get; init; }

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.Customers;
}

/// <summary>
/// A customer was erased. The recognition layer hooks this to remove the customer's index entries and snapshots
/// (<see cref="VectorId"/>).
/// </summary>
public sealed record CustomerErasedEvent : ScarletEvent
{
    /// <summary>Gets the erased customer id.</summary>
    public required string CustomerId { get; init; }

    /// <summary>Gets the erased index id.</summary>
    public long VectorId { get; init; }

    /// <summary>Gets who erased (admin or <c>retention</c>).</summary>
    public required string Actor { get; init; }

    /// <summary>
    /// Gets the organisation's gallery change sequence this change's transaction set in the customer store (0 when not
    /// known, e.g. from an older host); a gallery that has applied every sequence up to the store's is a faithful copy.
    /// </summary>
    public long GalleryVersion { get; init; }

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.Customers;
}

/// <summary>
/// A customer's face resembles another customer's (a lookalike registration, between the gallery's match and duplicate
/// thresholds): the pair is stored for an admin to review (<see cref="CustomerMergeService"/>).
/// </summary>
public sealed record PossibleDuplicateFlaggedEvent : ScarletEvent
{
    /// <summary>Gets the customer registered last.</summary>
    public required string CustomerId { get; init; }

    /// <summary>Gets the customer it resembles.</summary>
    public required string ExistingCustomerId { get; init; }

    /// <summary>Gets the cosine similarity of their faces.</summary>
    public float Similarity { get; init; }

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.Customers;
}

/// <summary>
/// One customer was merged into another (<see cref="CustomerMergeService.MergeAsync"/>). The recognition layer hooks this
/// to give the kept customer's gallery identity the merged face embeddings; the merged-away customer's erasure follows as a
/// <see cref="CustomerErasedEvent"/>.
/// </summary>
public sealed record CustomersMergedEvent : ScarletEvent
{
    /// <summary>Gets the customer kept.</summary>
    public required string CustomerId { get; init; }

    /// <summary>Gets the kept customer's index id.</summary>
    public long VectorId { get; init; }

    /// <summary>Gets the customer merged away (erased).</summary>
    public required string MergedCustomerId { get; init; }

    /// <summary>Gets the merged-away customer's index id.</summary>
    public long MergedVectorId { get; init; }

    /// <summary>Gets who merged.</summary>
    public required string Actor { get; init; }

    /// <summary>
    /// Gets the organisation's gallery change sequence this change's transaction set in the customer store (0 when not
    /// known, e.g. from an older host); a gallery that has applied every sequence up to the store's is a faithful copy.
    /// </summary>
    public long GalleryVersion { get; init; }

    /// <summary>Gets the kept customer's face embeddings after the merge, oldest first (not serialised).</summary>
    [JsonIgnore]
    public IReadOnlyList<ReadOnlyMemory<float>> Embeddings { get; init; } = [];

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.Customers;
}

/// <summary>
/// A camera's zones were replaced. The event names the camera only: another host of a cluster reads the zones from the
/// shared store (<see cref="Storage.IZoneStore"/>), so a late or repeated event still leaves it with the latest zones.
/// </summary>
public sealed record CameraZonesChangedEvent : ScarletEvent
{
    /// <summary>Gets the camera.</summary>
    public required string CameraId { get; init; }

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.Configuration;
}

/// <summary>
/// An alert rule was created, replaced or deleted. Another host of a cluster reads the rule from the shared store
/// (<see cref="Storage.IAlertRuleStore"/>): a rule no longer there is gone.
/// </summary>
public sealed record AlertRuleChangedEvent : ScarletEvent
{
    /// <summary>Gets the rule id.</summary>
    public required string RuleId { get; init; }

    /// <summary>Gets a value indicating whether the rule was deleted.</summary>
    public bool Deleted { get; init; }

    /// <inheritdoc/>
    public override string Topic => ScarletTopics.Configuration;
}
