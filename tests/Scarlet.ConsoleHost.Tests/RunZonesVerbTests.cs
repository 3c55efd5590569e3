using System.Text.Json;
using Scarlet.Testing;

namespace Scarlet.ConsoleHost.Tests;

public sealed class RunZonesVerbTests
{
    [Fact]
    public void Run_with_a_zones_file_reports_entries_into_the_normalised_zone()
    {
        var file = Path.Combine(Path.GetTempPath(), $"scarlet-zones-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{"zones":[{"name":"lawn","kind":"aisle","points":[[0,0],[1,0],[1,1],[0,1]]}]}""");
        try
        {
            var (code, stdout, stderr) = ScarletProcess.Run("run", "--camera", "pets=" + TestAssets.VtestVideo, "--zones", file, "--no-pacing", "--max-seconds", "20");
            Assert.True(code == 0, stderr);
            var entered = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonDocument.Parse(l).RootElement)
                .Where(e => e.GetProperty("type").GetString() == "zone_entered")
                .ToList();
            Assert.NotEmpty(entered);
            Assert.All(entered, e => Assert.Equal("lawn", e.GetProperty("zone").GetString()));

            File.WriteAllText(file, """{"zones":[{"name":"lawn","kind":"lobby","points":[[0,0],[1,0],[1,1]]}]}""");
            var bad = ScarletProcess.Run("run", "--camera", "pets=" + TestAssets.VtestVideo, "--zones", file);
            Assert.NotEqual(0, bad.ExitCode);
            Assert.Contains("kind", bad.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
