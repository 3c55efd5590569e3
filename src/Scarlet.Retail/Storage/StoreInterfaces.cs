namespace Scarlet.Retail.Storage;

/// <summary>Organisations (tenants). Every other record belongs to exactly one.</summary>
public interface IOrganizationStore
{
    /// <summary>Creates the organisation if it does not exist yet (idempotent).</summary>
    /// <param name="id">Organisation id.</param>
    /// <param name="name">Display name.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task EnsureAsync(string id, string name, CancellationToken cancellationToken = default);

    /// <summary>Lists organisation ids (for system jobs such as the retention sweep, which then run per organisation).</summary>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Ids, ordered.</returns>
    Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default);
}

/// <summary>Customers, their embeddings (float32) and purchases. Every query is scoped to one organisation.</summary>
public interface ICustomerStore
{
    /// <summary>Adds a customer with its embeddings in one transaction; the store assigns <see cref="Customer.VectorId"/>.</summary>
    /// <param name="customer">The customer.</param>
    /// <param name="embeddings">Face embeddings (may be empty).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The stored customer.</returns>
    /// <exception cref="DuplicateEntityException">Id or e-mail already taken in the organisation.</exception>
    Task<Customer> AddAsync(Customer customer, IReadOnlyList<ReadOnlyMemory<float>> embeddings, CancellationToken cancellationToken = default);

    /// <summary>Gets a customer by id.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer id.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The customer or <see langword="null"/>.</returns>
    Task<Customer?> GetAsync(string organizationId, string customerId, CancellationToken cancellationToken = default);

    /// <summary>Gets a customer by index id.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="vectorId">Index id.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The customer or <see langword="null"/>.</returns>
    Task<Customer?> GetByVectorIdAsync(string organizationId, long vectorId, CancellationToken cancellationToken = default);

    /// <summary>Lists customers, oldest first.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="limit">Page size.</param>
    /// <param name="offset">Rows to skip.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A page.</returns>
    Task<Page<Customer>> ListAsync(string organizationId, int limit, int offset, CancellationToken cancellationToken = default);

    /// <summary>Updates the mutable fields (name, e-mail, tier, consent, expiry, auto-registered flag).</summary>
    /// <param name="customer">The customer.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    /// <exception cref="RetailNotFoundException">No such customer in the organisation.</exception>
    Task UpdateAsync(Customer customer, CancellationToken cancellationToken = default);

    /// <summary>Adds one embedding to a customer.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="embedding">Embedding.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task AddEmbeddingAsync(string organizationId, string customerId, ReadOnlyMemory<float> embedding, CancellationToken cancellationToken = default);

    /// <summary>Gets a customer's embeddings.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Embeddings, oldest first.</returns>
    Task<IReadOnlyList<StoredEmbedding>> GetEmbeddingsAsync(string organizationId, string customerId, CancellationToken cancellationToken = default);

    /// <summary>All embeddings of an organisation: what a face index is rebuilt from.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Embeddings.</returns>
    Task<IReadOnlyList<StoredEmbedding>> ListEmbeddingsAsync(string organizationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The organisation's gallery change sequence: raised by one in the transaction of every change to its embeddings
    /// (<see cref="AddAsync"/>, <see cref="AddEmbeddingAsync"/>, <see cref="MergeAsync"/>, <see cref="EraseAsync"/>), so a
    /// gallery snapshot taken at a sequence stands in for the store only while this still returns it.
    /// </summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The sequence (0 before the organisation's first change).</returns>
    Task<long> GetGalleryVersionAsync(string organizationId, CancellationToken cancellationToken = default);

    /// <summary>Adds a purchase and the amount to the customer's total spend, in one transaction.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="purchase">Purchase.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The updated customer.</returns>
    Task<Customer> AddPurchaseAsync(string organizationId, Purchase purchase, CancellationToken cancellationToken = default);

    /// <summary>Adds an order's purchases (all of one customer) and their amounts to its total spend, in one transaction: all or none.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">The customer of every purchase.</param>
    /// <param name="purchases">Purchases (at least one).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The updated customer.</returns>
    /// <exception cref="RetailNotFoundException">Unknown customer or product (nothing is stored).</exception>
    Task<Customer> AddPurchasesAsync(string organizationId, string customerId, IReadOnlyList<Purchase> purchases, CancellationToken cancellationToken = default);

    /// <summary>Gets a customer's purchases, newest first.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Purchases.</returns>
    Task<IReadOnlyList<Purchase>> GetPurchasesAsync(string organizationId, string customerId, CancellationToken cancellationToken = default);

    /// <summary>Adds one to the customer's visit count.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The updated customer.</returns>
    Task<Customer> IncrementVisitsAsync(string organizationId, string customerId, CancellationToken cancellationToken = default);

    /// <summary>Auto-registered customers without consent whose expiry has passed.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="now">Now.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Expired customers.</returns>
    Task<IReadOnlyList<Customer>> ListExpiredAsync(string organizationId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Erases a customer in one transaction: the record, embeddings, purchases, assigned visitor clusters; clears the
    /// customer and crop fields of past detections, visits, impressions and logs; appends an audit record.
    /// </summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="actor">Who erased (admin user or <c>retention</c>).</param>
    /// <param name="at">When.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>What was removed, or <see langword="null"/> when there was no such customer.</returns>
    Task<ErasureResult?> EraseAsync(string organizationId, string customerId, string actor, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// Merges customer <paramref name="fromCustomerId"/> into <paramref name="intoCustomerId"/> in one transaction: reads
    /// both customers and their embeddings, asks <paramref name="plan"/> for the kept customer's fields and embeddings,
    /// moves purchases, visits, detections, impressions, visitor clusters and log entries to the kept customer, moves
    /// possible-duplicate pairs of the merged-away customer onto it (a pair of the two is dropped), erases the merged-away
    /// customer as <see cref="EraseAsync"/> does (with its audit record), stores the plan, and appends a
    /// <c>customer.merged</c> audit record. Nothing changes when any step fails.
    /// </summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="fromCustomerId">The customer merged away.</param>
    /// <param name="intoCustomerId">The customer kept.</param>
    /// <param name="plan">The merge policy; called once, inside the transaction, and must not call the store.</param>
    /// <param name="actor">Who merged.</param>
    /// <param name="at">When.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>What was merged.</returns>
    /// <exception cref="RetailNotFoundException">Either customer is not in the organisation.</exception>
    /// <exception cref="ArgumentException">Both ids are the same, or the plan names another customer.</exception>
    Task<CustomerMergeResult> MergeAsync(string organizationId, string fromCustomerId, string intoCustomerId, Func<CustomerMergeInput, CustomerMergePlan> plan, string actor, DateTimeOffset at, CancellationToken cancellationToken = default);
}

/// <summary>
/// Possible duplicate customers (<see cref="PossibleDuplicate"/>) awaiting review. A pair lives only as long as both of its
/// customers: erasing either (<see cref="ICustomerStore.EraseAsync"/>) removes it, and a merge
/// (<see cref="ICustomerStore.MergeAsync"/>) moves the merged-away customer's pairs onto the kept one.
/// </summary>
public interface IPossibleDuplicateStore
{
    /// <summary>Flags a pair; flagging it again keeps the higher similarity and the later time.</summary>
    /// <param name="pair">The pair.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    /// <exception cref="RetailNotFoundException">Either customer is not in the pair's organisation.</exception>
    /// <exception cref="ArgumentException">Both ids are the same.</exception>
    Task AddAsync(PossibleDuplicate pair, CancellationToken cancellationToken = default);

    /// <summary>The flagged pairs of an organisation, most recently flagged first.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Pairs.</returns>
    Task<IReadOnlyList<PossibleDuplicate>> ListAsync(string organizationId, CancellationToken cancellationToken = default);
}

/// <summary>The product catalogue and the zones products are displayed in.</summary>
public interface ICatalogStore
{
    /// <summary>Inserts or replaces a product and its zones.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="product">Product.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task UpsertProductAsync(string organizationId, Product product, CancellationToken cancellationToken = default);

    /// <summary>Gets a product.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="productId">Product.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The product or <see langword="null"/>.</returns>
    Task<Product?> GetProductAsync(string organizationId, string productId, CancellationToken cancellationToken = default);

    /// <summary>Products displayed in a zone, ordered by id.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="zone">Zone.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Products.</returns>
    Task<IReadOnlyList<Product>> ListProductsInZoneAsync(string organizationId, string zone, CancellationToken cancellationToken = default);
}

/// <summary>Provisional visitor clusters of unmatched faces.</summary>
public interface IVisitorStore
{
    /// <summary>Inserts or replaces a cluster.</summary>
    /// <param name="visitor">Cluster.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task UpsertAsync(VisitorCluster visitor, CancellationToken cancellationToken = default);

    /// <summary>Gets a cluster.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="visitorId">Visitor.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The cluster or <see langword="null"/>.</returns>
    Task<VisitorCluster?> GetAsync(string organizationId, string visitorId, CancellationToken cancellationToken = default);

    /// <summary>All clusters of an organisation.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Clusters, oldest first.</returns>
    Task<IReadOnlyList<VisitorCluster>> ListAsync(string organizationId, CancellationToken cancellationToken = default);

    /// <summary>Deletes unassigned clusters last seen before a time (retention), and clears their id and crops from detections and visits.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="lastSeenBefore">Cut-off.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Ids deleted and the crop files their detections referenced (the caller deletes the files).</returns>
    Task<VisitorPurgeResult> DeleteStaleAsync(string organizationId, DateTimeOffset lastSeenBefore, CancellationToken cancellationToken = default);
}

/// <summary>Promotions and their impressions.</summary>
public interface IPromotionStore
{
    /// <summary>Adds a promotion.</summary>
    /// <param name="promotion">Promotion.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task AddAsync(Promotion promotion, CancellationToken cancellationToken = default);

    /// <summary>Gets a promotion.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="promotionId">Promotion.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The promotion or <see langword="null"/>.</returns>
    Task<Promotion?> GetAsync(string organizationId, string promotionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces a promotion's editable fields (everything but its id, organisation and creation time).
    /// </summary>
    /// <param name="promotion">The promotion as it is to be.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Whether it existed (in its organisation).</returns>
    Task<bool> UpdateAsync(Promotion promotion, CancellationToken cancellationToken = default);

    /// <summary>An organisation's promotions filtered and paged, priority descending, then oldest first.</summary>
    /// <param name="query">Filters and page.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The page and the total matching.</returns>
    Task<Page<Promotion>> ListAsync(PromotionQuery query, CancellationToken cancellationToken = default);

    /// <summary>Enabled promotions valid at a time (<c>ValidFrom &lt;= at &lt; ValidTo</c>), priority descending.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="at">Time.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Promotions.</returns>
    Task<IReadOnlyList<Promotion>> ListValidAsync(string organizationId, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Deletes a promotion.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="promotionId">Promotion.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Whether it existed.</returns>
    Task<bool> DeleteAsync(string organizationId, string promotionId, CancellationToken cancellationToken = default);

    /// <summary>Records that a promotion was shown to a customer.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="impression">Impression.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task RecordImpressionAsync(string organizationId, PromotionImpression impression, CancellationToken cancellationToken = default);

    /// <summary>Counts impressions of a promotion to a customer since a time.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="promotionId">Promotion.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="since">Inclusive start.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Count.</returns>
    Task<int> CountImpressionsAsync(string organizationId, string promotionId, string customerId, DateTimeOffset since, CancellationToken cancellationToken = default);
}

/// <summary>Store visits.</summary>
public interface IVisitStore
{
    /// <summary>Adds an open visit.</summary>
    /// <param name="visit">Visit.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task AddAsync(Visit visit, CancellationToken cancellationToken = default);

    /// <summary>The open visit of a person in a store, if any.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="storeId">Store.</param>
    /// <param name="personId">Tracked person.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The visit or <see langword="null"/>.</returns>
    Task<Visit?> GetOpenAsync(string organizationId, string storeId, string personId, CancellationToken cancellationToken = default);

    /// <summary>Closes a visit.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="visitId">Visit.</param>
    /// <param name="exitAt">Exit time.</param>
    /// <param name="customerId">Customer identified during the visit, if any (kept when already set).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The closed visit.</returns>
    Task<Visit> CloseAsync(string organizationId, string visitId, DateTimeOffset exitAt, string? customerId, CancellationToken cancellationToken = default);

    /// <summary>Whether a customer or visitor visited the store before a time.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="storeId">Store.</param>
    /// <param name="customerId">Customer (checked when not null).</param>
    /// <param name="visitorId">Visitor (checked when not null).</param>
    /// <param name="before">Exclusive end.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns><see langword="true"/> when seen before.</returns>
    Task<bool> HasVisitedBeforeAsync(string organizationId, string storeId, string? customerId, string? visitorId, DateTimeOffset before, CancellationToken cancellationToken = default);

    /// <summary>Number of open visits (persons in the store now).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="storeId">Store, or <see langword="null"/> for all stores.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Count.</returns>
    Task<int> CountOpenAsync(string organizationId, string? storeId, CancellationToken cancellationToken = default);

    /// <summary>Visits of a customer, newest first.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Visits.</returns>
    Task<IReadOnlyList<Visit>> ListForCustomerAsync(string organizationId, string customerId, CancellationToken cancellationToken = default);

    /// <summary>Visit statistics bucketed by entry time, in UTC, over <c>[from, to)</c>.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="storeId">Store, or <see langword="null"/> for all.</param>
    /// <param name="from">Start.</param>
    /// <param name="to">End.</param>
    /// <param name="granularity">Bucket size.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Non-empty buckets, oldest first.</returns>
    Task<IReadOnlyList<VisitStatisticsBucket>> GetStatisticsAsync(string organizationId, string? storeId, DateTimeOffset from, DateTimeOffset to, StatisticsGranularity granularity, CancellationToken cancellationToken = default);

    /// <summary>The latest visit (by entry) of a customer, else of a provisional visitor.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="storeId">Store, or <see langword="null"/> for any.</param>
    /// <param name="customerId">Customer (looked up when not null).</param>
    /// <param name="visitorId">Visitor (looked up when <paramref name="customerId"/> is null).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The visit or <see langword="null"/>.</returns>
    Task<Visit?> GetLatestAsync(string organizationId, string? storeId, string? customerId, string? visitorId, CancellationToken cancellationToken = default);

    /// <summary>Writes a visit's entry, exit, customer, visitor and returning flag.</summary>
    /// <param name="visit">Visit (found by organisation and id).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    /// <exception cref="RetailNotFoundException">No such visit.</exception>
    Task UpdateAsync(Visit visit, CancellationToken cancellationToken = default);

    /// <summary>Deletes a visit (a provisional one merged into its customer's) and points its zone stays at another.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="visitId">Visit to delete.</param>
    /// <param name="mergedIntoVisitId">The visit its zone stays now belong to.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns><see langword="true"/> when it existed.</returns>
    Task<bool> DeleteAsync(string organizationId, string visitId, string mergedIntoVisitId, CancellationToken cancellationToken = default);

    /// <summary>Visits present at some time in <c>[from, to)</c> (entered before <paramref name="to"/>, last seen at or after <paramref name="from"/> or still in view), oldest first.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="storeId">Store, or <see langword="null"/> for all.</param>
    /// <param name="from">Start.</param>
    /// <param name="to">End (exclusive).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Visits.</returns>
    Task<IReadOnlyList<Visit>> ListOverlappingAsync(string organizationId, string? storeId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>Visits that started in <c>[from, to)</c>, summed: unique, returning and new visitors, mean dwell.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="storeId">Store, or <see langword="null"/> for all.</param>
    /// <param name="from">Start.</param>
    /// <param name="to">End (exclusive).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The summary.</returns>
    Task<VisitSummary> GetSummaryAsync(string organizationId, string? storeId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>Records a stay in a zone.</summary>
    /// <param name="stay">Stay.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task AddZoneStayAsync(ZoneStay stay, CancellationToken cancellationToken = default);

    /// <summary>Dwell per zone of the stays that began in <c>[from, to)</c>, by zone name (and camera).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="from">Start.</param>
    /// <param name="to">End (exclusive).</param>
    /// <param name="cameraId">Only the stays seen by this camera, or <see langword="null"/> for all.</param>
    /// <param name="byCamera">One row per zone and camera instead of per zone.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>One row per zone (and camera) with stays.</returns>
    Task<IReadOnlyList<ZoneDwell>> GetZoneDwellAsync(string organizationId, DateTimeOffset from, DateTimeOffset to, string? cameraId = null, bool byCamera = false, CancellationToken cancellationToken = default);
}

/// <summary>Detection events, the admin event log, dead letters and the audit trail.</summary>
public interface IEventStore
{
    /// <summary>Adds a detection record.</summary>
    /// <param name="record">Record.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The row id.</returns>
    Task<long> AddDetectionAsync(DetectionRecord record, CancellationToken cancellationToken = default);

    /// <summary>Queries detections, newest first.</summary>
    /// <param name="query">Filter and page.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A page.</returns>
    Task<Page<DetectionRecord>> QueryDetectionsAsync(DetectionQuery query, CancellationToken cancellationToken = default);

    /// <summary>Sets the customer of every detection of a visitor (after an admin assignment).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="visitorId">Visitor.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Rows changed.</returns>
    Task<int> AssignVisitorAsync(string organizationId, string visitorId, string customerId, CancellationToken cancellationToken = default);

    /// <summary>Appends a log entry (its id is ignored).</summary>
    /// <param name="entry">Entry.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task AppendLogAsync(LogEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Most recent log entries, newest first.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="limit">Count.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Entries.</returns>
    Task<IReadOnlyList<LogEntry>> GetLogsAsync(string organizationId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Number of log entries of an organisation (without reading them).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The count.</returns>
    Task<long> CountLogsAsync(string organizationId, CancellationToken cancellationToken = default);

    /// <summary>Records an undeliverable event (its id is ignored).</summary>
    /// <param name="deadLetter">The dead letter.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task AddDeadLetterAsync(DeadLetter deadLetter, CancellationToken cancellationToken = default);

    /// <summary>Dead letters of an organisation, newest first.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Dead letters.</returns>
    Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(string organizationId, CancellationToken cancellationToken = default);

    /// <summary>Appends an audit record (its id is ignored).</summary>
    /// <param name="record">Record.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken = default);

    /// <summary>The audit trail of an organisation, oldest first.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Records.</returns>
    Task<IReadOnlyList<AuditRecord>> GetAuditAsync(string organizationId, CancellationToken cancellationToken = default);

    /// <summary>Queries the audit trail, newest first.</summary>
    /// <param name="query">Filter and page.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A page.</returns>
    Task<Page<AuditRecord>> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken = default);
}

/// <summary>Alerts.</summary>
public interface IAlertStore
{
    /// <summary>Adds an alert.</summary>
    /// <param name="alert">Alert.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task AddAsync(Alert alert, CancellationToken cancellationToken = default);

    /// <summary>Lists alerts, newest first.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="activeOnly">Only unacknowledged ones.</param>
    /// <param name="limit">Count.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Alerts.</returns>
    Task<IReadOnlyList<Alert>> ListAsync(string organizationId, bool activeOnly, int limit, CancellationToken cancellationToken = default);

    /// <summary>Alerts by level, camera, acknowledgement and raise time, newest first, with the total matching count.</summary>
    /// <param name="query">Filter and page.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A page.</returns>
    Task<Page<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default);

    /// <summary>Number of unacknowledged alerts.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Count.</returns>
    Task<int> CountActiveAsync(string organizationId, CancellationToken cancellationToken = default);

    /// <summary>Acknowledges an alert (idempotent: the first acknowledgement is kept).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="alertId">Alert.</param>
    /// <param name="acknowledgedBy">Admin user.</param>
    /// <param name="at">When.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The alert, or <see langword="null"/> when not found.</returns>
    Task<Alert?> AcknowledgeAsync(string organizationId, string alertId, string acknowledgedBy, DateTimeOffset at, CancellationToken cancellationToken = default);
}

/// <summary>
/// Face attribute statistics (docs/privacy.md): counts per organisation, hour, camera, zone and value (a gender, an age
/// group or an emotion), never per face; and, only for customers who consented, the latest estimate per customer,
/// deleted with the customer.
/// </summary>
public interface IAttributeStatisticsStore
{
    /// <summary>Adds <paramref name="count"/> to the counters of one observation's gender, age group and emotion (those not <see langword="null"/>).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="observation">Where and when, and the values.</param>
    /// <param name="count">How many people (1 or more).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task AddAsync(string organizationId, AttributeObservation observation, int count = 1, CancellationToken cancellationToken = default);

    /// <summary>Sums the counters of one kind over the hours starting in <c>[from, to)</c> (<paramref name="from"/> rounded down to its hour).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="kind">Gender, age group or emotion.</param>
    /// <param name="from">Start.</param>
    /// <param name="to">Exclusive end.</param>
    /// <param name="cameraId">One camera only, or <see langword="null"/> for all.</param>
    /// <param name="zone">One zone only, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The non-zero values and their counts, by value.</returns>
    Task<IReadOnlyList<AttributeCount>> CountAsync(string organizationId, AttributeKind kind, DateTimeOffset from, DateTimeOffset to, string? cameraId = null, string? zone = null, CancellationToken cancellationToken = default);

    /// <summary>Stores a consenting customer's latest attributes (the caller checks consent); replaces the previous ones.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="attributes">The customer and the values.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    /// <exception cref="RetailNotFoundException">No such customer in the organisation.</exception>
    Task SetCustomerAsync(string organizationId, CustomerAttributes attributes, CancellationToken cancellationToken = default);

    /// <summary>Gets a customer's stored attributes.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The attributes, or <see langword="null"/> when none are stored.</returns>
    Task<CustomerAttributes?> GetCustomerAsync(string organizationId, string customerId, CancellationToken cancellationToken = default);
}
