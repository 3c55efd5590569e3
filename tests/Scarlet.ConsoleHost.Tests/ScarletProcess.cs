using Scarlet.Testing;

namespace Scarlet.ConsoleHost.Tests;

/// <summary>Runs the built <c>scarlet</c> command as a child process.</summary>
internal static class ScarletProcess
{
    public static (int ExitCode, string StdOut, string StdErr) Run(params string[] args) =>
        SampleProcess.Run("scarlet.dll", TimeSpan.FromMinutes(3), args);
}
