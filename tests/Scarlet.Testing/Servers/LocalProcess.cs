using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Scarlet.Testing.Servers;

/// <summary>Helpers for the private database servers the tests start: free ports, short commands, the run-as user.</summary>
internal static class LocalProcess
{
    /// <summary>Gets a value indicating whether this process runs as root (CI does; PostgreSQL refuses to).</summary>
    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>A TCP port that was free a moment ago on the loopback interface.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a command to completion (as <paramref name="runAs"/> through <c>runuser</c> when given) and throws with its output when it fails.</summary>
    public static string Run(string file, IEnumerable<string> args, string? runAs = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(runAs is null ? file : "runuser") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (runAs is not null)
        {
            psi.ArgumentList.Add("-u");
            psi.ArgumentList.Add(runAs);
            psi.ArgumentList.Add("--");
            psi.ArgumentList.Add(file);
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', psi.ArgumentList)} did not finish.");
        }

        return p.ExitCode == 0
            ? stdout.Result
            : throw new InvalidOperationException($"{file} {string.Join(' ', psi.ArgumentList)} exited with {p.ExitCode}: {stdout.Result} {stderr.Result}");
    }

    /// <summary>
    /// Starts a detached watchdog that runs <paramref name="cleanup"/> (a shell command) once this process is gone: the
    /// test host may exit without running finalisers or exit handlers, and a server it started must not outlive it.
    /// </summary>
    public static void WhenThisProcessExits(string cleanup)
    {
        var psi = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"while [ -e /proc/{Environment.ProcessId} ]; do sleep 1; done; {cleanup}");
        using var _ = Process.Start(psi);
    }

    /// <summary>Waits until a TCP port accepts connections.</summary>
    public static void WaitForPort(int port, TimeSpan timeout, Func<string> whyNot)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new TimeoutException($"Nothing listens on port {port} after {timeout}: {whyNot()}");
    }
}
