using System.Globalization;
using System.Text.RegularExpressions;
using Scarlet.Testing;

namespace Scarlet.ConsoleHost.Tests;

public sealed partial class LfwVerbTests
{
    [Fact]
    public void Lfw_prints_each_fold_and_ends_with_the_contract_line()
    {
        // 7 folds x (3 same + 3 different) pairs from the raw images, through the default pipeline.
        var (code, stdout, stderr) = ScarletProcess.Run(
            "lfw", "--pairs", Path.Combine(TestAssets.Lfw, "pairs.txt"), "--images", Path.Combine(TestAssets.Lfw, "images"), "--pairs-per-fold", "3");
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("42 pairs in 7 folds", lines[0], StringComparison.Ordinal);

        // The defaults measured in docs/recognition.md: flip and landmark refinement on.
        Assert.Contains("flip on, landmark refinement on", lines[0], StringComparison.Ordinal);
        Assert.Equal(7, lines.Count(l => l.StartsWith("fold ", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.Contains("no face found: 0", StringComparison.Ordinal));
        var last = ContractLine().Match(lines[^1]);
        Assert.True(last.Success, lines[^1]);
        Assert.True(double.Parse(last.Groups[1].Value, CultureInfo.InvariantCulture) >= 0.9, lines[^1]);
        Assert.InRange(double.Parse(last.Groups[2].Value, CultureInfo.InvariantCulture), 0.1, 0.6);
    }

    [Fact]
    public void Choose_refine_margin_prints_held_out_folds_the_margin_and_the_accuracy()
    {
        // 7 folds x (2 same + 2 different) pairs: each image embedded unrefined and refined.
        var (code, stdout, stderr) = ScarletProcess.Run(
            "lfw", "--pairs", Path.Combine(TestAssets.Lfw, "pairs.txt"), "--images", Path.Combine(TestAssets.Lfw, "images"), "--pairs-per-fold", "2", "--choose-refine-margin");
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(7, lines.Count(l => l.StartsWith("fold ", StringComparison.Ordinal) && l.Contains(" agreement ", StringComparison.Ordinal)));
        Assert.Equal(41, lines.Count(l => l.StartsWith("margin ", StringComparison.Ordinal)));
        var margin = lines.Single(l => l.StartsWith("refine_margin: ", StringComparison.Ordinal));
        Assert.InRange(float.Parse(margin["refine_margin: ".Length..], CultureInfo.InvariantCulture), 0f, 0.2f);
        Assert.StartsWith("accuracy: ", lines[^1], StringComparison.Ordinal);
        Assert.True(double.Parse(lines[^1]["accuracy: ".Length..], CultureInfo.InvariantCulture) >= 0.8, lines[^1]);
    }

    [Theory]
    [InlineData("lfw", "--pairs", "p.txt", "--images", "/tmp", "--choose-refine-margin", "--no-refine")]
    [InlineData("lfw")]
    [InlineData("lfw", "--pairs", "/nonexistent/pairs.txt", "--images", "/tmp")]
    [InlineData("lfw", "--pairs", "p.txt", "--images", "/nonexistent-dir")]
    [InlineData("lfw", "--pairs", "p.txt", "--images", "/tmp", "--refine", "--no-refine")]
    public void Bad_lfw_arguments_exit_2_with_one_line(params string[] args)
    {
        var (code, _, stderr) = ScarletProcess.Run(args);
        Assert.Equal(2, code);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [GeneratedRegex(@"^accuracy: (0\.\d{4}|1\.0000) threshold: (-?\d\.\d{4})$")]
    private static partial Regex ContractLine();
}
