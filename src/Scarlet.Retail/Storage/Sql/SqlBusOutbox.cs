using System.Data.Common;
using System.Text.Json;
using Scarlet.Retail.Events;
using static Scarlet.Retail.Storage.Sql.SqlDatabase;

namespace Scarlet.Retail.Storage.Sql;

/// <summary>
/// The events a host has raised and the cluster's bus has not taken yet (<c>bus_outbox</c>, per host id, in order), so a
/// Redis outage or a host restart delays them instead of losing them. Used by <see cref="Events.Redis.RedisEventBridge"/>.
/// </summary>
/// <param name="db">The database.</param>
internal sealed class SqlBusOutbox(SqlDatabase db)
{
    public Task AddAsync(string hostId, ScarletEvent evt, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.WriteAsync((c, tx) => Insert(c, tx, hostId, evt, now), cancellationToken);

    /// <summary>Writes an entry in the caller's transaction (the state change's own, <see cref="StagedEvents{T}"/>).</summary>
    internal static int Insert(DbConnection conn, DbTransaction tx, string hostId, ScarletEvent evt, DateTimeOffset now) =>
        Execute(conn, "INSERT INTO bus_outbox(host_id, event_id, topic, payload, created_at) VALUES (@h, @e, @t, @p, @n)", tx,
            ("@h", hostId), ("@e", evt.EventId), ("@t", evt.Topic), ("@p", ScarletJson.Serialize(evt)), ("@n", ToUnixMs(now)));

    /// <summary>The oldest entries of a host, oldest first; an entry that is no event any more comes back as <see langword="null"/> (to be deleted).</summary>
    public Task<List<(long Seq, ScarletEvent? Event)>> PeekAsync(string hostId, int limit, CancellationToken cancellationToken) =>
        db.ReadAsync(c => Query(c, null, "SELECT seq, payload FROM bus_outbox WHERE host_id = @h ORDER BY seq LIMIT @l", r => (r.GetInt64(0), Read((byte[])r[1])), ("@h", hostId), ("@l", limit)), cancellationToken);

    public Task DeleteAsync(long seq, CancellationToken cancellationToken) =>
        db.WriteAsync((c, tx) => Execute(c, "DELETE FROM bus_outbox WHERE seq = @s", tx, ("@s", seq)), cancellationToken);

    public Task<long> CountAsync(string hostId, CancellationToken cancellationToken) =>
        db.ReadAsync(c => Scalar(c, null, "SELECT COUNT(*) FROM bus_outbox WHERE host_id = @h", ("@h", hostId)), cancellationToken);

    private static ScarletEvent? Read(byte[] payload)
    {
        try
        {
            return JsonSerializer.Deserialize<ScarletEvent>(payload, ScarletJson.Options);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            return null;
        }
    }
}
