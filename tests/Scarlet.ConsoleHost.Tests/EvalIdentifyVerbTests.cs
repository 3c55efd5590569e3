using System.Globalization;
using System.Text.Json;
using Scarlet.Testing;

namespace Scarlet.ConsoleHost.Tests;

public sealed class EvalIdentifyVerbTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scarlet-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Eval_identify_prints_the_contract_lines_per_gallery_size_and_writes_report_and_plot()
    {
        // A small face set in the documented layout: links to 60 LFW people (every 40th), one folder per person.
        var set = Path.Combine(_dir, "faces");
        var people = Directory.GetDirectories(Path.Combine(TestAssets.Lfw, "images")).Order(StringComparer.Ordinal).Where((_, i) => i % 40 == 0).Take(60);
        Directory.CreateDirectory(set);
        foreach (var p in people)
        {
            Directory.CreateSymbolicLink(Path.Combine(set, Path.GetFileName(p)), p);
        }

        var report = Path.Combine(_dir, "report.json");
        var (code, stdout, stderr) = ScarletProcess.Run("eval", "identify", "--images", set, "--gallery", "5,40", "--repeats", "2", "--target-fmr", "0.05", "--out", report);
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var size in new[] { 5, 40 })
        {
            var at = Array.IndexOf(lines, $"gallery: {size}");
            Assert.True(at >= 0, stdout);
            Assert.StartsWith("threshold: ", lines[at + 1], StringComparison.Ordinal);
            Assert.StartsWith("false_match: ", lines[at + 2], StringComparison.Ordinal);
            Assert.StartsWith("genuine_correct: ", lines[at + 3], StringComparison.Ordinal);
            var t = double.Parse(lines[at + 1]["threshold: ".Length..], CultureInfo.InvariantCulture);
            var g = double.Parse(lines[at + 3]["genuine_correct: ".Length..], CultureInfo.InvariantCulture);
            Assert.InRange(t, 0.2, 0.8);
            Assert.InRange(g, 0.5, 1.0);
        }

        Assert.Contains(lines, l => l.StartsWith("duplicate_threshold: ", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal(2, json.RootElement.GetProperty("galleries").GetArrayLength());
        Assert.True(new FileInfo(Path.ChangeExtension(report, ".svg")).Length > 1000);
    }

    [Theory]
    [InlineData("eval")]
    [InlineData("eval", "identify")]
    [InlineData("eval", "identify", "--images", "/nonexistent-dir")]
    [InlineData("eval", "identify", "--images", "/tmp", "--gallery", "ten")]
    [InlineData("eval", "identify", "--images", "/tmp", "--target-fmr", "2")]
    public void Bad_eval_arguments_exit_2_with_one_line(params string[] args)
    {
        var (code, _, stderr) = ScarletProcess.Run(args);
        Assert.Equal(2, code);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
