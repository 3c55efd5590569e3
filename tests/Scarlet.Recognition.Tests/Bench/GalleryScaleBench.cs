using System.Diagnostics;
using System.Globalization;
using Scarlet.Testing;
using Xunit.Abstractions;

namespace Scarlet.Recognition.Tests.Bench;

/// <summary>
/// Gallery identify at scale on synthetic 128-d embeddings (one per identity). Run:
/// <c>SCARLET_BENCH=1 SCARLET_BENCH_GALLERY=1000000 dotnet test -c Release tests/Scarlet.Recognition.Tests --filter GalleryScaleBench --logger "console;verbosity=detailed"</c>.
/// </summary>
public sealed class GalleryScaleBench(ITestOutputHelper output)
{
    [BenchFact]
    public void Identify_against_a_large_gallery()
    {
        var n = int.Parse(Environment.GetEnvironmentVariable("SCARLET_BENCH_GALLERY") ?? "1000000", CultureInfo.InvariantCulture);
        var efc = int.Parse(Environment.GetEnvironmentVariable("SCARLET_BENCH_EFC") ?? "200", CultureInfo.InvariantCulture);
        var m = int.Parse(Environment.GetEnvironmentVariable("SCARLET_BENCH_M") ?? "16", CultureInfo.InvariantCulture);
        var log = Environment.GetEnvironmentVariable("SCARLET_BENCH_LOG");
        void Say(string line)
        {
            output.WriteLine(line);
            if (log is not null)
            {
                File.AppendAllText(log, line + Environment.NewLine);
            }
        }

        var rng = new Random(1234);
        var centres = new float[1024][];
        for (var c = 0; c < centres.Length; c++)
        {
            centres[c] = RandomUnit(rng, null, 0);
        }

        GC.Collect();
        var before = GC.GetTotalMemory(true);
        var sw = Stopwatch.StartNew();
        using var gallery = new FaceGallery(128, "synthetic", new FaceGalleryOptions { HnswEfConstruction = efc, HnswM = m });
        var kept = new List<float[]>();
        var one = new float[1][];
        for (var i = 0; i < n; i++)
        {
            one[0] = RandomUnit(rng, centres[rng.Next(centres.Length)], 2.5f);
            if (i % 1000 == 0)
            {
                kept.Add(one[0]);
            }

            gallery.Import("customer-" + i.ToString("D7", CultureInfo.InvariantCulture), one);
            if ((i + 1) % 50_000 == 0)
            {
                Say($"{i + 1:N0} identities in {sw.Elapsed.TotalSeconds:F0} s");
            }
        }

        sw.Stop();
        var after = GC.GetTotalMemory(true);
        Say($"built {n:N0} identities (M {m}, efConstruction {efc}) in {sw.Elapsed.TotalSeconds:F1} s; managed heap +{(after - before) / 1e6:F0} MB = {(double)(after - before) / n:F0} bytes per identity (index estimate {((Scarlet.Recognition.Index.HnswIndex)gallery.Index).MemoryBytes / (double)n:F0})");

        // Probes: enrolled vectors with a little noise (should match themselves) and fresh vectors (new faces), the same
        // probes at each HNSW search breadth (SCARLET_BENCH_EF, default "64,128,256,512"; the gallery's default first).
        var selfProbes = new float[kept.Count][];
        for (var q = 0; q < kept.Count; q++)
        {
            selfProbes[q] = Perturb(rng, kept[q], 0.3f);
        }

        var freshProbes = new float[1000][];
        for (var q = 0; q < freshProbes.Length; q++)
        {
            freshProbes[q] = RandomUnit(rng, centres[rng.Next(centres.Length)], 2.5f);
        }

        var index = (Scarlet.Recognition.Index.HnswIndex)gallery.Index;
        var efs = (Environment.GetEnvironmentVariable("SCARLET_BENCH_EF") ?? $"{index.EfSearch},128,256,512")
            .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(e => int.Parse(e, CultureInfo.InvariantCulture)).Distinct().ToArray();
        var matchedAtDefault = -1;
        foreach (var ef in efs)
        {
            index.EfSearch = ef;
            var times = new List<double>();
            var matchedSelf = 0;
            for (var q = 0; q < selfProbes.Length; q++)
            {
                var t0 = Stopwatch.GetTimestamp();
                var r = gallery.Identify(selfProbes[q]);
                times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                if (r.Status == MatchStatus.Matched && r.IdentityId == "customer-" + (q * 1000).ToString("D7", CultureInfo.InvariantCulture))
                {
                    matchedSelf++;
                }
            }

            foreach (var probe in freshProbes)
            {
                var t0 = Stopwatch.GetTimestamp();
                gallery.Identify(probe);
                times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }

            times.Sort();
            Say($"ef {ef}: identify over {times.Count} probes: mean {times.Average():F3} ms, p50 {times[times.Count / 2]:F3} ms, p99 {times[times.Count * 99 / 100]:F3} ms, max {times[^1]:F3} ms; noisy re-probes matched to themselves {matchedSelf}/{kept.Count}");
            if (matchedAtDefault < 0)
            {
                matchedAtDefault = matchedSelf;
            }
        }

        Assert.True(matchedAtDefault >= kept.Count * 0.9, $"{matchedAtDefault}/{kept.Count} at the default ef");
    }

    private static float[] Perturb(Random rng, float[] v, float spread) => RandomUnit(rng, v, spread);

    private static float[] RandomUnit(Random rng, float[]? centre, float spread)
    {
        var v = new float[128];
        for (var i = 0; i < v.Length; i++)
        {
            // Box-Muller normal noise; spread 2.5 around a cluster centre puts two identities near cosine 0.14, like different real people.
            var g = MathF.Sqrt(-2f * MathF.Log(1f - rng.NextSingle())) * MathF.Cos(2f * MathF.PI * rng.NextSingle());
            v[i] = centre is null ? g : centre[i] + (spread * g / MathF.Sqrt(v.Length));
        }

        EmbeddingMath.NormalizeInPlace(v);
        return v;
    }
}
