using System.Data.Common;
using System.Runtime.InteropServices;

namespace Scarlet.Retail.Storage.Sql;

/// <summary>
/// A relational database the <c>Sql*Store</c> classes run on: <see cref="Sqlite.SqliteDatabase"/> (embedded, the
/// default) or <see cref="Postgres.PostgresDatabase"/> (shared by several hosts). The stores' SQL is written once, in the
/// subset both engines speak (named <c>@</c> parameters, <c>ON CONFLICT</c>, <c>RETURNING</c>, <c>CASE</c> instead of
/// scalar <c>MAX</c>); the few differences are members of this class. Thread-safe.
/// </summary>
public abstract class SqlDatabase : IDisposable
{
    private OutboxEnlistment? _outbox;

    private protected SqlDatabase()
    {
    }

    /// <summary>Gets the schema version after migration.</summary>
    public abstract int SchemaVersion { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Gets or sets where the events staged for a write (<see cref="StagedEvents{T}"/>) go in its transaction; <see langword="null"/>: nowhere (no cluster bus).</summary>
    internal OutboxEnlistment? Outbox { get => Volatile.Read(ref _outbox); set => Volatile.Write(ref _outbox, value); }

    /// <summary>Runs <paramref name="work"/> in one transaction and commits it; a unique-key violation becomes <see cref="DuplicateEntityException"/>.
    /// Engines call <see cref="StagedEvents.WriteInTransaction"/> after the work and <see cref="StagedEvents.Commit"/> after the commit.</summary>
    internal abstract Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, T> work, CancellationToken cancellationToken);

    /// <summary>Runs a read on a connection of its own.</summary>
    internal abstract Task<T> ReadAsync<T>(Func<DbConnection, T> work, CancellationToken cancellationToken);

    /// <summary>An SQL expression: the first millisecond (Unix ms, UTC) of the month of the Unix-ms column <paramref name="column"/>.</summary>
    internal abstract string MonthStartMs(string column);

    /// <summary>Releases the connections.</summary>
    /// <param name="disposing">From <see cref="Dispose()"/>.</param>
    protected abstract void Dispose(bool disposing);

    internal static DbCommand Command(DbConnection conn, DbTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }

        return cmd;
    }

    internal static int Execute(DbConnection conn, string sql, DbTransaction? tx = null, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(conn, tx, sql, parameters);
        return cmd.ExecuteNonQuery();
    }

    internal static List<T> Query<T>(DbConnection conn, DbTransaction? tx, string sql, Func<DbDataReader, T> map, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(conn, tx, sql, parameters);
        using var r = cmd.ExecuteReader();
        var list = new List<T>();
        while (r.Read())
        {
            list.Add(map(r));
        }

        return list;
    }

    internal static long Scalar(DbConnection conn, DbTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(conn, tx, sql, parameters);
        return Convert.ToInt64(cmd.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    internal static string? StringOrNull(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    internal static long ToUnixMs(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    internal static DateTimeOffset FromUnixMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    internal static byte[] ToBlob(ReadOnlySpan<float> vector) => MemoryMarshal.AsBytes(vector).ToArray();

    internal static float[] FromBlob(byte[] blob)
    {
        if (blob.Length % sizeof(float) != 0)
        {
            throw new InvalidDataException("Embedding blob length is not a multiple of 4.");
        }

        return MemoryMarshal.Cast<byte, float>(blob).ToArray();
    }

    internal static object? Nullable(DateTimeOffset? t) => t is { } v ? ToUnixMs(v) : null;
}
