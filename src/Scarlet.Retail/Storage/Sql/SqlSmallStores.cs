using System.Text;
using System.Text.Json;
using System.Data.Common;
using static Scarlet.Retail.Storage.Sql.SqlDatabase;

namespace Scarlet.Retail.Storage.Sql;

/// <summary>SQL (SQLite or PostgreSQL) <see cref="IOrganizationStore"/>.</summary>
/// <param name="db">The database.</param>
/// <param name="time">Clock for the creation time.</param>
public sealed class SqlOrganizationStore(SqlDatabase db, TimeProvider time) : IOrganizationStore
{
    /// <inheritdoc/>
    public Task EnsureAsync(string id, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(name);
        return db.WriteAsync((c, tx) => Execute(c, "INSERT INTO organizations(id, name, created_at) VALUES (@id, @n, @t) ON CONFLICT(id) DO NOTHING", tx, ("@id", id), ("@n", name), ("@t", ToUnixMs(time.GetUtcNow()))), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<string>>(c => Query(c, null, "SELECT id FROM organizations ORDER BY id", r => r.GetString(0)), cancellationToken);
}

/// <summary>SQL (SQLite or PostgreSQL) <see cref="ICatalogStore"/>.</summary>
/// <param name="db">The database.</param>
public sealed class SqlCatalogStore(SqlDatabase db) : ICatalogStore
{
    /// <inheritdoc/>
    public Task UpsertProductAsync(string organizationId, Product product, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(product);
        ArgumentException.ThrowIfNullOrWhiteSpace(product.Id);
        return db.WriteAsync(
            (c, tx) =>
            {
                Execute(c, "INSERT INTO products(org_id, id, name, category) VALUES (@org, @id, @n, @cat) ON CONFLICT(org_id, id) DO UPDATE SET name = excluded.name, category = excluded.category", tx, ("@org", organizationId), ("@id", product.Id), ("@n", product.Name), ("@cat", product.Category));
                Execute(c, "DELETE FROM product_zones WHERE org_id = @org AND product_id = @id", tx, ("@org", organizationId), ("@id", product.Id));
                foreach (var zone in product.Zones.Distinct(StringComparer.Ordinal))
                {
                    Execute(c, "INSERT INTO product_zones(org_id, product_id, zone) VALUES (@org, @id, @z)", tx, ("@org", organizationId), ("@id", product.Id), ("@z", zone));
                }

                return 0;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<Product?> GetProductAsync(string organizationId, string productId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => Read(c, "SELECT id, name, category FROM products WHERE org_id = @org AND id = @id", ("@org", organizationId), ("@id", productId)).FirstOrDefault(), cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<Product>> ListProductsInZoneAsync(string organizationId, string zone, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<Product>>(
            c => Read(c, "SELECT p.id, p.name, p.category FROM products p JOIN product_zones z ON z.org_id = p.org_id AND z.product_id = p.id WHERE p.org_id = @org AND z.zone = @z ORDER BY p.id", ("@org", organizationId), ("@z", zone)),
            cancellationToken);

    private static List<Product> Read(DbConnection c, string sql, params (string, object?)[] p)
    {
        var products = Query(c, null, sql, r => (Id: r.GetString(0), Name: r.GetString(1), Category: r.GetString(2)), p);
        var result = new List<Product>(products.Count);
        foreach (var (id, name, category) in products)
        {
            var zones = Query(c, null, "SELECT zone FROM product_zones WHERE org_id = @org AND product_id = @id ORDER BY zone", r => r.GetString(0), (p[0].Item1, p[0].Item2), ("@id", id));
            result.Add(new Product { Id = id, Name = name, Category = category, Zones = zones });
        }

        return result;
    }
}

/// <summary>SQL (SQLite or PostgreSQL) <see cref="IVisitorStore"/>.</summary>
/// <param name="db">The database.</param>
public sealed class SqlVisitorStore(SqlDatabase db) : IVisitorStore
{
    private const string Columns = "id, org_id, centroid, sightings, first_seen, last_seen, customer_id";

    /// <inheritdoc/>
    public Task UpsertAsync(VisitorCluster visitor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        return db.WriteAsync(
            (c, tx) => Execute(
                c,
                """
                INSERT INTO visitors(id, org_id, centroid, sightings, first_seen, last_seen, customer_id) VALUES (@id, @org, @cen, @n, @f, @l, @c)
                ON CONFLICT(id) DO UPDATE SET centroid = excluded.centroid, sightings = excluded.sightings, last_seen = excluded.last_seen, customer_id = excluded.customer_id
                WHERE visitors.org_id = excluded.org_id
                """,
                tx,
                ("@id", visitor.Id),
                ("@org", visitor.OrganizationId),
                ("@cen", ToBlob(visitor.Centroid)),
                ("@n", visitor.Sightings),
                ("@f", ToUnixMs(visitor.FirstSeen)),
                ("@l", ToUnixMs(visitor.LastSeen)),
                ("@c", visitor.CustomerId)),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<VisitorCluster?> GetAsync(string organizationId, string visitorId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => Query(c, null, $"SELECT {Columns} FROM visitors WHERE org_id = @org AND id = @id", Map, ("@org", organizationId), ("@id", visitorId)).FirstOrDefault(), cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<VisitorCluster>> ListAsync(string organizationId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<VisitorCluster>>(c => Query(c, null, $"SELECT {Columns} FROM visitors WHERE org_id = @org ORDER BY first_seen, id", Map, ("@org", organizationId)), cancellationToken);

    /// <inheritdoc/>
    public Task<VisitorPurgeResult> DeleteStaleAsync(string organizationId, DateTimeOffset lastSeenBefore, CancellationToken cancellationToken = default) =>
        db.WriteAsync(
            (c, tx) =>
            {
                (string, object?)[] p = [("@org", organizationId), ("@t", ToUnixMs(lastSeenBefore))];
                var ids = Query(c, tx, "SELECT id FROM visitors WHERE org_id = @org AND customer_id IS NULL AND last_seen < @t", r => r.GetString(0), p);
                var crops = new List<string>();
                foreach (var id in ids)
                {
                    crops.AddRange(Query(c, tx, "SELECT crop_path FROM detections WHERE org_id = @org AND visitor_id = @id AND crop_path IS NOT NULL", r => r.GetString(0), ("@org", organizationId), ("@id", id)));
                    Execute(c, "UPDATE detections SET visitor_id = NULL, crop_path = NULL WHERE org_id = @org AND visitor_id = @id", tx, ("@org", organizationId), ("@id", id));
                    Execute(c, "UPDATE visits SET visitor_id = NULL WHERE org_id = @org AND visitor_id = @id", tx, ("@org", organizationId), ("@id", id));
                    Execute(c, "DELETE FROM visitors WHERE org_id = @org AND id = @id", tx, ("@org", organizationId), ("@id", id));
                }

                return new VisitorPurgeResult(ids, crops);
            },
            cancellationToken);

    private static VisitorCluster Map(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        OrganizationId = r.GetString(1),
        Centroid = FromBlob((byte[])r[2]),
        Sightings = r.GetInt32(3),
        FirstSeen = FromUnixMs(r.GetInt64(4)),
        LastSeen = FromUnixMs(r.GetInt64(5)),
        CustomerId = StringOrNull(r, 6),
    };
}

/// <summary>SQL (SQLite or PostgreSQL) <see cref="IPromotionStore"/>.</summary>
/// <param name="db">The database.</param>
public sealed class SqlPromotionStore(SqlDatabase db) : IPromotionStore
{
    private const string Columns = "id, org_id, title, description, discount, valid_from, valid_to, target, zones, windows, priority, max_impressions, cap_period_ms, created_at, enabled";

    /// <inheritdoc/>
    public Task AddAsync(Promotion promotion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(promotion);
        return db.WriteAsync(
            (c, tx) => Execute(
                c,
                $"INSERT INTO promotions({Columns}) VALUES (@id, @org, @title, @desc, @disc, @from, @to, @target, @zones, @windows, @prio, @max, @cap, @created, @enabled)",
                tx,
                Parameters(promotion)),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> UpdateAsync(Promotion promotion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(promotion);
        return db.WriteAsync(
            (c, tx) => Execute(
                c,
                """
                UPDATE promotions SET title = @title, description = @desc, discount = @disc, valid_from = @from, valid_to = @to,
                    target = @target, zones = @zones, windows = @windows, priority = @prio, max_impressions = @max, cap_period_ms = @cap,
                    enabled = @enabled
                WHERE org_id = @org AND id = @id
                """,
                tx,
                Parameters(promotion)) > 0,
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<Page<Promotion>> ListAsync(PromotionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, 1000);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset);
        var where = new StringBuilder("org_id = @org");
        List<(string Name, object? Value)> parameters = [("@org", query.OrganizationId)];
        if (query.Active is { } active)
        {
            where.Append(active ? " AND enabled = 1 AND valid_from <= @t AND valid_to > @t" : " AND NOT (enabled = 1 AND valid_from <= @t AND valid_to > @t)");
            parameters.Add(("@t", ToUnixMs(query.At)));
        }

        if (query.Tier is { } tier)
        {
            where.Append(" AND (target IS NULL OR target = @tier)");
            parameters.Add(("@tier", (int)tier));
        }

        // Zones are a JSON list per row: an organisation has tens to hundreds of promotions, so the zone filter and the
        // page are applied here rather than with engine-specific JSON SQL.
        return db.ReadAsync(
            c =>
            {
                var rows = Query(
                    c,
                    null,
                    $"SELECT {Columns} FROM promotions WHERE {where} ORDER BY priority DESC, created_at, id",
                    Map,
                    [.. parameters]);
                var matching = query.Zone is { } zone ? [.. rows.Where(p => p.Zones.Count == 0 || p.Zones.Contains(zone, StringComparer.Ordinal))] : rows;
                return new Page<Promotion>([.. matching.Skip(query.Offset).Take(query.Limit)], matching.Count);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<Promotion?> GetAsync(string organizationId, string promotionId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => Query(c, null, $"SELECT {Columns} FROM promotions WHERE org_id = @org AND id = @id", Map, ("@org", organizationId), ("@id", promotionId)).FirstOrDefault(), cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<Promotion>> ListValidAsync(string organizationId, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<Promotion>>(
            c => Query(c, null, $"SELECT {Columns} FROM promotions WHERE org_id = @org AND enabled = 1 AND valid_from <= @t AND valid_to > @t ORDER BY priority DESC, created_at, id", Map, ("@org", organizationId), ("@t", ToUnixMs(at))),
            cancellationToken);

    /// <inheritdoc/>
    public Task<bool> DeleteAsync(string organizationId, string promotionId, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => Execute(c, "DELETE FROM promotions WHERE org_id = @org AND id = @id", tx, ("@org", organizationId), ("@id", promotionId)) > 0, cancellationToken);

    /// <inheritdoc/>
    public Task RecordImpressionAsync(string organizationId, PromotionImpression impression, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(impression);
        return db.WriteAsync(
            (c, tx) =>
            {
                if (Scalar(c, tx, "SELECT COUNT(*) FROM promotions WHERE org_id = @org AND id = @id", ("@org", organizationId), ("@id", impression.PromotionId)) == 0)
                {
                    throw new RetailNotFoundException("promotion", impression.PromotionId);
                }

                return Execute(c, "INSERT INTO impressions(org_id, promotion_id, customer_id, zone, shown_at) VALUES (@org, @p, @c, @z, @t)", tx, ("@org", organizationId), ("@p", impression.PromotionId), ("@c", impression.CustomerId), ("@z", impression.Zone), ("@t", ToUnixMs(impression.ShownAt)));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<int> CountImpressionsAsync(string organizationId, string promotionId, string customerId, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => (int)Scalar(c, null, "SELECT COUNT(*) FROM impressions WHERE org_id = @org AND promotion_id = @p AND customer_id = @c AND shown_at >= @t", ("@org", organizationId), ("@p", promotionId), ("@c", customerId), ("@t", ToUnixMs(since))), cancellationToken);

    private static Promotion Map(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        OrganizationId = r.GetString(1),
        Title = r.GetString(2),
        Description = r.GetString(3),
        Discount = r.GetString(4),
        ValidFrom = FromUnixMs(r.GetInt64(5)),
        ValidTo = FromUnixMs(r.GetInt64(6)),
        TargetLoyaltyStatus = r.IsDBNull(7) ? null : (LoyaltyStatus)r.GetInt32(7),
        Zones = JsonSerializer.Deserialize<string[]>(r.GetString(8)) ?? [],
        TimeWindows = (JsonSerializer.Deserialize<string[][]>(r.GetString(9)) ?? []).Select(w => new DailyTimeWindow(TimeOnly.Parse(w[0], System.Globalization.CultureInfo.InvariantCulture), TimeOnly.Parse(w[1], System.Globalization.CultureInfo.InvariantCulture))).ToArray(),
        Priority = r.GetInt32(10),
        MaxImpressionsPerCustomer = r.IsDBNull(11) ? null : r.GetInt32(11),
        FrequencyCapPeriod = TimeSpan.FromMilliseconds(r.GetInt64(12)),
        CreatedAt = FromUnixMs(r.GetInt64(13)),
        Enabled = r.GetInt32(14) != 0,
    };

    private static (string Name, object? Value)[] Parameters(Promotion promotion) =>
    [
        ("@id", promotion.Id),
        ("@org", promotion.OrganizationId),
        ("@title", promotion.Title),
        ("@desc", promotion.Description),
        ("@disc", promotion.Discount),
        ("@from", ToUnixMs(promotion.ValidFrom)),
        ("@to", ToUnixMs(promotion.ValidTo)),
        ("@target", promotion.TargetLoyaltyStatus is { } t ? (int)t : null),
        ("@zones", JsonSerializer.Serialize(promotion.Zones)),
        ("@windows", JsonSerializer.Serialize(promotion.TimeWindows.Select(w => new[] { w.Start.ToString("HH:mm:ss", null), w.End.ToString("HH:mm:ss", null) }))),
        ("@prio", promotion.Priority),
        ("@max", promotion.MaxImpressionsPerCustomer),
        ("@cap", (long)promotion.FrequencyCapPeriod.TotalMilliseconds),
        ("@created", ToUnixMs(promotion.CreatedAt)),
        ("@enabled", promotion.Enabled ? 1 : 0),
    ];
}

/// <summary>SQL (SQLite or PostgreSQL) <see cref="IAlertStore"/>.</summary>
/// <param name="db">The database.</param>
public sealed class SqlAlertStore(SqlDatabase db) : IAlertStore
{
    private const string Columns = "id, org_id, level, kind, zone, person_id, message, raised_at, ack_by, ack_at, camera_id, rule_id";

    /// <inheritdoc/>
    public Task AddAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return db.WriteAsync(
            (c, tx) => Execute(c, $"INSERT INTO alerts({Columns}) VALUES (@id, @org, @lvl, @kind, @zone, @p, @msg, @t, @by, @at, @cam, @rule)", tx, ("@id", alert.Id), ("@org", alert.OrganizationId), ("@lvl", (int)alert.Level), ("@kind", (int)alert.Kind), ("@zone", alert.Zone), ("@p", alert.PersonId), ("@msg", alert.Message), ("@t", ToUnixMs(alert.RaisedAt)), ("@by", alert.AcknowledgedBy), ("@at", Nullable(alert.AcknowledgedAt)), ("@cam", alert.CameraId), ("@rule", alert.RuleId)),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<Alert>> ListAsync(string organizationId, bool activeOnly, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var filter = activeOnly ? " AND ack_at IS NULL" : string.Empty;
        return db.ReadAsync<IReadOnlyList<Alert>>(c => Query(c, null, $"SELECT {Columns} FROM alerts WHERE org_id = @org{filter} ORDER BY raised_at DESC, id LIMIT @l", Map, ("@org", organizationId), ("@l", limit)), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<Page<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var f = new SqlEventStore.PageFilter(query.OrganizationId, query.Limit, query.Offset);
        f.Equal("level", query.Level is { } level ? (int)level : null);
        f.Equal("camera_id", query.CameraId);
        if (query.Acknowledged is { } acknowledged)
        {
            f.Where(acknowledged ? "ack_at IS NOT NULL" : "ack_at IS NULL");
        }

        f.Range("raised_at", query.From, query.To);
        return f.ReadAsync(db, "alerts", Columns, "raised_at", Map, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<int> CountActiveAsync(string organizationId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => (int)Scalar(c, null, "SELECT COUNT(*) FROM alerts WHERE org_id = @org AND ack_at IS NULL", ("@org", organizationId)), cancellationToken);

    /// <inheritdoc/>
    public Task<Alert?> AcknowledgeAsync(string organizationId, string alertId, string acknowledgedBy, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(acknowledgedBy);
        return db.WriteAsync(
            (c, tx) =>
            {
                Execute(c, "UPDATE alerts SET ack_by = @by, ack_at = @at WHERE org_id = @org AND id = @id AND ack_at IS NULL", tx, ("@org", organizationId), ("@id", alertId), ("@by", acknowledgedBy), ("@at", ToUnixMs(at)));
                return Query(c, tx, $"SELECT {Columns} FROM alerts WHERE org_id = @org AND id = @id", Map, ("@org", organizationId), ("@id", alertId)).FirstOrDefault();
            },
            cancellationToken);
    }

    private static Alert Map(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        OrganizationId = r.GetString(1),
        Level = (AlertLevel)r.GetInt32(2),
        Kind = (AlertKind)r.GetInt32(3),
        Zone = r.GetString(4),
        PersonId = StringOrNull(r, 5),
        Message = r.GetString(6),
        RaisedAt = FromUnixMs(r.GetInt64(7)),
        AcknowledgedBy = StringOrNull(r, 8),
        AcknowledgedAt = r.IsDBNull(9) ? null : FromUnixMs(r.GetInt64(9)),
        CameraId = StringOrNull(r, 10),
        RuleId = StringOrNull(r, 11),
    };
}
