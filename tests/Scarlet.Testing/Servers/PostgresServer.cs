using System.Globalization;
using Npgsql;

namespace Scarlet.Testing.Servers;

/// <summary>
/// A private PostgreSQL server for tests, from the Debian <c>postgresql</c> package (scripts/setup.sh --test): initdb
/// into a temp folder, started on a free loopback port, stopped and deleted on <see cref="Dispose"/>. Never the system
/// service. PostgreSQL refuses to run as root, so as root (CI) the folder belongs to, and the server runs as, the Debian
/// <c>postgres</c> user. fsync is off: a test server's durability is the OS page cache's (a stop is still clean).
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private static readonly Lazy<PostgresServer> s_shared = new(() =>
    {
        var server = new PostgresServer();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        return server;
    });

    private readonly string? _runAs;
    private readonly string _bin;
    private int _databases;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="PostgresServer"/> class: creates and starts the server.</summary>
    public PostgresServer()
    {
        _bin = FindBinaries();
        DeleteAbandoned();
        _runAs = LocalProcess.IsRoot ? "postgres" : null;
        DataDirectory = Directory.CreateTempSubdirectory("scarlet-pg-").FullName;
        if (_runAs is not null)
        {
            LocalProcess.Run("chown", [_runAs + ":", DataDirectory]);
        }

        Port = LocalProcess.FreePort();
        LocalProcess.Run(Path.Combine(_bin, "initdb"), ["-D", Path.Combine(DataDirectory, "data"), "-U", "scarlet", "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync"], _runAs, TimeSpan.FromMinutes(2));
        Start();
        var pgCtl = Path.Combine(_bin, "pg_ctl");
        var asUser = _runAs is null ? string.Empty : $"runuser -u {_runAs} -- ";
        LocalProcess.WhenThisProcessExits($"{asUser}'{pgCtl}' -D '{Path.Combine(DataDirectory, "data")}' -m immediate -w stop >/dev/null 2>&1; rm -rf '{DataDirectory}'");
    }

    /// <summary>Gets the server shared by every test of this process (started on first use, stopped at exit).</summary>
    public static PostgresServer Shared => s_shared.Value;

    /// <summary>Gets the folder holding the cluster, the socket and the log.</summary>
    public string DataDirectory { get; }

    /// <summary>Gets the loopback port.</summary>
    public int Port { get; }

    /// <summary>Gets a connection string for the <c>postgres</c> maintenance database.</summary>
    public string AdminConnectionString => ConnectionString("postgres");

    /// <summary>A connection string for one database of this server.</summary>
    /// <param name="database">Database name.</param>
    /// <returns>The connection string.</returns>
    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "scarlet", Database = database, Timeout = 5, CommandTimeout = 30 }.ConnectionString;

    /// <summary>Creates a fresh, empty database and returns its connection string.</summary>
    /// <returns>The connection string.</returns>
    public string CreateDatabase()
    {
        var name = "t" + Interlocked.Increment(ref _databases).ToString(CultureInfo.InvariantCulture) + "_" + Guid.NewGuid().ToString("N")[..8];
        using var conn = new NpgsqlConnection(AdminConnectionString);
        conn.Open();
        using var cmd = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE template0", conn); // a fixed-format identifier: no parameter exists for names
        cmd.ExecuteNonQuery();
        return ConnectionString(name);
    }

    /// <summary>Starts the server (again, after <see cref="Stop()"/>).</summary>
    public void Start()
    {
        var data = Path.Combine(DataDirectory, "data");
        LocalProcess.Run(
            Path.Combine(_bin, "pg_ctl"),
            ["-D", data, "-l", Path.Combine(DataDirectory, "server.log"), "-w", "-t", "60", "-o", $"-p {Port} -k {DataDirectory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start"],
            _runAs,
            TimeSpan.FromSeconds(90));
    }

    /// <summary>Stops the server (fast shutdown: open connections are closed, the data is kept).</summary>
    public void Stop() => Stop("fast");

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            // Immediate: the data is deleted next, and a test host at exit has little time.
            Stop("immediate");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Deletes the folders of earlier runs whose server is gone (a test host killed before it cleaned up).</summary>
    private static void DeleteAbandoned()
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), "scarlet-pg-*"))
        {
            if (!File.Exists(Path.Combine(dir, "data", "postmaster.pid")) && Directory.GetCreationTimeUtc(dir) < DateTime.UtcNow.AddMinutes(-1))
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
    }

    private void Stop(string mode) =>
        LocalProcess.Run(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(DataDirectory, "data"), "-w", "-m", mode, "stop"], _runAs, TimeSpan.FromSeconds(60));

    private static string FindBinaries()
    {
        var fromEnv = Environment.GetEnvironmentVariable("SCARLET_PG_BIN");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }

        var root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/setup.sh --test.");
    }
}
