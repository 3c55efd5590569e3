using System.Globalization;
using System.Text.RegularExpressions;
using Scarlet.Testing;

namespace Scarlet.ConsoleHost.Tests;

public sealed partial class TrackVideoVerbTests
{
    /// <summary>
    /// <c>--global-ids</c> scores the resolver's person ids of one camera (docs/retail.md, anonymous re-entries): the
    /// result file holds those ids, the report says so, and the summary line counts persons, tracks and joins.
    /// </summary>
    [Fact]
    public void Global_ids_of_a_single_view_are_written_and_scored()
    {
        var res = Path.Combine(Path.GetTempPath(), $"scarlet-track-{Guid.NewGuid():N}.txt");
        try
        {
            var (code, stdout, stderr) = ScarletProcess.Run(
                "track", "--video", TestAssets.VtestVideo, "--reid", "--global-ids", "--max-frames", "40",
                "--gt", TestAssets.Data("video/vtest_annotations/gt_mot.txt"), "--out", res);
            Assert.True(code == 0, stderr);
            var summary = SummaryLine().Match(stdout);
            Assert.True(summary.Success, stdout);
            var persons = int.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture);
            var tracks = int.Parse(summary.Groups[2].Value, CultureInfo.InvariantCulture);
            var splits = int.Parse(summary.Groups[3].Value, CultureInfo.InvariantCulture);
            Assert.InRange(persons, 3, tracks + splits); // a person is one track or several joined ones (a split makes one more)
            Assert.Contains("global ids: HOTA=", stdout, StringComparison.Ordinal);

            var ids = File.ReadLines(res).Select(l => int.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).Distinct().Count();
            Assert.Equal(persons, ids);
        }
        finally
        {
            File.Delete(res);
        }
    }

    [GeneratedRegex(@"global persons: (\d+), local tracks: (\d+), joins \d+ \(appearance \d+\), splits (\d+)")]
    private static partial Regex SummaryLine();
}
