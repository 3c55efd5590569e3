using System.Globalization;
using System.Text.RegularExpressions;

namespace Scarlet.ConsoleHost.Tests;

public sealed partial class BenchRequestsVerbTests
{
    [Fact]
    public void Bench_requests_starts_the_host_and_prints_parseable_contract_lines()
    {
        // One second per run at one client: the real host (child process), real models, one registered LFW customer.
        var (code, stdout, stderr) = ScarletProcess.Run("bench", "requests", "--seconds", "1", "--clients", "1");
        Assert.True(code == 0, stderr + stdout);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("endpoint clients requests rps p50_ms p99_ms inference_ms errors identified", lines[0]);
        foreach (var endpoint in new[] { "/recognize", "/process-frame" })
        {
            var run = Assert.Single(lines, l => l.StartsWith(endpoint + " ", StringComparison.Ordinal));
            var m = RunLine().Match(run);
            Assert.True(m.Success, run);
            var requests = int.Parse(m.Groups["requests"].Value, CultureInfo.InvariantCulture);
            Assert.True(requests > 0, run);

            // Every request found the registered customer, and the host reported its inference time.
            Assert.Equal("0", m.Groups["errors"].Value);
            Assert.Equal(requests, int.Parse(m.Groups["identified"].Value, CultureInfo.InvariantCulture));
            Assert.True(double.Parse(m.Groups["inference"].Value, CultureInfo.InvariantCulture) > 0, run);

            var stages = Assert.Single(lines, l => l.StartsWith("stages " + endpoint + " ", StringComparison.Ordinal));
            Assert.True(StagesLine().IsMatch(stages), stages);
            var ratio = Assert.Single(lines, l => l.StartsWith("overhead_ratio: ", StringComparison.Ordinal) && l.EndsWith("endpoint=" + endpoint, StringComparison.Ordinal));
            var r = RatioLine().Match(ratio);
            Assert.True(r.Success, ratio);

            // HTTP time includes the inference it reports.
            Assert.True(double.Parse(r.Groups[1].Value, CultureInfo.InvariantCulture) >= 1.0, ratio);
        }
    }

    [Theory]
    [InlineData("bench", "requests", "--clients", "0")]
    [InlineData("bench", "requests", "--endpoints", "register")]
    [InlineData("bench", "requests", "--seconds", "-1")]
    [InlineData("bench", "requests", "--host", "/nonexistent/Scarlet.WebHost.dll")]
    public void Bad_bench_requests_arguments_exit_2_with_one_line(params string[] args)
    {
        var (code, _, stderr) = ScarletProcess.Run(args);
        Assert.Equal(2, code);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [GeneratedRegex(@"^/(recognize|process-frame) \d+ (?<requests>\d+) \d+\.\d (\d+\.\d) (\d+\.\d) (?<inference>\d+\.\d) (?<errors>\d+) (?<identified>\d+)$")]
    private static partial Regex RunLine();

    [GeneratedRegex(@"^stages /[a-z-]+ clients=\d+ read=\S+ queue=\S+ decode=\S+ detect=\S+ refine=\S+ align=\S+ quality=\S+ embed=\S+ identify=\S+ attributes=\S+ store=\S+ serialise=\S+ transport=\S+ server_total=\S+ http_mean=\S+$")]
    private static partial Regex StagesLine();

    [GeneratedRegex(@"^overhead_ratio: (\d+\.\d\d) endpoint=/[a-z-]+$")]
    private static partial Regex RatioLine();
}
