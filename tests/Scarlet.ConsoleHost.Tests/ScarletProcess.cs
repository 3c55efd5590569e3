using System.Diagnostics;
using Scarlet.Testing;

namespace Scarlet.ConsoleHost.Tests;

/// <summary>Runs the built <c>scarlet</c> command as a child process, as a user or script would.</summary>
internal static class ScarletProcess
{
    public static (int ExitCode, string StdOut, string StdErr) Run(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "scarlet.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The repository root, so ../shared/models is found as a user running from a checkout would.
            WorkingDirectory = TestAssets.RepoRoot,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["SCARLET_MODELS"] = TestAssets.ModelsDir;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("scarlet did not finish in 3 minutes: " + string.Join(' ', args));
        }

        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
