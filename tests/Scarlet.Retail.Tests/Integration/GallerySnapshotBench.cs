using System.Diagnostics;
using System.Globalization;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Tests.Support;
using Scarlet.Testing;
using Xunit.Abstractions;

namespace Scarlet.Retail.Tests.Integration;

/// <summary>
/// Start time of an organisation's gallery with and without a current snapshot, through <see cref="FaceIdentityService"/>
/// on SQLite, with synthetic unit 128-d embeddings (one per customer, the scale tests' approach). Run:
/// <c>SCARLET_BENCH=1 SCARLET_BENCH_CUSTOMERS=10000 dotnet test -c Release tests/Scarlet.Retail.Tests --filter GallerySnapshotBench --logger "console;verbosity=detailed"</c>.
/// </summary>
public sealed class GallerySnapshotBench(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [BenchFact]
    public async Task Start_with_and_without_a_current_snapshot()
    {
        var n = int.Parse(Environment.GetEnvironmentVariable("SCARLET_BENCH_CUSTOMERS") ?? "10000", CultureInfo.InvariantCulture);
        const string Org = "org-bench";
        TimeSpan build, load;
        int built;
        await using (var h = new ScarletHarness(_dir.Path, snapshotDelay: TimeSpan.FromSeconds(30)))
        {
            await h.OrgAsync(Org);
            var store = h.Get<ICustomerStore>();
            var rng = new Random(20);
            var v = new float[128];
            for (var i = 0; i < n; i++)
            {
                for (var d = 0; d < v.Length; d++)
                {
                    v[d] = (float)(rng.NextDouble() * 2 - 1);
                }

                await store.AddAsync(new Customer { Id = "c" + i.ToString(CultureInfo.InvariantCulture), OrganizationId = Org, Name = string.Empty, CreatedAt = h.Time.GetUtcNow() }, [v.ToArray()]);
            }

            var watch = Stopwatch.StartNew();
            built = (await h.Faces.GetGalleryAsync(Org)).IdentityCount;
            build = watch.Elapsed;
            Assert.False(h.Faces.LoadedFromSnapshot(Org));
        }

        await using (var h = new ScarletHarness(_dir.Path, snapshotDelay: TimeSpan.FromSeconds(30)))
        {
            var watch = Stopwatch.StartNew();
            Assert.Equal(built, (await h.Faces.GetGalleryAsync(Org)).IdentityCount);
            load = watch.Elapsed;
            Assert.True(h.Faces.LoadedFromSnapshot(Org));
        }

        output.WriteLine(FormattableString.Invariant($"gallery start, {n} customers: built from the store (read + HNSW build + snapshot write) {build.TotalSeconds:F2} s, from the current snapshot (version read + snapshot read) {load.TotalSeconds:F2} s, ratio {build / load:F1}"));
        Assert.Equal(n, built);
    }
}
