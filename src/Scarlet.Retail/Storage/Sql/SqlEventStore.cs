using System.Text;
using System.Data.Common;
using Scarlet.Vision;
using static Scarlet.Retail.Storage.Sql.SqlDatabase;

namespace Scarlet.Retail.Storage.Sql;

/// <summary>SQL (SQLite or PostgreSQL) <see cref="IEventStore"/>.</summary>
/// <param name="db">The database.</param>
public sealed class SqlEventStore(SqlDatabase db) : IEventStore
{
    private const string DetectionColumns = "id, org_id, camera_id, status, box_x, box_y, box_w, box_h, confidence, distance, customer_id, visitor_id, crop_path, ts";

    /// <inheritdoc/>
    public Task<long> AddDetectionAsync(DetectionRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var box = record.Box;
        return db.WriteAsync(
            (c, tx) => Scalar(
                c,
                tx,
                "INSERT INTO detections(org_id, camera_id, status, box_x, box_y, box_w, box_h, confidence, distance, customer_id, visitor_id, crop_path, ts) VALUES (@org, @cam, @st, @x, @y, @w, @h, @conf, @d, @c, @v, @crop, @ts) RETURNING id",
                ("@org", record.OrganizationId),
                ("@cam", record.CameraId),
                ("@st", (int)record.Status),
                ("@x", box?.X),
                ("@y", box?.Y),
                ("@w", box?.Width),
                ("@h", box?.Height),
                ("@conf", record.Confidence),
                ("@d", record.Distance),
                ("@c", record.CustomerId),
                ("@v", record.VisitorId),
                ("@crop", record.CropPath),
                ("@ts", ToUnixMs(record.Timestamp))),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<Page<DetectionRecord>> QueryDetectionsAsync(DetectionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var f = new PageFilter(query.OrganizationId, query.Limit, query.Offset);
        f.Equal("camera_id", query.CameraId);
        f.Equal("customer_id", query.CustomerId);
        f.Equal("status", query.Status is { } status ? (int)status : null);
        f.Range("ts", query.From, query.To);
        return f.ReadAsync(db, "detections", DetectionColumns, "ts", MapDetection, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<int> AssignVisitorAsync(string organizationId, string visitorId, string customerId, CancellationToken cancellationToken = default) =>
        db.WriteAsync(
            (c, tx) =>
            {
                Execute(c, "UPDATE visits SET customer_id = @c WHERE org_id = @org AND visitor_id = @v AND customer_id IS NULL", tx, ("@org", organizationId), ("@v", visitorId), ("@c", customerId));
                return Execute(c, "UPDATE detections SET customer_id = @c WHERE org_id = @org AND visitor_id = @v", tx, ("@org", organizationId), ("@v", visitorId), ("@c", customerId));
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task AppendLogAsync(LogEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return db.WriteAsync((c, tx) => Execute(c, "INSERT INTO logs(org_id, ts, level, type, message, customer_id) VALUES (@org, @ts, @lvl, @type, @msg, @c)", tx, ("@org", entry.OrganizationId), ("@ts", ToUnixMs(entry.Timestamp)), ("@lvl", entry.Level), ("@type", entry.Type), ("@msg", entry.Message), ("@c", entry.CustomerId)), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<LogEntry>> GetLogsAsync(string organizationId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return db.ReadAsync<IReadOnlyList<LogEntry>>(
            c => Query(c, null, "SELECT id, org_id, ts, level, type, message, customer_id FROM logs WHERE org_id = @org ORDER BY id DESC LIMIT @l", r => new LogEntry(r.GetInt64(0), r.GetString(1), FromUnixMs(r.GetInt64(2)), r.GetString(3), r.GetString(4), r.GetString(5), StringOrNull(r, 6)), ("@org", organizationId), ("@l", limit)),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<long> CountLogsAsync(string organizationId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => Scalar(c, null, "SELECT COUNT(*) FROM logs WHERE org_id = @org", ("@org", organizationId)), cancellationToken);

    /// <inheritdoc/>
    public Task AddDeadLetterAsync(DeadLetter deadLetter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        return db.WriteAsync(
            (c, tx) => Execute(c, "INSERT INTO dead_letters(org_id, sink, event_id, topic, payload, attempts, last_error, failed_at) VALUES (@org, @s, @e, @t, @p, @a, @err, @at)", tx, ("@org", deadLetter.OrganizationId), ("@s", deadLetter.Sink), ("@e", deadLetter.EventId), ("@t", deadLetter.Topic), ("@p", deadLetter.Payload), ("@a", deadLetter.Attempts), ("@err", deadLetter.LastError), ("@at", ToUnixMs(deadLetter.FailedAt))),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(string organizationId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<DeadLetter>>(
            c => Query(c, null, "SELECT id, org_id, sink, event_id, topic, payload, attempts, last_error, failed_at FROM dead_letters WHERE org_id = @org ORDER BY id DESC", r => new DeadLetter(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetInt32(6), r.GetString(7), FromUnixMs(r.GetInt64(8))), ("@org", organizationId)),
            cancellationToken);

    /// <inheritdoc/>
    public Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return db.WriteAsync((c, tx) => Execute(c, "INSERT INTO audit(org_id, action, subject, actor, at, detail, outcome) VALUES (@org, @a, @s, @actor, @at, @d, @o)", tx, ("@org", record.OrganizationId), ("@a", record.Action), ("@s", record.Subject), ("@actor", record.Actor), ("@at", ToUnixMs(record.At)), ("@d", record.Detail), ("@o", record.Outcome)), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<AuditRecord>> GetAuditAsync(string organizationId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<AuditRecord>>(
            c => Query(c, null, $"SELECT {AuditColumns} FROM audit WHERE org_id = @org ORDER BY id", MapAudit, ("@org", organizationId)),
            cancellationToken);

    /// <inheritdoc/>
    public Task<Page<AuditRecord>> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var f = new PageFilter(query.OrganizationId, query.Limit, query.Offset);
        f.Equal("subject", query.Subject);
        f.Equal("actor", query.Actor);
        f.Range("at", query.From, query.To);
        return f.ReadAsync(db, "audit", AuditColumns, "at", MapAudit, cancellationToken);
    }

    private const string AuditColumns = "id, org_id, action, subject, actor, at, detail, outcome";

    private static AuditRecord MapAudit(DbDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), FromUnixMs(r.GetInt64(5)), r.GetString(6)) { Outcome = r.GetString(7) };

    private static DetectionRecord MapDetection(DbDataReader r) => new()
    {
        Id = r.GetInt64(0),
        OrganizationId = r.GetString(1),
        CameraId = r.GetString(2),
        Status = (RecognitionStatus)r.GetInt32(3),
        Box = r.IsDBNull(4) ? null : new BoundingBox(r.GetFloat(4), r.GetFloat(5), r.GetFloat(6), r.GetFloat(7)),
        Confidence = r.GetFloat(8),
        Distance = r.IsDBNull(9) ? null : r.GetFloat(9),
        CustomerId = StringOrNull(r, 10),
        VisitorId = StringOrNull(r, 11),
        CropPath = StringOrNull(r, 12),
        Timestamp = FromUnixMs(r.GetInt64(13)),
    };

    /// <summary>
    /// A page of rows of one organisation filtered by optional equalities and a time range, newest first: only fixed SQL
    /// fragments (column names of this class) are concatenated; every value is a parameter.
    /// </summary>
    internal sealed class PageFilter
    {
        private readonly StringBuilder _where = new("org_id = @org");
        private readonly List<(string Name, object? Value)> _parameters;
        private readonly int _limit;
        private readonly int _offset;

        public PageFilter(string organizationId, int limit, int offset)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
            ArgumentOutOfRangeException.ThrowIfNegative(offset);
            _parameters = [("@org", organizationId)];
            _limit = limit;
            _offset = offset;
        }

        public void Equal(string column, object? value)
        {
            if (value is not null)
            {
                var name = "@p" + _parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                _where.Append(" AND ").Append(column).Append(" = ").Append(name);
                _parameters.Add((name, value));
            }
        }

        /// <summary>Adds a fixed SQL condition (a literal of the calling class, never a value).</summary>
        public void Where(string fixedCondition) => _where.Append(" AND ").Append(fixedCondition);

        public void Range(string timeColumn, DateTimeOffset? from, DateTimeOffset? to)
        {
            if (from is { } f)
            {
                _where.Append(" AND ").Append(timeColumn).Append(" >= @from");
                _parameters.Add(("@from", ToUnixMs(f)));
            }

            if (to is { } t)
            {
                _where.Append(" AND ").Append(timeColumn).Append(" < @to");
                _parameters.Add(("@to", ToUnixMs(t)));
            }
        }

        public Task<Page<T>> ReadAsync<T>(SqlDatabase db, string table, string columns, string timeColumn, Func<DbDataReader, T> map, CancellationToken cancellationToken) =>
            db.ReadAsync(
                c =>
                {
                    var where = _where.ToString();
                    var total = (int)Scalar(c, null, $"SELECT COUNT(*) FROM {table} WHERE {where}", [.. _parameters]);
                    var items = Query(c, null, $"SELECT {columns} FROM {table} WHERE {where} ORDER BY {timeColumn} DESC, id DESC LIMIT @l OFFSET @o", map, [.. _parameters, ("@l", _limit), ("@o", _offset)]);
                    return new Page<T>(items, total);
                },
                cancellationToken);
    }
}
