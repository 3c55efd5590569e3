namespace Scarlet.Retail;

/// <summary>A customer of one organisation. JSON names follow the seed API (<c>id</c>, <c>loyalty_status</c>, <c>vector_id</c>, ...).</summary>
public sealed record Customer
{
    /// <summary>Gets the customer id (32 hex characters).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the owning organisation (tenant).</summary>
    public required string OrganizationId { get; init; }

    /// <summary>Gets the numeric id the face index uses for this customer (the seed's Milvus <c>vector_id</c>); assigned by the store.</summary>
    public long VectorId { get; init; }

    /// <summary>Gets the display name (may be empty for an auto-registered visitor).</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the e-mail address, if given.</summary>
    public string? Email { get; init; }

    /// <summary>Gets the loyalty tier.</summary>
    public LoyaltyStatus LoyaltyStatus { get; init; }

    /// <summary>Gets when the customer was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets a value indicating whether the customer was created from an unrecognised face.</summary>
    public bool IsAutoRegistered { get; init; }

    /// <summary>Gets when the record is erased unless consent arrives (auto-registered customers only).</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Gets the consent recorded with the enrolment, if any.</summary>
    public ConsentRecord? Consent { get; init; }

    /// <summary>Gets the total amount spent.</summary>
    public decimal TotalSpend { get; init; }

    /// <summary>Gets the number of completed store visits.</summary>
    public int VisitCount { get; init; }
}

/// <summary>Consent to process face data: who gave it, when and how.</summary>
/// <param name="GrantedBy">Who consented (the customer, or the guardian/staff member recording it).</param>
/// <param name="GrantedAt">When.</param>
/// <param name="Method">How, e.g. <c>kiosk</c>, <c>web-form</c>, <c>paper</c>.</param>
public sealed record ConsentRecord(string GrantedBy, DateTimeOffset GrantedAt, string Method);

/// <summary>One stored face embedding of a customer (float32), the source an index is rebuilt from.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="VectorId">The customer's index id.</param>
/// <param name="Vector">The embedding.</param>
public sealed record StoredEmbedding(string CustomerId, long VectorId, float[] Vector);

/// <summary>One purchase line of a customer.</summary>
public sealed record Purchase
{
    /// <summary>Gets the purchase id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the customer.</summary>
    public required string CustomerId { get; init; }

    /// <summary>Gets the product bought.</summary>
    public required string ProductId { get; init; }

    /// <summary>Gets the quantity (at least 1).</summary>
    public int Quantity { get; init; } = 1;

    /// <summary>Gets the amount paid for the line.</summary>
    public decimal Amount { get; init; }

    /// <summary>Gets when it was bought.</summary>
    public DateTimeOffset PurchasedAt { get; init; }
}

/// <summary>A product of an organisation's catalogue and the store zones it is displayed in.</summary>
public sealed record Product
{
    /// <summary>Gets the product id (the organisation's SKU).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the category, used to relate purchases to products on display.</summary>
    public string Category { get; init; } = string.Empty;

    /// <summary>Gets the zones where the product is on display.</summary>
    public IReadOnlyList<string> Zones { get; init; } = [];
}

/// <summary>A provisional visitor: one online cluster of unmatched (NEW_FACE) embeddings of one person.</summary>
public sealed record VisitorCluster
{
    /// <summary>Gets the visitor id (<c>v-</c> + 32 hex characters).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the owning organisation.</summary>
    public required string OrganizationId { get; init; }

    /// <summary>Gets the L2-normalised centroid of the cluster's embeddings.</summary>
    public required float[] Centroid { get; init; }

    /// <summary>Gets the number of embeddings merged into the cluster.</summary>
    public int Sightings { get; init; }

    /// <summary>Gets the first sighting.</summary>
    public DateTimeOffset FirstSeen { get; init; }

    /// <summary>Gets the last sighting.</summary>
    public DateTimeOffset LastSeen { get; init; }

    /// <summary>Gets the customer the cluster was assigned to (by an admin or by auto-registration).</summary>
    public string? CustomerId { get; init; }
}

/// <summary>Result of an erasure.</summary>
/// <param name="CustomerId">The erased customer.</param>
/// <param name="EmbeddingsRemoved">Embeddings deleted.</param>
/// <param name="EventsAnonymised">Detection events, visits and impressions whose personal fields were cleared.</param>
/// <param name="CropPaths">Stored face crops the events referenced; the caller deletes the files.</param>
public sealed record ErasureResult(string CustomerId, int EmbeddingsRemoved, int EventsAnonymised, IReadOnlyList<string> CropPaths);

/// <summary>
/// An audit record: who did what to whom, when, and how it ended (erasures, merges, consent changes, admin assignments,
/// and whatever a host records: face look-ups, customer reads, exports, keys, log-ins). Ids only: never a name or e-mail.
/// </summary>
/// <param name="Id">Row id.</param>
/// <param name="OrganizationId">Organisation.</param>
/// <param name="Action">What was done, e.g. <c>customer.erased</c>.</param>
/// <param name="Subject">The id acted on (a customer id where there is one), or <c>-</c>.</param>
/// <param name="Actor">Who did it (a user name, a key id such as <c>key:…</c>, <c>retention</c>).</param>
/// <param name="At">When.</param>
/// <param name="Detail">Non-personal detail.</param>
public sealed record AuditRecord(long Id, string OrganizationId, string Action, string Subject, string Actor, DateTimeOffset At, string Detail)
{
    /// <summary>The outcome of an action that succeeded.</summary>
    public const string Succeeded = "ok";

    /// <summary>Gets how it ended: <see cref="Succeeded"/>, or a short word such as <c>failed</c>, <c>not_found</c>, <c>no_match</c>.</summary>
    public string Outcome { get; init; } = Succeeded;
}

/// <summary>Result of a visitor retention purge.</summary>
/// <param name="VisitorIds">Clusters deleted.</param>
/// <param name="CropPaths">Crop files their detections referenced; the caller deletes the files.</param>
public sealed record VisitorPurgeResult(IReadOnlyList<string> VisitorIds, IReadOnlyList<string> CropPaths);
