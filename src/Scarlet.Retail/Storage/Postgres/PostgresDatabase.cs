using System.Data;
using System.Data.Common;
using System.Net.Sockets;
using Npgsql;
using Scarlet.Retail.Storage.Sql;

namespace Scarlet.Retail.Storage.Postgres;

/// <summary>
/// A PostgreSQL database shared by several hosts (Npgsql, pooled connections), schema migrated on open
/// (<c>schema_version</c> table). Writes run in SERIALIZABLE transactions, retried on a serialisation failure, so the
/// stores' read-then-write steps (a purchase adding to the total spend, a merge) keep the guarantees SQLite's single
/// writer gives them. A server that cannot be reached fails the call with <see cref="StoreUnavailableException"/>; the pool
/// reconnects by itself once it is back. Thread-safe.
/// </summary>
public sealed class PostgresDatabase : SqlDatabase
{
    private const int MaxAttempts = 30;

    private readonly NpgsqlDataSource _source;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="PostgresDatabase"/> class: connects and migrates the schema.</summary>
    /// <param name="connectionString">An Npgsql connection string (<c>Host=...;Port=...;Username=...;Database=...</c>).</param>
    /// <exception cref="ArgumentException">Empty or malformed connection string.</exception>
    /// <exception cref="StoreUnavailableException">The server cannot be reached or refuses the login.</exception>
    public PostgresDatabase(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            throw new ArgumentException("Invalid PostgreSQL connection string: " + ex.Message, nameof(connectionString), ex);
        }

        Server = $"{builder.Host}:{builder.Port}/{builder.Database}";
        _source = NpgsqlDataSource.Create(builder);
        try
        {
            using var conn = _source.OpenConnection();
            PostgresSchemaMigrations.Apply(conn);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            _source.Dispose();
            throw new StoreUnavailableException($"PostgreSQL at {Server} cannot be reached: {ex.Message}", ex);
        }
    }

    /// <summary>Gets the server and database (<c>host:port/database</c>), without credentials.</summary>
    public string Server { get; }

    /// <inheritdoc/>
    public override int SchemaVersion => Read(conn => PostgresSchemaMigrations.CurrentVersion((NpgsqlConnection)conn));

    /// <summary>Whether the server answers now (a cheap round trip, for health checks).</summary>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns><see langword="true"/> when it answers.</returns>
    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using var conn = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var cmd = new NpgsqlCommand("SELECT 1", conn);
            await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            return false;
        }
    }

    /// <inheritdoc/>
    internal override async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var conn = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var tx = await conn.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken).ConfigureAwait(false);
                var result = work(conn, tx);
                var staged = StagedEvents.WriteInTransaction(Outbox, conn, tx, result);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                staged?.Commit();
                return result;
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected && attempt < MaxAttempts)
            {
                // Another host's transaction touched the same rows: run ours again on the new state, after a random
                // pause that grows with the attempts (full jitter), so a crowd of writers on one row spreads out.
                await Task.Delay(Random.Shared.Next(1, Math.Min(1 << Math.Min(attempt, 10), 250)), cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw new DuplicateEntityException("A record with the same key already exists: " + ex.MessageText, ex);
            }
            catch (Exception ex) when (IsUnavailable(ex))
            {
                throw new StoreUnavailableException($"PostgreSQL at {Server} cannot be reached: {ex.Message}", ex);
            }
        }
    }

    /// <inheritdoc/>
    internal override Task<T> ReadAsync<T>(Func<DbConnection, T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Read(work));
    }

    /// <inheritdoc/>
    internal override string MonthStartMs(string column) =>
        $"CAST(EXTRACT(EPOCH FROM date_trunc('month', to_timestamp({column} / 1000.0) AT TIME ZONE 'UTC')) AS BIGINT) * 1000";

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }

        _disposed = true;
        _source.Dispose();
    }

    /// <summary>A lost or refused connection, as opposed to an error in the statement (which is the caller's).</summary>
    private static bool IsUnavailable(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exception
            || pg.SqlState.StartsWith("57P", StringComparison.Ordinal) // admin/crash shutdown, cannot connect now
            || pg.SqlState == PostgresErrorCodes.TooManyConnections,
        NpgsqlException npg => npg.IsTransient || npg.InnerException is SocketException or IOException or TimeoutException,
        SocketException or IOException or TimeoutException => true,
        _ => false,
    };

    private T Read<T>(Func<DbConnection, T> work)
    {
        try
        {
            using var conn = _source.OpenConnection();
            return work(conn);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw new StoreUnavailableException($"PostgreSQL at {Server} cannot be reached: {ex.Message}", ex);
        }
    }
}
