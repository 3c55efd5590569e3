using Xunit.Abstractions;
using System.Diagnostics;
using Scarlet.Retail.Storage.Sql;
using Scarlet.Retail.Storage.Sqlite;
using Scarlet.Retail.Tests.Support;

namespace Scarlet.Retail.Tests;

/// <summary>
/// Runs Scarlet.Retail.CrashChild (writes and acknowledges each commit on stdout) and kills it with SIGKILL at random
/// moments, several times over one database; then every acknowledged write must be there, intact, and the database
/// consistent (integrity check, foreign keys, total spend = sum of purchases).
/// </summary>
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_acknowledged_write_survives_sigkill_and_the_database_stays_consistent()
    {
        using var dir = new TempDir();
        var db = dir.File("crash.db");
        var child = Path.Combine(AppContext.BaseDirectory, "Scarlet.Retail.CrashChild.dll");
        Assert.True(File.Exists(child), "crash child not built next to the tests: " + child);
        var rng = new Random(20250310);
        var acked = new List<string[]>();
        for (var round = 0; round < 4; round++)
        {
            // Kill after a random number of acknowledged writes plus a random delay: random moments, yet enough writes
            // however loaded the machine is (a fixed time window acknowledged only 7 writes under a load of 25).
            acked.AddRange(RunAndKill(child, db, round, rng.Next(8, 40), rng.Next(0, 60)));
        }

        output.WriteLine($"acknowledged writes over 4 kills: {acked.Count}");
        Assert.True(acked.Count > 20, $"too few writes acknowledged ({acked.Count}) to mean anything");

        using var database = new SqliteDatabase(db);
        Assert.Equal("ok", database.CheckIntegrity());
        var customers = new SqlCustomerStore(database);
        var events = new SqlEventStore(database);
        var page = await customers.ListAsync("crash", 1000, 0);
        var byId = page.Items.ToDictionary(c => c.Id);
        foreach (var a in acked.Where(a => a[1] == "C"))
        {
            Assert.True(byId.ContainsKey(a[2]), "acknowledged customer missing: " + a[2]);
            var e = Assert.Single(await customers.GetEmbeddingsAsync("crash", a[2]));
            Assert.Equal(CrashVectors.For(a[2]), e.Vector);
        }

        foreach (var c in page.Items)
        {
            var purchases = await customers.GetPurchasesAsync("crash", c.Id);
            Assert.Equal(purchases.Sum(p => p.Amount), c.TotalSpend);
        }

        var purchaseIds = new HashSet<string>();
        foreach (var c in page.Items)
        {
            purchaseIds.UnionWith((await customers.GetPurchasesAsync("crash", c.Id)).Select(p => p.Id));
        }

        Assert.All(acked.Where(a => a[1] == "P"), a => Assert.Contains(a[2], purchaseIds));
        var detections = (await events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = "crash", Limit = 1000 })).Items.Select(d => d.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        Assert.All(acked.Where(a => a[1] == "D"), a => Assert.Contains(a[2], detections));
    }

    private static List<string[]> RunAndKill(string child, string db, int round, int killAfterAcks, int extraDelayMs)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false };
        psi.ArgumentList.Add(child);
        psi.ArgumentList.Add(db);
        psi.ArgumentList.Add(round.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var p = Process.Start(psi)!;
        var lines = new List<string>();
        using var ready = new ManualResetEventSlim();
        using var enough = new ManualResetEventSlim();
        var acks = 0;

        // A plain thread reads stdout, so nothing here depends on the test framework's scheduling.
        var reader = new Thread(() =>
        {
            while (p.StandardOutput.ReadLine() is { } line)
            {
                if (line == "READY")
                {
                    ready.Set();
                }

                lock (lines)
                {
                    lines.Add(line);
                }

                if (line.StartsWith("ACK ", StringComparison.Ordinal) && Interlocked.Increment(ref acks) >= killAfterAcks)
                {
                    enough.Set();
                }
            }
        }) { IsBackground = true };
        reader.Start();
        try
        {
            Assert.True(ready.Wait(TimeSpan.FromSeconds(30)), "crash child did not start");
            Assert.True(enough.Wait(TimeSpan.FromSeconds(60)), $"crash child acknowledged fewer than {killAfterAcks} writes in 60 s");
            Thread.Sleep(extraDelayMs);
        }
        finally
        {
            p.Kill(); // SIGKILL on Unix: no managed cleanup, no flush
            p.WaitForExit(30_000);
        }

        Assert.True(reader.Join(TimeSpan.FromSeconds(30)), "stdout of the killed child did not close");

        // Only complete lines count: the last one may have been cut by the kill.
        lock (lines)
        {
            return [.. lines.Where(l => l.StartsWith("ACK ", StringComparison.Ordinal) && l.EndsWith(" END", StringComparison.Ordinal)).Select(l => l.Split(' '))];
        }
    }
}
