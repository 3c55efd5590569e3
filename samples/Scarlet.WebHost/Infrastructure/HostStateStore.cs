using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Scarlet.WebHost;

/// <summary>The kinds of run-time state the host keeps across restarts.</summary>
internal static class HostStateKinds
{
    public const string Webhook = "webhook";
    public const string Camera = "camera";
    public const string ProcessingTask = "processing-task";
    public const string ExportJob = "export-job";

    /// <summary>Zones of a camera, kept here by hosts before the library's <c>IZoneStore</c>; moved into it at start (<c>ZoneAlerts</c>).</summary>
    public const string CameraZones = "camera-zones";

    /// <summary>An alert rule, kept here by hosts before the library's <c>IAlertRuleStore</c>; moved into it at start (<c>ZoneAlerts</c>).</summary>
    public const string AlertRule = "alert-rule";
}

/// <summary>
/// What the API adds at run time (webhook subscriptions, cameras, processing tasks, export jobs), as JSON documents in a
/// host-owned table of the same SQLite file as the retail data, so a restart finds it again (as admin users and API keys
/// do). The documents are the host's own records; the retail schema is the library's.
/// </summary>
internal sealed class HostStateStore
{
    private readonly HostDatabase _db;
    private readonly TimeProvider _time;

    public HostStateStore(string databasePath, TimeProvider time)
    {
        _time = time;
        _db = new HostDatabase(databasePath);
        using var c = Open();
        using var cmd = Cmd(c, """
            CREATE TABLE IF NOT EXISTS host_state(
                kind TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, updated_at INTEGER NOT NULL,
                PRIMARY KEY(kind, id));
            """);
        cmd.ExecuteNonQuery();
    }

    /// <summary>Inserts or replaces a document.</summary>
    public async Task PutAsync<T>(string kind, string id, T document, CancellationToken ct = default)
    {
        await using var c = Open();
        using var cmd = Cmd(c, "INSERT INTO host_state(kind, id, data, updated_at) VALUES ($k, $i, $d, $t) ON CONFLICT(kind, id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
            ("$k", kind), ("$i", id), ("$d", JsonSerializer.Serialize(document, ApiJson.Options)), ("$t", _time.GetUtcNow().ToUnixTimeMilliseconds()));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <returns>Whether it existed.</returns>
    public async Task<bool> DeleteAsync(string kind, string id, CancellationToken ct = default)
    {
        await using var c = Open();
        using var cmd = Cmd(c, "DELETE FROM host_state WHERE kind = $k AND id = $i", ("$k", kind), ("$i", id));
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Every document of a kind, oldest change first.</summary>
    public IReadOnlyList<T> List<T>(string kind)
    {
        using var c = Open();
        using var cmd = Cmd(c, "SELECT data FROM host_state WHERE kind = $k ORDER BY updated_at, id", ("$k", kind));
        using var r = cmd.ExecuteReader();
        var list = new List<T>();
        while (r.Read())
        {
            list.Add(JsonSerializer.Deserialize<T>(r.GetString(0), ApiJson.Options) ?? throw new InvalidDataException($"Empty {kind} record"));
        }

        return list;
    }

    private SqliteConnection Open() => _db.Open();

    private static SqliteCommand Cmd(SqliteConnection c, string sql, params (string Name, object? Value)[] args) => HostDatabase.Cmd(c, sql, args);
}
