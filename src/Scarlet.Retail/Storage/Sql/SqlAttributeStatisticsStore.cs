using static Scarlet.Retail.Storage.Sql.SqlDatabase;

namespace Scarlet.Retail.Storage.Sql;

/// <summary>SQL (SQLite or PostgreSQL) <see cref="IAttributeStatisticsStore"/>: one counter row per hour, camera, zone, kind and value.</summary>
/// <param name="db">The database.</param>
public sealed class SqlAttributeStatisticsStore(SqlDatabase db) : IAttributeStatisticsStore
{
    private const long HourMs = 3_600_000;

    /// <inheritdoc/>
    public Task AddAsync(string organizationId, AttributeObservation observation, int count = 1, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        ArgumentNullException.ThrowIfNull(observation);
        ArgumentException.ThrowIfNullOrWhiteSpace(observation.CameraId, nameof(observation));
        ArgumentNullException.ThrowIfNull(observation.Zone, nameof(observation));
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var hour = HourOf(observation.Timestamp);
        return db.WriteAsync(
            (c, tx) =>
            {
                foreach (var (kind, value) in new[] { (AttributeKind.Gender, observation.Gender), (AttributeKind.AgeGroup, observation.AgeGroup), (AttributeKind.Emotion, observation.Emotion) })
                {
                    if (value is not null)
                    {
                        Execute(
                            c,
                            """
                            INSERT INTO attribute_counts(org_id, hour_start, camera_id, zone, kind, value, count) VALUES (@org, @h, @cam, @z, @k, @v, @n)
                            ON CONFLICT(org_id, hour_start, camera_id, zone, kind, value) DO UPDATE SET count = attribute_counts.count + excluded.count
                            """,
                            tx,
                            ("@org", organizationId),
                            ("@h", hour),
                            ("@cam", observation.CameraId),
                            ("@z", observation.Zone),
                            ("@k", (int)kind),
                            ("@v", value),
                            ("@n", (long)count));
                    }
                }

                return 0;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<AttributeCount>> CountAsync(string organizationId, AttributeKind kind, DateTimeOffset from, DateTimeOffset to, string? cameraId = null, string? zone = null, CancellationToken cancellationToken = default)
    {
        // Filters are added only when given: an untyped NULL parameter is an error on PostgreSQL.
        var sql = "SELECT value, SUM(count) FROM attribute_counts WHERE org_id = @org AND kind = @k AND hour_start >= @from AND hour_start < @to"
            + (cameraId is null ? "" : " AND camera_id = @cam")
            + (zone is null ? "" : " AND zone = @z")
            + " GROUP BY value ORDER BY value";
        return db.ReadAsync<IReadOnlyList<AttributeCount>>(
            c => Query(
                c,
                null,
                sql,
                r => new AttributeCount(r.GetString(0), Convert.ToInt64(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture)),
                ("@org", organizationId),
                ("@k", (int)kind),
                ("@from", HourOf(from)),
                ("@to", ToUnixMs(to)),
                ("@cam", cameraId ?? ""),
                ("@z", zone ?? "")),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task SetCustomerAsync(string organizationId, CustomerAttributes attributes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        ArgumentException.ThrowIfNullOrWhiteSpace(attributes.CustomerId, nameof(attributes));
        return db.WriteAsync(
            (c, tx) =>
            {
                if (Scalar(c, tx, "SELECT COUNT(*) FROM customers WHERE org_id = @org AND id = @id", ("@org", organizationId), ("@id", attributes.CustomerId)) == 0)
                {
                    throw new RetailNotFoundException("customer", attributes.CustomerId);
                }

                return Execute(
                    c,
                    """
                    INSERT INTO customer_attributes(org_id, customer_id, gender, age_years, emotion, updated_at) VALUES (@org, @id, @g, @a, @e, @t)
                    ON CONFLICT(org_id, customer_id) DO UPDATE SET gender = excluded.gender, age_years = excluded.age_years, emotion = excluded.emotion, updated_at = excluded.updated_at
                    """,
                    tx,
                    ("@org", organizationId),
                    ("@id", attributes.CustomerId),
                    ("@g", attributes.Gender),
                    ("@a", attributes.AgeYears is { } a ? (double)a : null),
                    ("@e", attributes.Emotion),
                    ("@t", ToUnixMs(attributes.UpdatedAt)));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<CustomerAttributes?> GetCustomerAsync(string organizationId, string customerId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(
            c => Query(
                c,
                null,
                "SELECT customer_id, gender, age_years, emotion, updated_at FROM customer_attributes WHERE org_id = @org AND customer_id = @id",
                r => new CustomerAttributes(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : (float)r.GetDouble(2), StringOrNull(r, 3), FromUnixMs(r.GetInt64(4))),
                ("@org", organizationId),
                ("@id", customerId)).FirstOrDefault(),
            cancellationToken);

    private static long HourOf(DateTimeOffset t)
    {
        var ms = ToUnixMs(t);
        return ms - (((ms % HourMs) + HourMs) % HourMs);
    }
}
