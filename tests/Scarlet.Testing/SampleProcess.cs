using System.Diagnostics;

namespace Scarlet.Testing;

/// <summary>
/// Runs a sample program (an assembly built next to the test) as a child process, from the repository root with
/// <c>SCARLET_MODELS</c> set, as a user or script would; returns its exit code and output.
/// </summary>
public static class SampleProcess
{
    /// <summary>Runs <c>dotnet &lt;assembly&gt; args</c> and waits for it.</summary>
    /// <param name="assemblyFileName">The program's dll in the test's output folder (for example <c>scarlet.dll</c>).</param>
    /// <param name="timeout">How long it may run before it is killed and a <see cref="TimeoutException"/> is thrown.</param>
    /// <param name="args">The command-line arguments.</param>
    public static (int ExitCode, string StdOut, string StdErr) Run(string assemblyFileName, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The repository root, so ../shared/models is found as by a user running from a checkout.
            WorkingDirectory = TestAssets.RepoRoot,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assemblyFileName));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["SCARLET_MODELS"] = TestAssets.ModelsDir;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{assemblyFileName} did not finish in {timeout}: {string.Join(' ', args)}");
        }

        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
