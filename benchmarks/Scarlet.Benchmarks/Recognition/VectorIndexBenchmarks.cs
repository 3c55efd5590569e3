using BenchmarkDotNet.Attributes;
using Scarlet.Recognition.Index;
using Scarlet.Testing;

namespace Scarlet.Benchmarks.Recognition;

/// <summary>
/// Search cost of <see cref="HnswIndex"/> (per ef) against the exact <see cref="FlatIndex"/> on face-like clustered
/// data (10k x 128: 1000 identities x 10, noise 0.8). Recall and build time are measured by <c>scarlet bench hnsw</c>.
/// </summary>
[MemoryDiagnoser]
public class VectorIndexSearchBenchmarks
{
    private const int Dim = 128;
    private HnswIndex _hnsw = null!;
    private FlatIndex _flat = null!;
    private float[] _queries = null!;
    private VectorMatch[] _hits = null!;
    private int _next;

    [Params(16, 64)]
    public int Ef { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var data = VectorIndexConformanceData.Clustered(1000, 10, Dim, 0.8f, seed: 1, out var centres);
        _queries = VectorIndexConformanceData.Samples(centres, Dim, 1000, 0.8f, seed: 2, out _);
        _hnsw = new HnswIndex(Dim, new HnswIndexOptions { M = 16, EfConstruction = 200, InitialCapacity = 10_000 });
        _flat = new FlatIndex(Dim, 10_000);
        for (var i = 0; i < 10_000; i++)
        {
            _hnsw.Add(i, VectorIndexConformanceData.Row(data, Dim, i));
            _flat.Add(i, VectorIndexConformanceData.Row(data, Dim, i));
        }

        _hits = new VectorMatch[10];
    }

    [Benchmark(Baseline = true)]
    public int Flat() => _flat.Search(NextQuery(), _hits);

    [Benchmark]
    public int Hnsw() => _hnsw.Search(NextQuery(), _hits, Ef);

    private ReadOnlySpan<float> NextQuery()
    {
        _next = (_next + 1) % 1000;
        return VectorIndexConformanceData.Row(_queries, Dim, _next);
    }
}

/// <summary>Insert cost of <see cref="HnswIndex"/>: building a 5k x 128 index from scratch.</summary>
[MemoryDiagnoser]
public class HnswIndexBuildBenchmarks
{
    private const int Dim = 128;
    private float[] _data = null!;

    [GlobalSetup]
    public void Setup() => _data = VectorIndexConformanceData.Clustered(500, 10, Dim, 0.8f, seed: 3, out _);

    [Benchmark]
    public int Build5k()
    {
        var index = new HnswIndex(Dim, new HnswIndexOptions { M = 16, EfConstruction = 200, InitialCapacity = 5000 });
        for (var i = 0; i < 5000; i++)
        {
            index.Add(i, VectorIndexConformanceData.Row(_data, Dim, i));
        }

        return index.Count;
    }
}
