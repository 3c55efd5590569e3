using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Scarlet.Recognition;

namespace Scarlet.Benchmarks.Recognition;

/// <summary>
/// <see cref="FaceGallery.Identify"/> against many enrolled identities (one synthetic 128-d embedding each, clustered
/// around random centres so neighbours are not all equidistant). The setup prints the build time and the managed
/// memory per identity. Run: <c>dotnet run -c Release --project benchmarks/Scarlet.Benchmarks -- --filter *GalleryIdentify* --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class GalleryIdentifyBenchmarks
{
    private const int Dimension = 128;
    private FaceGallery? _gallery;
    private float[][] _queries = [];
    private int _next;

    /// <summary>Gets or sets the number of enrolled identities.</summary>
    [Params(1_000_000)]
    public int Identities { get; set; }

    /// <summary>Builds the gallery (HNSW, default options) through <see cref="FaceGallery.Import"/>.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1234);
        var centres = new float[1024][];
        for (var c = 0; c < centres.Length; c++)
        {
            centres[c] = RandomUnit(rng, null, 0);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(true);
        var sw = Stopwatch.StartNew();
        _gallery = new FaceGallery(Dimension, "synthetic");
        var one = new float[1][];
        for (var i = 0; i < Identities; i++)
        {
            one[0] = RandomUnit(rng, centres[rng.Next(centres.Length)], 2.5f);
            _gallery.Import("customer-" + i.ToString("D7", System.Globalization.CultureInfo.InvariantCulture), one);
            if ((i + 1) % 100_000 == 0)
            {
                Console.WriteLine($"// gallery: {i + 1:N0} identities in {sw.Elapsed.TotalSeconds:F0} s");
            }
        }

        sw.Stop();
        var after = GC.GetTotalMemory(true);
        Console.WriteLine($"// gallery: built {Identities:N0} identities in {sw.Elapsed.TotalSeconds:F1} s; managed memory {(after - before) / 1e6:F0} MB = {(double)(after - before) / Identities:F0} bytes per identity");
        _queries = new float[1024][];
        for (var q = 0; q < _queries.Length; q++)
        {
            _queries[q] = RandomUnit(rng, centres[rng.Next(centres.Length)], 2.5f);
        }

        // Latency percentiles outside BenchmarkDotNet's mean, for the docs.
        var times = new double[_queries.Length];
        for (var q = 0; q < _queries.Length; q++)
        {
            var t0 = Stopwatch.GetTimestamp();
            _gallery.Identify(_queries[q]);
            times[q] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }

        Array.Sort(times);
        Console.WriteLine($"// gallery: identify p50 {times[times.Length / 2]:F3} ms, p99 {times[times.Length * 99 / 100]:F3} ms, max {times[^1]:F3} ms");
    }

    /// <summary>Disposes the gallery.</summary>
    [GlobalCleanup]
    public void Cleanup() => _gallery?.Dispose();

    /// <summary>One identification (top-32 search, grouping by identity, status).</summary>
    [Benchmark]
    public IdentifyResult Identify() => _gallery!.Identify(_queries[_next++ & 1023]);

    private static float[] RandomUnit(Random rng, float[]? centre, float spread)
    {
        var v = new float[Dimension];
        for (var i = 0; i < Dimension; i++)
        {
            // Box-Muller normal noise; spread 2.5 puts two identities of one cluster near cosine 0.14, like different real people.
            var g = MathF.Sqrt(-2f * MathF.Log(1f - rng.NextSingle())) * MathF.Cos(2f * MathF.PI * rng.NextSingle());
            v[i] = centre is null ? g : centre[i] + (spread * g / MathF.Sqrt(Dimension));
        }

        EmbeddingMath.NormalizeInPlace(v);
        return v;
    }
}
