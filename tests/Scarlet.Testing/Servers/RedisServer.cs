using System.Diagnostics;

namespace Scarlet.Testing.Servers;

/// <summary>
/// A private Redis server for tests, from the Debian <c>redis-server</c> package (scripts/setup.sh --test), on a free
/// loopback port with its data in a temp folder; never the system service. The append-only file is on, fsynced on every
/// write, so a restart (<see cref="Restart"/>) keeps every write Redis acknowledged, as a production bus must.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private Process? _process;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="RedisServer"/> class: starts the server.</summary>
    public RedisServer()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"redis-server is not installed ({Binary}): run scripts/setup.sh --test.");
        }

        DataDirectory = Directory.CreateTempSubdirectory("scarlet-redis-").FullName;
        Port = LocalProcess.FreePort();
        Start();
        LocalProcess.WhenThisProcessExits($"[ -s '{PidFile}' ] && kill \"$(cat '{PidFile}')\" 2>/dev/null; sleep 1; rm -rf '{DataDirectory}'");
    }

    /// <summary>Gets the loopback port.</summary>
    public int Port { get; }

    /// <summary>Gets the data folder.</summary>
    public string DataDirectory { get; }

    /// <summary>Gets the StackExchange.Redis configuration string.</summary>
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000";

    private string PidFile => Path.Combine(DataDirectory, "redis.pid");

    private static string Binary => Environment.GetEnvironmentVariable("SCARLET_REDIS_SERVER") is { Length: > 0 } b ? b : "/usr/bin/redis-server";

    /// <summary>Starts the server (again, after <see cref="Kill"/>).</summary>
    public void Start()
    {
        var psi = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", DataDirectory, "--save", string.Empty, "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no", "--protected-mode", "yes", "--pidfile", PidFile])
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        LocalProcess.WaitForPort(Port, TimeSpan.FromSeconds(30), () => _process.HasExited ? $"redis-server exited with {_process.ExitCode}" : "still starting");
    }

    /// <summary>Kills the server (SIGKILL: no shutdown save; the append-only file is all that is left).</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            p.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Kills and starts the server on the same port and data.</summary>
    public void Restart()
    {
        Kill();
        Start();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Kill();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
