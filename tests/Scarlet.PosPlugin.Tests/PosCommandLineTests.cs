using Scarlet.Testing;

namespace Scarlet.PosPlugin.Tests;

/// <summary>The plug-in's command line: help, version and mistakes, before any model or database is opened.</summary>
public sealed class PosCommandLineTests
{
    [Fact]
    public void Help_and_version_exit_0()
    {
        var help = Run("--help");
        Assert.True(help.ExitCode == 0, help.StdErr);
        Assert.Contains("checkout", help.StdOut, StringComparison.Ordinal);
        Assert.Contains("--db", help.StdOut, StringComparison.Ordinal);

        var version = Run("--version");
        Assert.True(version.ExitCode == 0, version.StdErr);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.StdOut.Trim());
    }

    [Theory]
    [InlineData("unknown option --bogus for 'checkout'", "--db", "x.db", "checkout", "--photo", "a.jpg", "--bogus")]
    [InlineData("--days takes a whole number", "--db", "x.db", "promo", "add", "--title", "t", "--discount", "5%", "--days", "soon")]
    [InlineData("Option '--photo' is required", "--db", "x.db", "enroll", "--name", "Ada")]
    public void A_command_line_mistake_exits_2_with_one_line(string expected, params string[] args)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: " + expected, line, StringComparison.Ordinal);
    }

    private static (int ExitCode, string StdOut, string StdErr) Run(params string[] args) =>
        SampleProcess.Run("scarlet-pos.dll", TimeSpan.FromMinutes(1), args);
}
