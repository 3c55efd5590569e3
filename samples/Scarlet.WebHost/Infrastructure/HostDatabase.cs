using Microsoft.Data.Sqlite;

namespace Scarlet.WebHost;

/// <summary>
/// The host's own tables (admin users, API keys, run-time state) live in the retail SQLite file: one place that opens
/// it the same way for each of them.
/// </summary>
internal sealed class HostDatabase
{
    private readonly string _connectionString;

    public HostDatabase(string databasePath)
    {
        var full = Path.GetFullPath(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = full, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    /// <summary>Opens a connection that waits for a writer of another connection instead of failing at once.</summary>
    public SqliteConnection Open()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        Exec(c, "PRAGMA busy_timeout = 10000;");
        return c;
    }

    public static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = Cmd(c, sql);
        cmd.ExecuteNonQuery();
    }

#pragma warning disable CA2100 // SQL text is constant; values are parameters.
    public static SqliteCommand Cmd(SqliteConnection c, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in args)
        {
            cmd.Parameters.AddWithValue(n, v ?? DBNull.Value);
        }

        return cmd;
    }
#pragma warning restore CA2100
}
