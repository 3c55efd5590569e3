using Scarlet.Recognition.Index;
using Scarlet.Testing;

namespace Scarlet.Recognition.Tests.Index;

/// <summary>HNSW-specific behaviour: measured recall against the exact index, determinism, snapshot details, options.</summary>
public sealed class HnswIndexTests
{
    private const int Dim = 64;

    /// <summary>20k x 64 face-like clusters (2000 identities x 10, noise 0.8), 500 fresh queries: built once for the class.</summary>
    private static readonly Lazy<RecallFixture> Fixture = new(() => new RecallFixture());

    [Fact]
    public void Recall_at_10_against_exact_search_meets_the_floor()
    {
        var f = Fixture.Value;

        // Fixed data and seed: the figures are deterministic; the floors sit a little below what is measured.
        Assert.True(f.Recall(ef: 64) >= 0.95, $"recall@10 at ef 64 = {f.Recall(64):F4}");
        Assert.True(f.Recall(ef: 16) >= 0.80, $"recall@10 at ef 16 = {f.Recall(16):F4}");
        Assert.True(f.Recall(ef: 128) >= f.Recall(ef: 16));
    }

    [Fact]
    public void Graph_stays_navigable_after_many_removals()
    {
        var f = Fixture.Value;
        var hnsw = HnswIndex.Load(new MemoryStream(f.Snapshot));
        var flat = FlatIndex.Load(new MemoryStream(f.FlatSnapshot));

        // Remove about an eighth of the vectors: whole identities and scattered ones.
        for (var i = 0; i < f.N; i++)
        {
            if (i % 10 == 0 || (i / 10) % 37 == 3)
            {
                if (hnsw.Contains(i))
                {
                    hnsw.Remove(i);
                    flat.Remove(i);
                }
            }
        }

        Assert.Equal(flat.Count, hnsw.Count);
        var recall = RecallFixture.Recall(hnsw, flat, f.Queries, 64, out var removedSeen);
        Assert.Equal(0, removedSeen);
        Assert.True(recall >= 0.93, $"recall@10 at ef 64 after removals = {recall:F4}");
    }

    [Fact]
    public void Same_seed_and_order_give_byte_identical_snapshots()
    {
        var data = VectorIndexConformanceData.Random(1500, 24, seed: 21);
        Assert.Equal(Build(data, seed: 5), Build(data, seed: 5));
        Assert.NotEqual(Build(data, seed: 5), Build(data, seed: 6));

        // A loaded snapshot keeps growing the same way as the original.
        var first = Index(data, 1000, 5);
        using var ms = new MemoryStream();
        first.Save(ms);
        ms.Position = 0;
        var resumed = HnswIndex.Load(ms);
        for (var i = 1000; i < 1500; i++)
        {
            resumed.Add(i, VectorIndexConformanceData.Row(data, 24, i));
        }

        Assert.Equal(Build(data, seed: 5), Save(resumed));

        static byte[] Build(float[] data, long seed) => Save(Index(data, 1500, seed));

        static HnswIndex Index(float[] data, int n, long seed)
        {
            var index = new HnswIndex(24, new HnswIndexOptions { M = 8, EfConstruction = 40, Seed = seed });
            for (var i = 0; i < n; i++)
            {
                index.Add(i, VectorIndexConformanceData.Row(data, 24, i));
            }

            return index;
        }

        static byte[] Save(HnswIndex index)
        {
            using var ms = new MemoryStream();
            index.Save(ms);
            return ms.ToArray();
        }
    }

    [Fact]
    public void Snapshot_keeps_parameters()
    {
        var index = new HnswIndex(8, new HnswIndexOptions { M = 6, EfConstruction = 33, EfSearch = 21, Seed = 99 });
        index.Add(1, [1, 2, 3, 4, 5, 6, 7, 8]);
        using var ms = new MemoryStream();
        index.Save(ms);
        ms.Position = 0;
        var loaded = HnswIndex.Load(ms);
        Assert.Equal((6, 33, 21, 99L, 8, 1), (loaded.M, loaded.EfConstruction, loaded.EfSearch, loaded.Seed, loaded.Dimension, loaded.Count));
    }

    [Fact]
    public void Unsupported_version_is_named_in_the_error()
    {
        var index = new HnswIndex(4);
        index.Add(1, [1, 0, 0, 0]);
        using var ms = new MemoryStream();
        index.Save(ms);
        var bytes = ms.ToArray();
        bytes[8] = 9; // version field follows the 8 magic bytes
        var ex = Assert.Throws<InvalidDataException>(() => HnswIndex.Load(new MemoryStream(bytes)));
        Assert.Contains("version 9", ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => FlatIndex.Load(new MemoryStream(bytes)));
    }

    [Theory]
    [InlineData(1, 200, 64)]
    [InlineData(16, 0, 64)]
    [InlineData(16, 200, 0)]
    public void Invalid_options_are_rejected(int m, int efc, int ef)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new HnswIndex(16, new HnswIndexOptions { M = m, EfConstruction = efc, EfSearch = ef }));
        Assert.Contains("HnswIndexOptions", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new HnswIndex(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HnswIndex(16).EfSearch = 0);
    }

    [Fact]
    public void Memory_estimate_is_in_the_expected_range()
    {
        var f = Fixture.Value;
        var index = HnswIndex.Load(new MemoryStream(f.Snapshot));
        var perVector = (double)index.MemoryBytes / index.Count;

        // 64 floats (256 B) + 33 level-0 ints (132 B) + id, level, mark, id map (~40 B) + upper levels.
        Assert.InRange(perVector, 400, 600);
    }

    private sealed class RecallFixture
    {
        public RecallFixture()
        {
            var data = VectorIndexConformanceData.Clustered(2000, 10, Dim, 0.8f, seed: 31, out var centres);
            Queries = VectorIndexConformanceData.Samples(centres, Dim, 500, 0.8f, seed: 32, out _);
            N = 20_000;
            Hnsw = new HnswIndex(Dim, new HnswIndexOptions { M = 16, EfConstruction = 100, Seed = 1, InitialCapacity = N });
            Flat = new FlatIndex(Dim, N);
            for (var i = 0; i < N; i++)
            {
                Hnsw.Add(i, VectorIndexConformanceData.Row(data, Dim, i));
                Flat.Add(i, VectorIndexConformanceData.Row(data, Dim, i));
            }

            using var ms = new MemoryStream();
            Hnsw.Save(ms);
            Snapshot = ms.ToArray();
            using var fs = new MemoryStream();
            Flat.Save(fs);
            FlatSnapshot = fs.ToArray();
        }

        public int N { get; }

        public float[] Queries { get; }

        public HnswIndex Hnsw { get; }

        public FlatIndex Flat { get; }

        public byte[] Snapshot { get; }

        public byte[] FlatSnapshot { get; }

        public double Recall(int ef) => Recall(Hnsw, Flat, Queries, ef, out _);

        public static double Recall(HnswIndex hnsw, FlatIndex flat, float[] queries, int ef, out int removedSeen)
        {
            var hits = 0;
            removedSeen = 0;
            var nq = queries.Length / Dim;
            for (var qi = 0; qi < nq; qi++)
            {
                var q = VectorIndexConformanceData.Row(queries, Dim, qi);
                var truth = flat.Search(q, 10).Select(m => m.Id).ToHashSet();
                foreach (var m in hnsw.Search(q, 10, ef))
                {
                    hits += truth.Contains(m.Id) ? 1 : 0;
                    removedSeen += flat.Contains(m.Id) ? 0 : 1;
                }
            }

            return hits / (10.0 * nq);
        }
    }
}
