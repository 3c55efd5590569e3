using Scarlet.Testing;

namespace Scarlet.ConsoleHost.Tests;

public sealed class TrackCvVerbTests
{
    [Fact]
    public void Track_cv_with_raw_sequences_folds_them_in_and_scores_the_check_sequence_with_the_all_fold_choice()
    {
        var grid = Path.Combine(Path.GetTempPath(), $"scarlet-track-cv-{Guid.NewGuid():N}.txt");
        // The tracker's own output (the fourth pass's figures): no offline post-processing.
        const string trackerOnly = "--output-box kalman --link-gap 0 --interpolate 0 --smooth 0";
        File.WriteAllLines(grid, [$"off: --momentum 0 {trackerOnly}", $"no-recovery: --recovery-iou 0 {trackerOnly}", $"on: {trackerOnly}"]);
        try
        {
            var (code, stdout, stderr) = ScarletProcess.Run(
                "track-cv", "--gt", TestAssets.Data("mot17/train"), "--trackers", TestAssets.Data("mot17/trackers"), "--grid", grid,
                "--sources", "MPNTrack", "--raw", TestAssets.Data("mot15/train"),
                "--check-det", TestAssets.Data("mot15/train/PETS09-S2L1/det/det.txt"), "--check-gt", TestAssets.Data("video/vtest_annotations/gt_mot.txt"), "--check-fps", "10");
            Assert.True(code == 0, stderr + stdout);
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

            // Four MOT17 videos and the two MOT15 sequences with ground truth are folds; the raw ones score only "raw".
            foreach (var fold in new[] { "MOT17-02", "MOT17-04", "MOT17-05", "MOT17-09", "TUD-Campus", "TUD-Stadtmitte" })
            {
                var line = Assert.Single(lines, l => l.StartsWith($"fold {fold} chose ", StringComparison.Ordinal));
                Assert.Contains(fold.StartsWith("TUD", StringComparison.Ordinal) ? "raw: HOTA" : "MPNTrack: HOTA", line, StringComparison.Ordinal);
            }

            Assert.Contains(lines, l => l.StartsWith("cv   COMBINED (held-out)", StringComparison.Ordinal) && l.Contains("raw: HOTA", StringComparison.Ordinal));

            // PETS09-S2L1 is in no choice; the defaults (momentum and recovery on) win on the six folds and give the
            // documented figures.
            var check = Assert.Single(lines, l => l.StartsWith("check chose ", StringComparison.Ordinal));
            Assert.StartsWith("check chose on ", check, StringComparison.Ordinal);
            Assert.EndsWith("check: HOTA 0.4100 MOTA 0.6224 IDF1 0.5568 IDSW 83", check, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(grid);
        }
    }

    [Fact]
    public void Track_post_processes_by_default_and_the_flags_turn_it_off()
    {
        var outDir = Directory.CreateTempSubdirectory("scarlet-track-offline-");
        try
        {
            string[] common = ["track", "--det", TestAssets.Data("mot15/train/PETS09-S2L1/det/det.txt"), "--size", "768x576", "--fps", "10"];
            var raw = Summary([.. common, "--out", Path.Combine(outDir.FullName, "raw.txt"), "--output-box", "kalman", "--link-gap", "0", "--interpolate", "0", "--smooth", "0"]);
            var linked = Summary([.. common, "--out", Path.Combine(outDir.FullName, "linked.txt")]);
            Assert.True(linked.Tracks < raw.Tracks, $"tracks {raw.Tracks} -> {linked.Tracks}");
            Assert.True(linked.Rows > raw.Rows, $"rows {raw.Rows} -> {linked.Rows}");
            Assert.Equal(linked.Tracks, File.ReadLines(Path.Combine(outDir.FullName, "linked.txt")).Select(l => l.Split(',')[1]).Distinct().Count());

            // Scored, the defaults give docs/tracking.md's fifth-pass PETS09 figures.
            var (code, stdout, stderr) = ScarletProcess.Run("mot-eval", "--gt", TestAssets.Data("video/vtest_annotations/gt_mot.txt"), "--res", Path.Combine(outDir.FullName, "linked.txt"), "--benchmark", "MOT15");
            Assert.True(code == 0, stderr + stdout);
            Assert.Contains("HOTA=0.4811 MOTA=0.7331 IDF1=0.6352", stdout, StringComparison.Ordinal);
        }
        finally
        {
            outDir.Delete(recursive: true);
        }

        static (int Rows, int Tracks) Summary(string[] args)
        {
            var (code, stdout, stderr) = ScarletProcess.Run(args);
            Assert.True(code == 0, stderr + stdout);
            var line = stdout.Trim();
            int Field(string name) => int.Parse(System.Text.RegularExpressions.Regex.Match(line, $@"\b{name}=(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            return (Field("rows"), Field("tracks"));
        }
    }
}
