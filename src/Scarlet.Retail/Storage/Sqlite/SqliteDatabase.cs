using System.Data.Common;
using Microsoft.Data.Sqlite;
using Scarlet.Retail.Storage.Sql;

namespace Scarlet.Retail.Storage.Sqlite;

/// <summary>
/// One SQLite database file: WAL journal, foreign keys on, schema migrated on open (<c>schema_version</c> table).
/// All writes go through one connection, serialised; every read opens its own (pooled) connection, which WAL lets run
/// beside the writer. Thread-safe.
/// </summary>
public sealed class SqliteDatabase : SqlDatabase
{
    private readonly SqliteConnection _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly string _readConnectionString;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="SqliteDatabase"/> class: opens (creating if needed) and migrates the file.</summary>
    /// <param name="path">Database file path; its folder is created if missing.</param>
    /// <exception cref="ArgumentException">Empty path.</exception>
    public SqliteDatabase(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        var builder = new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 30 };
        _writer = new SqliteConnection(builder.ToString());
        _writer.Open();

        // WAL: readers never block the writer. synchronous=FULL: a commit is on disk before it is acknowledged.
        Execute(_writer, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;");
        SchemaMigrations.Apply(_writer);
        builder.Mode = SqliteOpenMode.ReadOnly;
        _readConnectionString = builder.ToString();
    }

    /// <summary>Gets the full path of the database file.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public override int SchemaVersion => SchemaMigrations.CurrentVersion(_writer);

    /// <summary>Runs <c>PRAGMA integrity_check</c> and <c>PRAGMA foreign_key_check</c>.</summary>
    /// <returns><c>ok</c>, or the problems found.</returns>
    public string CheckIntegrity()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var conn = OpenReader();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "PRAGMA integrity_check";
        var result = Convert.ToString(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "no result";
        cmd.CommandText = "PRAGMA foreign_key_check";
        using var reader = cmd.ExecuteReader();
        return reader.Read() ? $"foreign key violation in table {reader.GetString(0)}" : result;
    }

    /// <summary>Runs a write in one transaction on the single write connection; writes are serialised.</summary>
    internal override async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var tx = _writer.BeginTransaction();
            var result = work(_writer, tx);
            var staged = StagedEvents.WriteInTransaction(Outbox, _writer, tx, result);
            tx.Commit();
            staged?.Commit();
            return result;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19 && ex.SqliteExtendedErrorCode is 2067 or 1555)
        {
            throw new DuplicateEntityException("A record with the same key already exists: " + ex.Message, ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Runs a read on its own connection.</summary>
    internal override Task<T> ReadAsync<T>(Func<DbConnection, T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        using var conn = OpenReader();
        return Task.FromResult(work(conn));
    }

    /// <inheritdoc/>
    internal override string MonthStartMs(string column) => $"CAST(strftime('%s', date({column} / 1000, 'unixepoch', 'start of month')) AS INTEGER) * 1000";

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }

        _disposed = true;
        _writeLock.Wait();
        _writer.Dispose();
        _writeLock.Dispose();
    }

    private SqliteConnection OpenReader()
    {
        var conn = new SqliteConnection(_readConnectionString);
        conn.Open();
        return conn;
    }
}
