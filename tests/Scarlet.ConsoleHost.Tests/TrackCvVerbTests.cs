using Scarlet.Testing;

namespace Scarlet.ConsoleHost.Tests;

public sealed class TrackCvVerbTests
{
    [Fact]
    public void Track_cv_with_raw_sequences_folds_them_in_and_scores_the_check_sequence_with_the_all_fold_choice()
    {
        var grid = Path.Combine(Path.GetTempPath(), $"scarlet-track-cv-{Guid.NewGuid():N}.txt");
        File.WriteAllLines(grid, ["off: --momentum 0", "no-recovery: --recovery-iou 0", "on:"]);
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
}
