using System.Text.Json;
using Scarlet.Retail.Events;
using Scarlet.Tracking.Geometry;
using static Scarlet.Retail.Storage.Sql.SqlDatabase;

namespace Scarlet.Retail.Storage.Sql;

/// <summary>SQL (SQLite or PostgreSQL) <see cref="IZoneStore"/>: one row per camera, its zones in the JSON shape <see cref="CameraZone.ToJson"/> writes.</summary>
/// <param name="db">The database.</param>
public sealed class SqlZoneStore(SqlDatabase db) : IZoneStore
{
    /// <inheritdoc/>
    public Task<IReadOnlyList<CameraZone>> GetAsync(string organizationId, string cameraId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<CameraZone>>(
            c => Query(c, null, "SELECT zones FROM camera_zones WHERE org_id = @o AND camera_id = @c", r => r.GetString(0), ("@o", organizationId), ("@c", cameraId)) is [var json] ? CameraZone.ParseJson(json) : [],
            cancellationToken);

    /// <inheritdoc/>
    public Task SetAsync(string organizationId, string cameraId, IReadOnlyList<CameraZone> zones, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        ArgumentException.ThrowIfNullOrWhiteSpace(cameraId);
        ArgumentNullException.ThrowIfNull(zones);
        var json = CameraZone.ToJson(zones);
        return db.WriteAsync(
            (c, tx) => Execute(c, "INSERT INTO camera_zones(org_id, camera_id, zones) VALUES (@o, @c, @z) ON CONFLICT(org_id, camera_id) DO UPDATE SET zones = excluded.zones", tx, ("@o", organizationId), ("@c", cameraId), ("@z", json)),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> DeleteAsync(string organizationId, string cameraId, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => Execute(c, "DELETE FROM camera_zones WHERE org_id = @o AND camera_id = @c", tx, ("@o", organizationId), ("@c", cameraId)) == 1, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<CameraZoneSet>> ListAllAsync(CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<CameraZoneSet>>(
            c => Query(c, null, "SELECT org_id, camera_id, zones FROM camera_zones ORDER BY org_id, camera_id", r => new CameraZoneSet(r.GetString(0), r.GetString(1), CameraZone.ParseJson(r.GetString(2)))),
            cancellationToken);
}

/// <summary>SQL (SQLite or PostgreSQL) <see cref="IAlertRuleStore"/>: one row per rule, the rule as JSON (<see cref="ScarletJson"/>), so a new rule field needs no migration.</summary>
/// <param name="db">The database.</param>
public sealed class SqlAlertRuleStore(SqlDatabase db) : IAlertRuleStore
{
    /// <inheritdoc/>
    public Task<bool> PutAsync(string organizationId, AlertRule rule, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentException.ThrowIfNullOrWhiteSpace(rule.Id);
        var json = JsonSerializer.Serialize(rule, ScarletJson.Options);

        // The WHERE of the update leaves another organisation's rule alone: no row changes, and the caller learns the id is taken.
        return db.WriteAsync(
            (c, tx) => Execute(c, "INSERT INTO alert_rules(id, org_id, data) VALUES (@i, @o, @d) ON CONFLICT(id) DO UPDATE SET data = excluded.data WHERE alert_rules.org_id = excluded.org_id", tx, ("@i", rule.Id), ("@o", organizationId), ("@d", json)) == 1,
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<AlertRule?> GetAsync(string organizationId, string id, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => Query(c, null, "SELECT data FROM alert_rules WHERE org_id = @o AND id = @i", Read, ("@o", organizationId), ("@i", id)).FirstOrDefault(), cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<AlertRule>> ListAsync(string organizationId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<AlertRule>>(c => [.. Query(c, null, "SELECT data FROM alert_rules WHERE org_id = @o", Read, ("@o", organizationId)).OrderBy(r => r.Id, StringComparer.Ordinal)], cancellationToken);

    /// <inheritdoc/>
    public Task<bool> DeleteAsync(string organizationId, string id, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => Execute(c, "DELETE FROM alert_rules WHERE org_id = @o AND id = @i", tx, ("@o", organizationId), ("@i", id)) == 1, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<OrganizationAlertRule>> ListAllAsync(CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<OrganizationAlertRule>>(
            c => [.. Query(c, null, "SELECT org_id, data FROM alert_rules", r => new OrganizationAlertRule(r.GetString(0), Read(r, 1)))
                .OrderBy(r => r.OrganizationId, StringComparer.Ordinal).ThenBy(r => r.Rule.Id, StringComparer.Ordinal)],
            cancellationToken);

    private static AlertRule Read(System.Data.Common.DbDataReader r) => Read(r, 0);

    private static AlertRule Read(System.Data.Common.DbDataReader r, int column) =>
        JsonSerializer.Deserialize<AlertRule>(r.GetString(column), ScarletJson.Options) ?? throw new InvalidDataException("Empty alert rule row");
}
