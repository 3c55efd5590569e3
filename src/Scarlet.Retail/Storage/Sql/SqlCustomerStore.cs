using System.Globalization;
using System.Data.Common;
using static Scarlet.Retail.Storage.Sql.SqlDatabase;

namespace Scarlet.Retail.Storage.Sql;

/// <summary>SQL (SQLite or PostgreSQL) <see cref="ICustomerStore"/>: embeddings as float32 BLOBs beside the customer.</summary>
/// <param name="db">The database.</param>
public sealed class SqlCustomerStore(SqlDatabase db) : ICustomerStore
{
    private const string Columns = "vector_id, id, org_id, name, email, loyalty, created_at, auto_registered, expires_at, consent_by, consent_at, consent_method, total_spend, visit_count";

    /// <inheritdoc/>
    public Task<Customer> AddAsync(Customer customer, IReadOnlyList<ReadOnlyMemory<float>> embeddings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentNullException.ThrowIfNull(embeddings);
        return db.WriteAsync(
            (conn, tx) =>
            {
                using var cmd = Command(
                    conn,
                    tx,
                    """
                    INSERT INTO customers(id, org_id, name, email, loyalty, created_at, auto_registered, expires_at, consent_by, consent_at, consent_method, total_spend, visit_count)
                    VALUES (@id, @org, @name, @email, @loyalty, @created, @auto, @expires, @cby, @cat, @cmethod, @spend, @visits) RETURNING vector_id
                    """,
                    ("@id", customer.Id),
                    ("@org", customer.OrganizationId),
                    ("@name", customer.Name),
                    ("@email", customer.Email),
                    ("@loyalty", (int)customer.LoyaltyStatus),
                    ("@created", ToUnixMs(customer.CreatedAt)),
                    ("@auto", customer.IsAutoRegistered ? 1 : 0),
                    ("@expires", Nullable(customer.ExpiresAt)),
                    ("@cby", customer.Consent?.GrantedBy),
                    ("@cat", Nullable(customer.Consent?.GrantedAt)),
                    ("@cmethod", customer.Consent?.Method),
                    ("@spend", customer.TotalSpend.ToString(CultureInfo.InvariantCulture)),
                    ("@visits", customer.VisitCount));
                var vectorId = Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
                foreach (var e in embeddings)
                {
                    InsertEmbedding(conn, tx, customer.OrganizationId, vectorId, e.Span);
                }

                GalleryChange.Bump(conn, tx, customer.OrganizationId);
                return customer with { VectorId = vectorId };
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<Customer?> GetAsync(string organizationId, string customerId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(conn => ReadOne(conn, null, $"SELECT {Columns} FROM customers WHERE org_id = @org AND id = @id", ("@org", organizationId), ("@id", customerId)), cancellationToken);

    /// <inheritdoc/>
    public Task<Customer?> GetByVectorIdAsync(string organizationId, long vectorId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(conn => ReadOne(conn, null, $"SELECT {Columns} FROM customers WHERE org_id = @org AND vector_id = @v", ("@org", organizationId), ("@v", vectorId)), cancellationToken);

    /// <inheritdoc/>
    public Task<Page<Customer>> ListAsync(string organizationId, int limit, int offset, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        return db.ReadAsync(
            conn =>
            {
                using var count = Command(conn, null, "SELECT COUNT(*) FROM customers WHERE org_id = @org", ("@org", organizationId));
                var total = Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
                var items = ReadMany(conn, null, $"SELECT {Columns} FROM customers WHERE org_id = @org ORDER BY vector_id LIMIT @l OFFSET @o", ("@org", organizationId), ("@l", limit), ("@o", offset));
                return new Page<Customer>(items, total);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task UpdateAsync(Customer customer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(customer);
        return db.WriteAsync(
            (conn, tx) =>
            {
                var n = Execute(
                    conn,
                    """
                    UPDATE customers SET name = @name, email = @email, loyalty = @loyalty, auto_registered = @auto, expires_at = @expires,
                        consent_by = @cby, consent_at = @cat, consent_method = @cmethod
                    WHERE org_id = @org AND id = @id
                    """,
                    tx,
                    ("@id", customer.Id),
                    ("@org", customer.OrganizationId),
                    ("@name", customer.Name),
                    ("@email", customer.Email),
                    ("@loyalty", (int)customer.LoyaltyStatus),
                    ("@auto", customer.IsAutoRegistered ? 1 : 0),
                    ("@expires", Nullable(customer.ExpiresAt)),
                    ("@cby", customer.Consent?.GrantedBy),
                    ("@cat", Nullable(customer.Consent?.GrantedAt)),
                    ("@cmethod", customer.Consent?.Method));
                return n == 0 ? throw new RetailNotFoundException("customer", customer.Id) : n;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task AddEmbeddingAsync(string organizationId, string customerId, ReadOnlyMemory<float> embedding, CancellationToken cancellationToken = default) =>
        db.WriteAsync(
            (conn, tx) =>
            {
                var vectorId = VectorIdOf(conn, tx, organizationId, customerId);
                InsertEmbedding(conn, tx, organizationId, vectorId, embedding.Span);
                GalleryChange.Bump(conn, tx, organizationId);
                return 0;
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<StoredEmbedding>> GetEmbeddingsAsync(string organizationId, string customerId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(
            conn => ReadEmbeddings(conn, "SELECT c.id, c.vector_id, e.vector FROM embeddings e JOIN customers c ON c.vector_id = e.customer_vector_id WHERE e.org_id = @org AND c.id = @id ORDER BY e.id", ("@org", organizationId), ("@id", customerId)),
            cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<StoredEmbedding>> ListEmbeddingsAsync(string organizationId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(
            conn => ReadEmbeddings(conn, "SELECT c.id, c.vector_id, e.vector FROM embeddings e JOIN customers c ON c.vector_id = e.customer_vector_id WHERE e.org_id = @org ORDER BY e.id", ("@org", organizationId)),
            cancellationToken);

    /// <inheritdoc/>
    public Task<long> GetGalleryVersionAsync(string organizationId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(conn => GalleryChange.Read(conn, organizationId), cancellationToken);

    /// <inheritdoc/>
    public Task<Customer> AddPurchaseAsync(string organizationId, Purchase purchase, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(purchase);
        return AddPurchasesAsync(organizationId, purchase.CustomerId, [purchase], cancellationToken);
    }

    /// <inheritdoc/>
    public Task<Customer> AddPurchasesAsync(string organizationId, string customerId, IReadOnlyList<Purchase> purchases, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        ArgumentOutOfRangeException.ThrowIfZero(purchases.Count);
        foreach (var purchase in purchases)
        {
            ArgumentNullException.ThrowIfNull(purchase);
            ArgumentOutOfRangeException.ThrowIfLessThan(purchase.Quantity, 1);
            ArgumentOutOfRangeException.ThrowIfNegative(purchase.Amount);
            if (purchase.CustomerId != customerId)
            {
                throw new ArgumentException("Every purchase of an order must be the same customer's.", nameof(purchases));
            }
        }

        return db.WriteAsync(
            (conn, tx) =>
            {
                var customer = ReadOne(conn, tx, $"SELECT {Columns} FROM customers WHERE org_id = @org AND id = @id", ("@org", organizationId), ("@id", customerId))
                    ?? throw new RetailNotFoundException("customer", customerId);
                var spend = customer.TotalSpend;
                foreach (var purchase in purchases)
                {
                    // A missing product throws inside the transaction: the lines already inserted roll back with it.
                    if (!Exists(conn, tx, "SELECT 1 FROM products WHERE org_id = @org AND id = @id", ("@org", organizationId), ("@id", purchase.ProductId)))
                    {
                        throw new RetailNotFoundException("product", purchase.ProductId);
                    }

                    Execute(
                        conn,
                        "INSERT INTO purchases(id, org_id, customer_id, product_id, quantity, amount, purchased_at) VALUES (@id, @org, @c, @p, @q, @a, @t)",
                        tx,
                        ("@id", purchase.Id),
                        ("@org", organizationId),
                        ("@c", customerId),
                        ("@p", purchase.ProductId),
                        ("@q", purchase.Quantity),
                        ("@a", purchase.Amount.ToString(CultureInfo.InvariantCulture)),
                        ("@t", ToUnixMs(purchase.PurchasedAt)));
                    spend += purchase.Amount;
                }

                Execute(conn, "UPDATE customers SET total_spend = @s WHERE vector_id = @v", tx, ("@s", spend.ToString(CultureInfo.InvariantCulture)), ("@v", customer.VectorId));
                return customer with { TotalSpend = spend };
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<Purchase>> GetPurchasesAsync(string organizationId, string customerId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<Purchase>>(
            conn =>
            {
                using var cmd = Command(conn, null, "SELECT id, customer_id, product_id, quantity, amount, purchased_at FROM purchases WHERE org_id = @org AND customer_id = @c ORDER BY purchased_at DESC, id", ("@org", organizationId), ("@c", customerId));
                using var r = cmd.ExecuteReader();
                var list = new List<Purchase>();
                while (r.Read())
                {
                    list.Add(new Purchase
                    {
                        Id = r.GetString(0),
                        CustomerId = r.GetString(1),
                        ProductId = r.GetString(2),
                        Quantity = r.GetInt32(3),
                        Amount = decimal.Parse(r.GetString(4), CultureInfo.InvariantCulture),
                        PurchasedAt = FromUnixMs(r.GetInt64(5)),
                    });
                }

                return list;
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<Customer> IncrementVisitsAsync(string organizationId, string customerId, CancellationToken cancellationToken = default) =>
        db.WriteAsync(
            (conn, tx) => ReadOne(conn, tx, $"UPDATE customers SET visit_count = visit_count + 1 WHERE org_id = @org AND id = @id RETURNING {Columns}", ("@org", organizationId), ("@id", customerId))
                ?? throw new RetailNotFoundException("customer", customerId),
            cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<Customer>> ListExpiredAsync(string organizationId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<Customer>>(
            conn => ReadMany(conn, null, $"SELECT {Columns} FROM customers WHERE org_id = @org AND expires_at IS NOT NULL AND expires_at <= @now AND consent_at IS NULL ORDER BY vector_id", ("@org", organizationId), ("@now", ToUnixMs(now))),
            cancellationToken);

    /// <inheritdoc/>
    public Task<ErasureResult?> EraseAsync(string organizationId, string customerId, string actor, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        return db.WriteAsync<ErasureResult?>(
            (conn, tx) =>
            {
                var customer = ReadOne(conn, tx, $"SELECT {Columns} FROM customers WHERE org_id = @org AND id = @id", ("@org", organizationId), ("@id", customerId));
                if (customer is null)
                {
                    return null;
                }

                GalleryChange.Bump(conn, tx, organizationId);
                return Erase(conn, tx, customer, actor, at);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<CustomerMergeResult> MergeAsync(string organizationId, string fromCustomerId, string intoCustomerId, Func<CustomerMergeInput, CustomerMergePlan> plan, string actor, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fromCustomerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(intoCustomerId);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        if (string.Equals(fromCustomerId, intoCustomerId, StringComparison.Ordinal))
        {
            throw new ArgumentException("A customer cannot be merged into itself.", nameof(intoCustomerId));
        }

        return db.WriteAsync(
            (conn, tx) =>
            {
                const string ById = $"SELECT {Columns} FROM customers WHERE org_id = @org AND id = @id";
                var from = ReadOne(conn, tx, ById, ("@org", organizationId), ("@id", fromCustomerId)) ?? throw new RetailNotFoundException("customer", fromCustomerId);
                var into = ReadOne(conn, tx, ById, ("@org", organizationId), ("@id", intoCustomerId)) ?? throw new RetailNotFoundException("customer", intoCustomerId);
                var decided = plan(new CustomerMergeInput(from, into, VectorsOf(conn, tx, from.VectorId), VectorsOf(conn, tx, into.VectorId)))
                    ?? throw new InvalidOperationException("The merge plan returned nothing.");
                if (decided.Customer.Id != into.Id || decided.Customer.OrganizationId != into.OrganizationId)
                {
                    throw new ArgumentException("The merge plan must keep the customer merged into.", nameof(plan));
                }

                // Re-point first: the erasure below then finds nothing of the merged-away customer left to anonymise.
                (string, object?)[] p = [("@org", organizationId), ("@from", fromCustomerId), ("@into", intoCustomerId)];
                var purchases = Execute(conn, "UPDATE purchases SET customer_id = @into WHERE org_id = @org AND customer_id = @from", tx, p);
                var visits = Execute(conn, "UPDATE visits SET customer_id = @into WHERE org_id = @org AND customer_id = @from", tx, p);
                var detections = Execute(conn, "UPDATE detections SET customer_id = @into WHERE org_id = @org AND customer_id = @from", tx, p);
                Execute(conn, "UPDATE impressions SET customer_id = @into WHERE org_id = @org AND customer_id = @from", tx, p);
                Execute(conn, "UPDATE visitors SET customer_id = @into WHERE org_id = @org AND customer_id = @from", tx, p);
                Execute(conn, "UPDATE logs SET customer_id = @into WHERE org_id = @org AND customer_id = @from", tx, p);

                // The merged-away face now lives in the kept customer, so its lookalikes are the kept customer's; a pair of
                // the two themselves is dropped with the erasure (cascade).
                Execute(
                    conn,
                    """
                    INSERT INTO possible_duplicates(org_id, customer_id, existing_customer_id, similarity, flagged_at)
                    SELECT org_id,
                           CASE customer_id WHEN @from THEN @into ELSE customer_id END,
                           CASE existing_customer_id WHEN @from THEN @into ELSE existing_customer_id END,
                           similarity, flagged_at
                    FROM possible_duplicates
                    WHERE org_id = @org AND (customer_id = @from OR existing_customer_id = @from) AND customer_id <> @into AND existing_customer_id <> @into
                    ON CONFLICT(org_id, customer_id, existing_customer_id) DO UPDATE SET similarity = CASE WHEN excluded.similarity > possible_duplicates.similarity THEN excluded.similarity ELSE possible_duplicates.similarity END,
                                                                                       flagged_at = CASE WHEN excluded.flagged_at > possible_duplicates.flagged_at THEN excluded.flagged_at ELSE possible_duplicates.flagged_at END
                    """,
                    tx,
                    p);

                GalleryChange.Bump(conn, tx, organizationId); // once for the merge and the erasure it includes
                var erasure = Erase(conn, tx, from, actor, at);
                Execute(conn, "DELETE FROM embeddings WHERE customer_vector_id = @v", tx, ("@v", into.VectorId));
                foreach (var e in decided.Embeddings)
                {
                    InsertEmbedding(conn, tx, organizationId, into.VectorId, e);
                }

                var kept = decided.Customer with { VectorId = into.VectorId, CreatedAt = into.CreatedAt };
                Execute(
                    conn,
                    """
                    UPDATE customers SET name = @name, email = @email, loyalty = @loyalty, auto_registered = @auto, expires_at = @expires,
                        consent_by = @cby, consent_at = @cat, consent_method = @cmethod, total_spend = @spend, visit_count = @visits
                    WHERE vector_id = @v
                    """,
                    tx,
                    ("@v", into.VectorId),
                    ("@name", kept.Name),
                    ("@email", kept.Email),
                    ("@loyalty", (int)kept.LoyaltyStatus),
                    ("@auto", kept.IsAutoRegistered ? 1 : 0),
                    ("@expires", Nullable(kept.ExpiresAt)),
                    ("@cby", kept.Consent?.GrantedBy),
                    ("@cat", Nullable(kept.Consent?.GrantedAt)),
                    ("@cmethod", kept.Consent?.Method),
                    ("@spend", kept.TotalSpend.ToString(CultureInfo.InvariantCulture)),
                    ("@visits", kept.VisitCount));
                Execute(
                    conn,
                    "INSERT INTO audit(org_id, action, subject, actor, at, detail) VALUES (@org, 'customer.merged', @into, @actor, @at, @detail)",
                    tx,
                    ("@org", organizationId),
                    ("@into", intoCustomerId),
                    ("@actor", actor),
                    ("@at", ToUnixMs(at)),
                    ("@detail", $"from={fromCustomerId}; purchases={purchases}; visits={visits}; detections={detections}; embeddings={decided.Embeddings.Count}"));
                return new CustomerMergeResult(kept, from, purchases, visits, detections, decided.Embeddings, erasure);
            },
            cancellationToken);
    }

    /// <summary>Erases a customer inside the caller's transaction (see <see cref="ICustomerStore.EraseAsync"/>).</summary>
    private static ErasureResult Erase(DbConnection conn, DbTransaction tx, Customer customer, string actor, DateTimeOffset at)
    {
        var (organizationId, customerId) = (customer.OrganizationId, customer.Id);
        (string, object?)[] p = [("@org", organizationId), ("@id", customerId)];
        var crops = Query(conn, tx, "SELECT crop_path FROM detections WHERE org_id = @org AND customer_id = @id AND crop_path IS NOT NULL", r => r.GetString(0), p);
        var embeddings = (int)Scalar(conn, tx, "SELECT COUNT(*) FROM embeddings WHERE customer_vector_id = @v", ("@v", customer.VectorId));
        var anonymised = 0;

        // Visitor clusters assigned to the customer hold a face centroid: their detections lose the visitor id too.
        anonymised += Execute(conn, "UPDATE detections SET customer_id = NULL, visitor_id = NULL, crop_path = NULL, box_x = NULL, box_y = NULL, box_w = NULL, box_h = NULL WHERE org_id = @org AND (customer_id = @id OR visitor_id IN (SELECT id FROM visitors WHERE org_id = @org AND customer_id = @id))", tx, p);
        anonymised += Execute(conn, "UPDATE visits SET customer_id = NULL, visitor_id = NULL WHERE org_id = @org AND (customer_id = @id OR visitor_id IN (SELECT id FROM visitors WHERE org_id = @org AND customer_id = @id))", tx, p);
        anonymised += Execute(conn, "UPDATE impressions SET customer_id = NULL WHERE org_id = @org AND customer_id = @id", tx, p);
        anonymised += Execute(conn, "UPDATE logs SET customer_id = NULL, message = '[erased]' WHERE org_id = @org AND customer_id = @id", tx, p);
        Execute(conn, "DELETE FROM visitors WHERE org_id = @org AND customer_id = @id", tx, p);
        Execute(conn, "DELETE FROM customers WHERE org_id = @org AND id = @id", tx, p); // cascades embeddings, purchases and possible-duplicate pairs

        // The audit trail stays (who looked the customer up, who erased them): ids only. A consent record's actor and
        // method are the caller's free text (a registration names the customer as its grantor): those go.
        Execute(conn, "UPDATE audit SET actor = '[erased]', detail = '[erased]' WHERE org_id = @org AND subject = @id AND action = 'consent.recorded'", tx, p);
        Execute(
            conn,
            "INSERT INTO audit(org_id, action, subject, actor, at, detail) VALUES (@org, 'customer.erased', @id, @actor, @at, @detail)",
            tx,
            ("@org", organizationId),
            ("@id", customerId),
            ("@actor", actor),
            ("@at", ToUnixMs(at)),
            ("@detail", $"embeddings={embeddings}; events={anonymised}; crops={crops.Count}"));
        return new ErasureResult(customerId, embeddings, anonymised, crops);
    }

    private static List<float[]> VectorsOf(DbConnection conn, DbTransaction tx, long vectorId) =>
        Query(conn, tx, "SELECT vector FROM embeddings WHERE customer_vector_id = @v ORDER BY id", r => FromBlob((byte[])r[0]), ("@v", vectorId));

    private static void InsertEmbedding(DbConnection conn, DbTransaction tx, string organizationId, long vectorId, ReadOnlySpan<float> vector)
    {
        if (vector.IsEmpty)
        {
            throw new ArgumentException("An embedding must not be empty.", nameof(vector));
        }

        Execute(conn, "INSERT INTO embeddings(customer_vector_id, org_id, dim, vector) VALUES (@v, @org, @dim, @blob)", tx, ("@v", vectorId), ("@org", organizationId), ("@dim", vector.Length), ("@blob", ToBlob(vector)));
    }

    private static long VectorIdOf(DbConnection conn, DbTransaction tx, string organizationId, string customerId)
    {
        using var cmd = Command(conn, tx, "SELECT vector_id FROM customers WHERE org_id = @org AND id = @id", ("@org", organizationId), ("@id", customerId));
        return cmd.ExecuteScalar() is long v ? v : throw new RetailNotFoundException("customer", customerId);
    }

    private static bool Exists(DbConnection conn, DbTransaction? tx, string sql, params (string, object?)[] p)
    {
        using var cmd = Command(conn, tx, sql, p);
        return cmd.ExecuteScalar() is not null;
    }

    private static IReadOnlyList<StoredEmbedding> ReadEmbeddings(DbConnection conn, string sql, params (string, object?)[] p)
    {
        using var cmd = Command(conn, null, sql, p);
        using var r = cmd.ExecuteReader();
        var list = new List<StoredEmbedding>();
        while (r.Read())
        {
            list.Add(new StoredEmbedding(r.GetString(0), r.GetInt64(1), FromBlob((byte[])r[2])));
        }

        return list;
    }

    private static Customer? ReadOne(DbConnection conn, DbTransaction? tx, string sql, params (string, object?)[] p)
    {
        var list = ReadMany(conn, tx, sql, p);
        return list.Count == 0 ? null : list[0];
    }

    private static List<Customer> ReadMany(DbConnection conn, DbTransaction? tx, string sql, params (string, object?)[] p)
    {
        using var cmd = Command(conn, tx, sql, p);
        using var r = cmd.ExecuteReader();
        var list = new List<Customer>();
        while (r.Read())
        {
            list.Add(new Customer
            {
                VectorId = r.GetInt64(0),
                Id = r.GetString(1),
                OrganizationId = r.GetString(2),
                Name = r.GetString(3),
                Email = r.IsDBNull(4) ? null : r.GetString(4),
                LoyaltyStatus = (LoyaltyStatus)r.GetInt32(5),
                CreatedAt = FromUnixMs(r.GetInt64(6)),
                IsAutoRegistered = r.GetInt32(7) != 0,
                ExpiresAt = r.IsDBNull(8) ? null : FromUnixMs(r.GetInt64(8)),
                Consent = r.IsDBNull(10) ? null : new ConsentRecord(r.GetString(9), FromUnixMs(r.GetInt64(10)), r.GetString(11)),
                TotalSpend = decimal.Parse(r.GetString(12), CultureInfo.InvariantCulture),
                VisitCount = r.GetInt32(13),
            });
        }

        return list;
    }
}
