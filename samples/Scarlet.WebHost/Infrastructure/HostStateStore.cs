using System.Text.Json;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Storage.Sqlite;

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
/// What the API adds at run time (webhook subscriptions, cameras, processing tasks, export jobs), as JSON documents in
/// the library's <see cref="IHostStateStore"/> (the <c>host_state</c> table of the retail schema, written on its single
/// write connection), so a restart finds it again (as admin users and API keys do). The documents are the host's own records.
/// </summary>
internal sealed class HostStateStore(IHostStateStore store, TimeProvider time)
{
    /// <summary>Inserts or replaces a document.</summary>
    public Task PutAsync<T>(string kind, string id, T document, CancellationToken ct = default) =>
        store.PutAsync(kind, id, JsonSerializer.Serialize(document, ApiJson.Options), time.GetUtcNow(), ct);

    /// <returns>Whether it existed.</returns>
    public Task<bool> DeleteAsync(string kind, string id, CancellationToken ct = default) => store.DeleteAsync(kind, id, ct);

    /// <summary>Every document of a kind, oldest change first.</summary>
    /// <remarks>Synchronous for its callers' start-up paths (a lazy cache, constructors); the host has no synchronisation context to deadlock on.</remarks>
    public IReadOnlyList<T> List<T>(string kind)
    {
        var rows = store.ListAsync(kind).GetAwaiter().GetResult();
        var list = new List<T>(rows.Count);
        foreach (var json in rows)
        {
            list.Add(JsonSerializer.Deserialize<T>(json, ApiJson.Options) ?? throw new InvalidDataException($"Empty {kind} record"));
        }

        return list;
    }
}

/// <summary>This host's own SQLite file when the retail database is a shared PostgreSQL (disposed with the container).</summary>
internal sealed class HostLocalDatabase(SqliteDatabase database) : IDisposable
{
    public SqliteDatabase Database { get; } = database;

    public void Dispose() => Database.Dispose();
}
