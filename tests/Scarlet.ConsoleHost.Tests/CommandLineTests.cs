using System.CommandLine;
using System.Text.Json;
using System.Text.RegularExpressions;
using Scarlet.Samples.CommandLine;
using Scarlet.Testing;

namespace Scarlet.ConsoleHost.Tests;

/// <summary>The parse layer of <c>scarlet</c>: the verb tree in process, and the rules as a user meets them.</summary>
public sealed partial class CommandLineTests
{
    [Fact]
    public void A_switch_before_the_path_does_not_take_the_path_as_its_value()
    {
        var parse = Cli.Build().Parse(["detect", "--json", "x.jpg", "--max-frames", "3"]);
        Assert.Empty(parse.Errors);
        var args = new CliArgs(parse);
        Assert.Equal("detect", args.Verb);
        Assert.Equal(["x.jpg"], args.Positional);
        Assert.True(args.Flag("json"));
        Assert.Equal(3, args.Int("max-frames", 0));
        Assert.False(args.Flag("attributes"));
        Assert.Equal(7, args.Int("threads", 7));
    }

    [Fact]
    public void Every_switch_of_every_verb_takes_no_value()
    {
        var switches = Verbs(Cli.Build()).SelectMany(v => v.Options).OfType<Option<bool>>().ToList();
        Assert.NotEmpty(switches);
        Assert.All(switches, o => Assert.Equal(0, o.Arity.MaximumNumberOfValues));
    }

    [Fact]
    public void Every_option_the_verbs_read_is_declared_on_a_verb()
    {
        // A verb reading args.Int("x", ..) that no verb declares fails only when run: catch it here, e.g. after a merge.
        var declared = Verbs(Cli.Build()).SelectMany(v => v.Options).Select(o => o.Name[2..]).ToHashSet(StringComparer.Ordinal);
        var read = Directory.GetFiles(Path.Combine(TestAssets.RepoRoot, "samples", "Scarlet.ConsoleHost", "Commands"), "*.cs")
            .SelectMany(f => OptionRead().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);
        Assert.True(read.Count > 100, $"only {read.Count} option names found: has the way verbs read options changed?");
        Assert.Empty(read.Except(declared));
    }

    [Fact]
    public void A_track_cv_grid_line_is_parsed_with_the_tracker_options_and_refuses_others()
    {
        var line = Cli.ParseGridLine(["--mode", "sort", "--track-buffer", "40", "--output-box", "detection"]);
        Assert.Equal("sort", line.Optional("mode"));
        Assert.Equal(40, line.Int("track-buffer", 30));
        var ex = Assert.Throws<UsageException>(() => Cli.ParseGridLine(["--mode", "sort", "--bogus", "1"]));
        Assert.Contains("--bogus", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_json_before_the_image_prints_the_json_and_draws_nothing_on_redirected_stderr()
    {
        var (code, stdout, stderr) = ScarletProcess.Run("detect", "--json", TestAssets.Data("faces/face_recognition/_group/two_people.jpg"));
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout.Trim());
        Assert.Equal(2, doc.RootElement.GetProperty("faces").GetArrayLength());

        // Redirected (scripts, tests, CI): no progress bar or colour codes, only the plain summary line.
        Assert.DoesNotContain('\u001b', stderr);
        Assert.StartsWith("frames: 1 ", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("detect", "bench", "--help")]
    [InlineData("--clients", "--host-env", "bench", "requests", "--help")]
    [InlineData("<input>", "--max-frames", "help", "detect")]
    public void Help_exits_0_and_names_the_verbs_and_options(string expected1, string expected2, params string[] args)
    {
        var (code, stdout, stderr) = ScarletProcess.Run(args);
        Assert.True(code == 0, stderr);
        Assert.Contains(expected1, stdout, StringComparison.Ordinal);
        Assert.Contains(expected2, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_exits_0_with_the_version()
    {
        var (code, stdout, stderr) = ScarletProcess.Run("--version");
        Assert.True(code == 0, stderr);
        Assert.Matches(@"^\d+\.\d+\.\d+", stdout.Trim());
    }

    [Theory]
    [InlineData("unknown option --bogus for 'detect'", "detect", "x.jpg", "--bogus")]
    [InlineData("unknown command 'bench warp'", "bench", "warp")]
    [InlineData("--max-frames takes a whole number, got 'many'", "detect", "x.jpg", "--max-frames", "many")]
    [InlineData("--reid does not apply to 'track'", "track", "--det", "det.txt", "--out", "o.txt", "--size", "10x10", "--fps", "5", "--reid")]
    [InlineData("--global-ids does not apply to 'track'", "track", "--det", "det.txt", "--out", "o.txt", "--size", "10x10", "--fps", "5", "--global-ids")]
    [InlineData("--link-gap takes the largest gap in frames to join across", "track", "--det", "det.txt", "--out", "o.txt", "--size", "10x10", "--fps", "5", "--link-gap", "-1")]
    public void A_command_line_mistake_exits_2_with_one_line_that_names_it(string expected, params string[] args)
    {
        var (code, stdout, stderr) = ScarletProcess.Run(args);
        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: " + expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_shows_the_defaults_the_verbs_use()
    {
        // Every declared default is the one its verb reads (args.Int/Double("name", literal) in the verb's file).
        var checkedDefaults = 0;
        foreach (var verb in Verbs(Cli.Build()))
        {
            var withDefault = verb.Options.Where(o => o is Option<int> or Option<double> && o.HasDefaultValue).ToList();
            if (withDefault.Count == 0)
            {
                continue;
            }

            var words = verb.Parents.OfType<Command>().Where(c => c is not RootCommand).Select(c => c.Name).Reverse().Append(verb.Name);
            var file = Path.Combine(TestAssets.RepoRoot, "samples", "Scarlet.ConsoleHost", "Commands",
                string.Concat(words.SelectMany(w => w.Split('-')).Select(w => char.ToUpperInvariant(w[0]) + w[1..])) + "Command.cs");
            var source = File.ReadAllText(file);
            foreach (var option in withDefault)
            {
                var read = Regex.Match(source, $@"args\.(?:Int|Double)\(""{Regex.Escape(option.Name[2..])}"", ([0-9.]+)\)");
                Assert.True(read.Success, $"{option.Name} of '{verb.Name}': no literal default read in {Path.GetFileName(file)}");
                Assert.Equal(Convert.ToDouble(option.GetDefaultValue(), System.Globalization.CultureInfo.InvariantCulture), double.Parse(read.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
                checkedDefaults++;
            }
        }

        Assert.True(checkedDefaults >= 20, $"only {checkedDefaults} defaults declared");

        // At run time too: a verb that reads another default than its help shows is a bug, not a silent choice.
        var args = new CliArgs(Cli.Build().Parse(["bench", "vision"]));
        Assert.Equal(50, args.Int("runs", 50));
        Assert.Throws<InvalidOperationException>(() => args.Int("runs", 49));
        Assert.Equal(12, new CliArgs(Cli.Build().Parse(["bench", "vision", "--runs", "12"])).Int("runs", 50));

        var (code, stdout, stderr) = ScarletProcess.Run("bench", "vision", "--help");
        Assert.True(code == 0, stderr);
        Assert.Matches(@"--runs <runs>\s+runs per stage \[default: 50\]", stdout);
    }

    private static IEnumerable<Command> Verbs(Command command) => command.Subcommands.Count == 0 ? [command] : command.Subcommands.SelectMany(Verbs);

    [GeneratedRegex(@"args\.(?:Int|Double|Flag|Optional|Required|All|Has)\(""([A-Za-z0-9-]+)""")]
    private static partial Regex OptionRead();
}
