using System.Data.Common;
using static Scarlet.Retail.Storage.Sql.SqlDatabase;

namespace Scarlet.Retail.Storage.Sql;

/// <summary>SQL (SQLite or PostgreSQL) <see cref="IVisitStore"/>; statistics are grouped in SQL.</summary>
/// <param name="db">The database.</param>
public sealed class SqlVisitStore(SqlDatabase db) : IVisitStore
{
    private const string Columns = "id, org_id, store_id, person_id, customer_id, visitor_id, entry_at, exit_at, is_returning";

    /// <inheritdoc/>
    public Task AddAsync(Visit visit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(visit);
        return db.WriteAsync(
            (c, tx) => Execute(c, $"INSERT INTO visits({Columns}) VALUES (@id, @org, @s, @p, @c, @v, @in, @out, @r)", tx, ("@id", visit.Id), ("@org", visit.OrganizationId), ("@s", visit.StoreId), ("@p", visit.PersonId), ("@c", visit.CustomerId), ("@v", visit.VisitorId), ("@in", ToUnixMs(visit.EntryAt)), ("@out", Nullable(visit.ExitAt)), ("@r", visit.IsReturning ? 1 : 0)),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<Visit?> GetOpenAsync(string organizationId, string storeId, string personId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => Query(c, null, $"SELECT {Columns} FROM visits WHERE org_id = @org AND store_id = @s AND person_id = @p AND exit_at IS NULL ORDER BY entry_at DESC LIMIT 1", Map, ("@org", organizationId), ("@s", storeId), ("@p", personId)).FirstOrDefault(), cancellationToken);

    /// <inheritdoc/>
    public Task<Visit> CloseAsync(string organizationId, string visitId, DateTimeOffset exitAt, string? customerId, CancellationToken cancellationToken = default) =>
        db.WriteAsync(
            (c, tx) => Query(c, tx, $"UPDATE visits SET exit_at = CASE WHEN @t > entry_at THEN @t ELSE entry_at END, customer_id = COALESCE(customer_id, @c) WHERE org_id = @org AND id = @id RETURNING {Columns}", Map, ("@org", organizationId), ("@id", visitId), ("@t", ToUnixMs(exitAt)), ("@c", customerId)).FirstOrDefault()
                ?? throw new RetailNotFoundException("visit", visitId),
            cancellationToken);

    /// <inheritdoc/>
    public Task<bool> HasVisitedBeforeAsync(string organizationId, string storeId, string? customerId, string? visitorId, DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        if (customerId is null && visitorId is null)
        {
            return Task.FromResult(false);
        }

        return db.ReadAsync(
            c => Scalar(c, null, "SELECT COUNT(*) FROM visits WHERE org_id = @org AND store_id = @s AND entry_at < @t AND ((customer_id IS NOT NULL AND customer_id = @c) OR (visitor_id IS NOT NULL AND visitor_id = @v))", ("@org", organizationId), ("@s", storeId), ("@t", ToUnixMs(before)), ("@c", customerId), ("@v", visitorId)) > 0,
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<int> CountOpenAsync(string organizationId, string? storeId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => (int)Scalar(c, null, "SELECT COUNT(*) FROM visits WHERE org_id = @org AND exit_at IS NULL AND (CAST(@s AS TEXT) IS NULL OR store_id = @s)", ("@org", organizationId), ("@s", storeId)), cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<Visit>> ListForCustomerAsync(string organizationId, string customerId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<Visit>>(c => Query(c, null, $"SELECT {Columns} FROM visits WHERE org_id = @org AND customer_id = @c ORDER BY entry_at DESC", Map, ("@org", organizationId), ("@c", customerId)), cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<VisitStatisticsBucket>> GetStatisticsAsync(string organizationId, string? storeId, DateTimeOffset from, DateTimeOffset to, StatisticsGranularity granularity, CancellationToken cancellationToken = default)
    {
        var bucket = granularity switch
        {
            StatisticsGranularity.Hour => "(entry_at / 3600000) * 3600000",
            StatisticsGranularity.Day => "(entry_at / 86400000) * 86400000",

            // 1970-01-01 was a Thursday: shift by 3 days so buckets start on Monday.
            StatisticsGranularity.Week => "(((entry_at / 86400000) + 3) / 7 * 7 - 3) * 86400000",
            StatisticsGranularity.Month => db.MonthStartMs("entry_at"),
            _ => throw new ArgumentOutOfRangeException(nameof(granularity)),
        };
        return db.ReadAsync<IReadOnlyList<VisitStatisticsBucket>>(
            c => Query(
                c,
                null,
                $"""
                SELECT {bucket} AS b, CAST(COUNT(*) AS INTEGER), CAST(COUNT(DISTINCT COALESCE(customer_id, visitor_id, person_id)) AS INTEGER), CAST(SUM(is_returning) AS INTEGER),
                       CAST(COALESCE(AVG(CASE WHEN exit_at IS NOT NULL THEN (exit_at - entry_at) / 1000.0 END), 0) AS DOUBLE PRECISION)
                FROM visits WHERE org_id = @org AND entry_at >= @from AND entry_at < @to AND (CAST(@s AS TEXT) IS NULL OR store_id = @s)
                GROUP BY b ORDER BY b
                """,
                r => new VisitStatisticsBucket(FromUnixMs(r.GetInt64(0)), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3), r.GetDouble(4)),
                ("@org", organizationId),
                ("@from", ToUnixMs(from)),
                ("@to", ToUnixMs(to)),
                ("@s", storeId)),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<Visit?> GetLatestAsync(string organizationId, string? storeId, string? customerId, string? visitorId, CancellationToken cancellationToken = default)
    {
        if (customerId is null && visitorId is null)
        {
            return Task.FromResult<Visit?>(null);
        }

        var who = customerId is not null ? "customer_id = @k" : "visitor_id = @k";
        return db.ReadAsync(
            c => Query(c, null, $"SELECT {Columns} FROM visits WHERE org_id = @org AND {who} AND (CAST(@s AS TEXT) IS NULL OR store_id = @s) ORDER BY entry_at DESC LIMIT 1", Map, ("@org", organizationId), ("@k", customerId ?? visitorId), ("@s", storeId)).FirstOrDefault(),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task UpdateAsync(Visit visit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(visit);
        return db.WriteAsync(
            (c, tx) => Execute(c, "UPDATE visits SET entry_at = @in, exit_at = @out, customer_id = @c, visitor_id = @v, is_returning = @r WHERE org_id = @org AND id = @id", tx, ("@org", visit.OrganizationId), ("@id", visit.Id), ("@in", ToUnixMs(visit.EntryAt)), ("@out", Nullable(visit.ExitAt)), ("@c", visit.CustomerId), ("@v", visit.VisitorId), ("@r", visit.IsReturning ? 1 : 0)) > 0
                ? true
                : throw new RetailNotFoundException("visit", visit.Id),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> DeleteAsync(string organizationId, string visitId, string mergedIntoVisitId, CancellationToken cancellationToken = default) =>
        db.WriteAsync(
            (c, tx) =>
            {
                Execute(c, "UPDATE zone_stays SET visit_id = @into WHERE org_id = @org AND visit_id = @id", tx, ("@org", organizationId), ("@id", visitId), ("@into", mergedIntoVisitId));
                return Execute(c, "DELETE FROM visits WHERE org_id = @org AND id = @id", tx, ("@org", organizationId), ("@id", visitId)) > 0;
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<Visit>> ListOverlappingAsync(string organizationId, string? storeId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<Visit>>(
            c => Query(c, null, $"SELECT {Columns} FROM visits WHERE org_id = @org AND entry_at < @to AND (exit_at IS NULL OR exit_at >= @from) AND (CAST(@s AS TEXT) IS NULL OR store_id = @s) ORDER BY entry_at", Map, ("@org", organizationId), ("@from", ToUnixMs(from)), ("@to", ToUnixMs(to)), ("@s", storeId)),
            cancellationToken);

    /// <inheritdoc/>
    public Task<VisitSummary> GetSummaryAsync(string organizationId, string? storeId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        db.ReadAsync(
            c => Query(
                c,
                null,
                """
                SELECT CAST(COUNT(*) AS INTEGER), CAST(COUNT(DISTINCT COALESCE(customer_id, visitor_id, person_id)) AS INTEGER),
                       CAST(COUNT(DISTINCT CASE WHEN is_returning = 1 THEN COALESCE(customer_id, visitor_id, person_id) END) AS INTEGER),
                       CAST(COUNT(DISTINCT CASE WHEN is_returning = 0 THEN COALESCE(customer_id, visitor_id, person_id) END) AS INTEGER),
                       CAST(COUNT(customer_id) AS INTEGER),
                       CAST(COALESCE(AVG(CASE WHEN exit_at IS NOT NULL THEN (exit_at - entry_at) / 1000.0 END), 0) AS DOUBLE PRECISION)
                FROM visits WHERE org_id = @org AND entry_at >= @from AND entry_at < @to AND (CAST(@s AS TEXT) IS NULL OR store_id = @s)
                """,
                r => new VisitSummary(r.GetInt32(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetDouble(5)),
                ("@org", organizationId),
                ("@from", ToUnixMs(from)),
                ("@to", ToUnixMs(to)),
                ("@s", storeId))[0],
            cancellationToken);

    /// <inheritdoc/>
    public Task AddZoneStayAsync(ZoneStay stay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stay);
        return db.WriteAsync(
            (c, tx) => Execute(c, "INSERT INTO zone_stays(org_id, zone, person_id, visit_id, entered_at, exited_at, camera_id) VALUES (@org, @z, @p, @v, @in, @out, @cam)", tx, ("@org", stay.OrganizationId), ("@z", stay.Zone), ("@p", stay.PersonId), ("@v", stay.VisitId), ("@in", ToUnixMs(stay.EnteredAt)), ("@out", ToUnixMs(stay.ExitedAt)), ("@cam", stay.CameraId)),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ZoneDwell>> GetZoneDwellAsync(string organizationId, DateTimeOffset from, DateTimeOffset to, string? cameraId = null, bool byCamera = false, CancellationToken cancellationToken = default)
    {
        // The camera column is selected either way (a constant when not grouped by it) so one reader maps both shapes.
        var camera = byCamera ? "camera_id" : "CAST(NULL AS TEXT)";
        var groupBy = byCamera ? "zone, camera_id" : "zone";
        return db.ReadAsync<IReadOnlyList<ZoneDwell>>(
            c => Query(
                c,
                null,
                $"""
                SELECT zone, CAST(COUNT(*) AS INTEGER), CAST(COUNT(DISTINCT COALESCE(visit_id, person_id)) AS INTEGER),
                       CAST(SUM(exited_at - entered_at) / 1000.0 AS DOUBLE PRECISION), CAST(AVG(exited_at - entered_at) / 1000.0 AS DOUBLE PRECISION),
                       CAST(MAX(exited_at - entered_at) / 1000.0 AS DOUBLE PRECISION), {camera}
                FROM zone_stays WHERE org_id = @org AND entered_at >= @from AND entered_at < @to AND (CAST(@cam AS TEXT) IS NULL OR camera_id = @cam)
                GROUP BY {groupBy} ORDER BY {groupBy}
                """,
                r => new ZoneDwell(r.GetString(0), r.GetInt32(1), r.GetInt32(2), r.GetDouble(3), r.GetDouble(4), r.GetDouble(5)) { CameraId = StringOrNull(r, 6) },
                ("@org", organizationId),
                ("@from", ToUnixMs(from)),
                ("@to", ToUnixMs(to)),
                ("@cam", cameraId)),
            cancellationToken);
    }

    private static Visit Map(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        OrganizationId = r.GetString(1),
        StoreId = r.GetString(2),
        PersonId = r.GetString(3),
        CustomerId = StringOrNull(r, 4),
        VisitorId = StringOrNull(r, 5),
        EntryAt = FromUnixMs(r.GetInt64(6)),
        ExitAt = r.IsDBNull(7) ? null : FromUnixMs(r.GetInt64(7)),
        IsReturning = r.GetInt32(8) != 0,
    };
}
