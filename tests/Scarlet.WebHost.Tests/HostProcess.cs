using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Scarlet.Testing;

namespace Scarlet.WebHost.Tests;

/// <summary>
/// The web host as a child process (the built <c>Scarlet.WebHost.dll</c> next to the tests), on a free loopback port
/// with its own data folder, so a test can measure that process's memory alone (<c>/proc/PID/status</c>). Seed endpoints
/// are open (no key needed); everything else is the production set-up in the Production environment.
/// </summary>
public sealed class HostProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _dataDirectory;
    private readonly System.Text.StringBuilder _output = new();

    private HostProcess(Process process, string dataDirectory, Uri baseAddress)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int Pid => _process.Id;

    /// <summary>Gets what the host wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Gets the bytes the host has written to stdout and stderr so far.</summary>
    public long OutputBytes { get; private set; }

    /// <summary>Starts the host and waits until <c>/health</c> answers.</summary>
    /// <param name="settings">Extra configuration as environment variables (<c>Scarlet__Images__MaxConcurrentDecodes</c>).</param>
    public static async Task<HostProcess> StartAsync(IReadOnlyDictionary<string, string>? settings = null, TimeSpan? timeout = null)
    {
        var data = Path.Combine(Path.GetTempPath(), "scarlet-hostprocess-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.Combine(TestAssets.RepoRoot, "samples", "Scarlet.WebHost"),
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Scarlet.WebHost.dll"));
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add($"http://127.0.0.1:{port}");
        var env = psi.Environment;
        env["ASPNETCORE_ENVIRONMENT"] = "Production";
        env["Scarlet__Storage__Path"] = Path.Combine(data, "scarlet.db");
        env["Scarlet__Jwt__Secret"] = HostFixture.Secret;
        env["Scarlet__Admin__Username"] = HostFixture.AdminUser;
        env["Scarlet__Admin__Password"] = HostFixture.AdminPassword;
        env["Scarlet__Models__Directory"] = TestAssets.ModelsDir;
        env["Scarlet__Demo__Enabled"] = "false";
        env["Scarlet__Demo__Video"] = TestAssets.VtestVideo;
        env["Scarlet__Security__PasswordIterations"] = "1000";
        env["Scarlet__Security__OpenSeedEndpoints"] = "true";
        env["SCARLET_MODELS"] = TestAssets.ModelsDir;
        foreach (var (k, v) in settings ?? new Dictionary<string, string>())
        {
            env[k] = v;
        }

        var process = new Process { StartInfo = psi };
        var host = new HostProcess(process, data, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
            var deadline = Stopwatch.StartNew();
            var limit = timeout ?? TimeSpan.FromSeconds(90);
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"The host exited with {process.ExitCode}: {host.Output}");
                }

                try
                {
                    using var res = await http.GetAsync("/health");
                    if (res.IsSuccessStatusCode)
                    {
                        return host;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                }

                if (deadline.Elapsed > limit)
                {
                    throw new TimeoutException($"The host did not answer /health in {limit}: {host.Output}");
                }

                await Task.Delay(200);
            }
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Reads a field of <c>/proc/PID/status</c> in bytes (<c>VmRSS</c> now, <c>VmHWM</c> the peak so far).</summary>
    public long StatusBytes(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var kb = line[(field.Length + 1)..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{Pid}/status has no {field}");
    }

    /// <summary>Gets the number of threads of the host process.</summary>
    public int Threads => (int)(StatusBytes("Threads") / 1024);

    /// <summary>Gets the number of open file descriptors of the host process.</summary>
    public int Handles => Directory.GetFiles($"/proc/{Pid}/fd").Length;

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            OutputBytes += System.Text.Encoding.UTF8.GetByteCount(line) + 1;

            // Keeps the start of the output for failure messages without holding a chatty host's whole log.
            if (_output.Length < 64 * 1024)
            {
                _output.AppendLine(line);
            }
        }
    }
}
