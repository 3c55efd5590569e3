using System.Numerics.Tensors;
using Scarlet.Recognition.Index;
using Xunit;

namespace Scarlet.Testing;

/// <summary>
/// The contract of <see cref="IVectorIndex"/>, run against every implementation (subclass it and supply the factory).
/// Small data sets on which any reasonable approximate index is exact, so the facts are deterministic.
/// </summary>
public abstract class VectorIndexConformanceTests
{
    /// <summary>Vector dimension used by the facts.</summary>
    protected const int Dim = 32;

    /// <summary>Creates an empty index of the given dimension.</summary>
    protected abstract IVectorIndex Create(int dimension);

    /// <summary>Reads a snapshot written by <see cref="IVectorIndex.Save"/> with the implementation's loader.</summary>
    protected abstract IVectorIndex Load(Stream stream);

    [Fact]
    public void Empty_index_returns_no_results()
    {
        var index = Create(Dim);
        Assert.Equal(0, index.Count);
        Assert.Equal(Dim, index.Dimension);
        Assert.Empty(index.Search(VectorIndexConformanceData.Random(1, Dim, 1), 5));
    }

    [Fact]
    public void Each_stored_vector_is_its_own_nearest_neighbour()
    {
        var (index, data) = Filled(500, seed: 2);
        Assert.Equal(500, index.Count);
        for (var i = 0; i < 500; i++)
        {
            var hits = index.Search(VectorIndexConformanceData.Row(data, Dim, i), 1);
            Assert.Single(hits);
            Assert.Equal(i, hits[0].Id);
            Assert.Equal(1f, hits[0].Similarity, 4);
        }
    }

    [Fact]
    public void Results_are_the_exact_top_k_best_first_with_cosine_similarity()
    {
        var (index, data) = Filled(300, seed: 3);
        var queries = VectorIndexConformanceData.Random(20, Dim, 33);
        for (var qi = 0; qi < 20; qi++)
        {
            var q = VectorIndexConformanceData.Row(queries, Dim, qi);

            // A scaled query is the same direction: cosine similarity must not change.
            var scaled = new float[Dim];
            TensorPrimitives.Multiply(q, 7.5f, scaled);
            var hits = index.Search(scaled, 10);
            var expected = BruteForce(data, q, 10);
            Assert.Equal(10, hits.Length);
            Assert.Equal(expected.Select(e => e.Id), hits.Select(h => h.Id));
            for (var i = 0; i < 10; i++)
            {
                Assert.Equal(expected[i].Similarity, hits[i].Similarity, 4);
                if (i > 0)
                {
                    Assert.True(hits[i - 1].Similarity >= hits[i].Similarity);
                }
            }
        }
    }

    [Fact]
    public void K_larger_than_count_returns_everything()
    {
        var (index, _) = Filled(7, seed: 4);
        var hits = index.Search(VectorIndexConformanceData.Random(1, Dim, 44), 50);
        Assert.Equal(7, hits.Length);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => (long)i), hits.Select(h => h.Id).Order());
    }

    [Fact]
    public void Span_search_writes_the_same_results()
    {
        var (index, _) = Filled(200, seed: 5);
        var q = VectorIndexConformanceData.Random(1, Dim, 55);
        var expected = index.Search(q, 5);
        var buffer = new VectorMatch[5];
        Assert.Equal(5, index.Search(q, buffer));
        Assert.Equal(expected, buffer);
    }

    [Fact]
    public void Removed_ids_are_never_returned()
    {
        var (index, data) = Filled(600, seed: 6);
        var removed = new HashSet<long>();
        for (var i = 0; i < 600; i += 3)
        {
            index.Remove(i);
            removed.Add(i);
        }

        Assert.Equal(400, index.Count);
        for (var i = 0; i < 600; i++)
        {
            Assert.Equal(!removed.Contains(i), index.Contains(i));
            var hits = index.Search(VectorIndexConformanceData.Row(data, Dim, i), 10);
            Assert.Equal(10, hits.Length);
            Assert.DoesNotContain(hits, h => removed.Contains(h.Id));
            if (!removed.Contains(i))
            {
                Assert.Equal(i, hits[0].Id);
            }
        }
    }

    [Fact]
    public void Removed_id_can_be_added_again_with_a_new_vector()
    {
        var (index, data) = Filled(100, seed: 7);
        index.Remove(10);
        index.Add(10, VectorIndexConformanceData.Row(data, Dim, 20));
        Assert.Equal(100, index.Count);
        var hits = index.Search(VectorIndexConformanceData.Row(data, Dim, 20), 2);
        Assert.Equal([10L, 20L], hits.Select(h => h.Id).Order());
    }

    [Fact]
    public void Removing_everything_then_adding_works()
    {
        var (index, data) = Filled(50, seed: 8);
        for (var i = 0; i < 50; i++)
        {
            index.Remove(i);
        }

        Assert.Equal(0, index.Count);
        Assert.Empty(index.Search(VectorIndexConformanceData.Row(data, Dim, 0), 3));
        for (var i = 0; i < 50; i++)
        {
            index.Add(100 + i, VectorIndexConformanceData.Row(data, Dim, i));
        }

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(100 + i, index.Search(VectorIndexConformanceData.Row(data, Dim, i), 1)[0].Id);
        }
    }

    [Fact]
    public void Stored_vectors_are_normalised_copies_and_erased_on_remove()
    {
        var index = Create(Dim);
        var v = new float[Dim];
        v[3] = 4f;
        index.Add(1, v);
        v[3] = -1f; // the index keeps its own copy
        var stored = new float[Dim];
        Assert.True(index.TryGetVector(1, stored));
        Assert.Equal(1f, stored[3], 6);
        Assert.Equal(1f, TensorPrimitives.Norm(stored), 5);
        index.Remove(1);
        Assert.False(index.TryGetVector(1, stored));
    }

    [Fact]
    public void Wrong_dimension_is_rejected()
    {
        var (index, _) = Filled(10, seed: 9);
        var ex = Assert.ThrowsAny<ArgumentException>(() => index.Add(99, new float[Dim + 1]));
        Assert.Contains("dimension", ex.Message, StringComparison.OrdinalIgnoreCase);
        ex = Assert.ThrowsAny<ArgumentException>(() => index.Search(new float[Dim - 1], 1));
        Assert.Contains("dimension", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(10, index.Count);
    }

    [Fact]
    public void NaN_infinite_and_zero_vectors_are_rejected()
    {
        var (index, _) = Filled(10, seed: 10);
        var nan = VectorIndexConformanceData.Random(1, Dim, 100);
        nan[5] = float.NaN;
        var inf = VectorIndexConformanceData.Random(1, Dim, 101);
        inf[0] = float.PositiveInfinity;
        var zero = new float[Dim];
        Assert.Contains("NaN", Assert.ThrowsAny<ArgumentException>(() => index.Add(50, nan)).Message, StringComparison.Ordinal);
        Assert.Contains("infinite", Assert.ThrowsAny<ArgumentException>(() => index.Add(51, inf)).Message, StringComparison.Ordinal);
        Assert.Contains("zero", Assert.ThrowsAny<ArgumentException>(() => index.Add(52, zero)).Message, StringComparison.Ordinal);
        Assert.ThrowsAny<ArgumentException>(() => index.Search(nan, 1));
        Assert.ThrowsAny<ArgumentException>(() => index.Search(zero, 1));
        Assert.Equal(10, index.Count);
        Assert.False(index.Contains(50));
    }

    [Fact]
    public void Duplicate_and_unknown_ids_are_rejected()
    {
        var (index, data) = Filled(10, seed: 11);
        var dup = Assert.ThrowsAny<ArgumentException>(() => index.Add(3, VectorIndexConformanceData.Row(data, Dim, 4)));
        Assert.Contains("3", dup.Message, StringComparison.Ordinal);
        var unknown = Assert.ThrowsAny<ArgumentException>(() => index.Remove(12345));
        Assert.Contains("12345", unknown.Message, StringComparison.Ordinal);
        Assert.ThrowsAny<ArgumentException>(() => index.Search(VectorIndexConformanceData.Row(data, Dim, 0), 0));
        Assert.Equal(10, index.Count);
    }

    [Fact]
    public void Snapshot_round_trip_answers_identically()
    {
        var (index, _) = Filled(800, seed: 12);
        for (var i = 0; i < 800; i += 7)
        {
            index.Remove(i);
        }

        using var ms = new MemoryStream();
        index.Save(ms);
        var bytes = ms.ToArray();
        ms.Position = 0;
        var loaded = Load(ms);
        Assert.Equal(index.Count, loaded.Count);
        Assert.Equal(index.Dimension, loaded.Dimension);
        var queries = VectorIndexConformanceData.Random(50, Dim, 120);
        for (var qi = 0; qi < 50; qi++)
        {
            var q = VectorIndexConformanceData.Row(queries, Dim, qi);
            Assert.Equal(index.Search(q, 10), loaded.Search(q, 10));
        }

        // Saving the loaded index gives the same bytes: nothing is lost or reordered.
        using var again = new MemoryStream();
        loaded.Save(again);
        Assert.Equal(bytes, again.ToArray());
    }

    [Fact]
    public void Snapshot_of_empty_index_round_trips()
    {
        using var ms = new MemoryStream();
        Create(Dim).Save(ms);
        ms.Position = 0;
        var loaded = Load(ms);
        Assert.Equal(0, loaded.Count);
        Assert.Equal(Dim, loaded.Dimension);
    }

    [Fact]
    public void Truncated_snapshot_is_rejected_with_a_clear_error()
    {
        var bytes = Snapshot(200, seed: 13);
        foreach (var length in new[] { 0, 3, 8, 12, 20, bytes.Length / 3, bytes.Length / 2, bytes.Length - 5, bytes.Length - 1 })
        {
            var ex = Assert.Throws<InvalidDataException>(() => Load(new MemoryStream(bytes, 0, length)));
            Assert.Contains("snapshot", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Corrupt_snapshot_is_rejected_with_a_clear_error()
    {
        var bytes = Snapshot(200, seed: 14);
        var rng = new Random(14);
        for (var trial = 0; trial < 40; trial++)
        {
            var copy = (byte[])bytes.Clone();
            var at = trial < 30 ? rng.Next(copy.Length) : trial - 30; // random bytes, then every header byte
            copy[at] ^= (byte)(1 << rng.Next(8));
            var ex = Assert.Throws<InvalidDataException>(() => Load(new MemoryStream(copy)));
            Assert.Contains("snapshot", ex.Message, StringComparison.OrdinalIgnoreCase);
        }

        var wrong = Assert.Throws<InvalidDataException>(() => Load(new MemoryStream("definitely not an index"u8.ToArray())));
        Assert.Contains("magic", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_searches_during_inserts_return_valid_results()
    {
        const int n = 3000;
        var data = VectorIndexConformanceData.Random(n, Dim, 15);
        var index = Create(Dim);
        for (var i = 0; i < 100; i++)
        {
            index.Add(i, VectorIndexConformanceData.Row(data, Dim, i));
        }

        var added = 100;
        using var done = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 3).Select(r => Task.Run(() =>
        {
            var rng = new Random(r);
            var searches = 0;
            while (!done.IsCancellationRequested || searches < 50)
            {
                var seen = Volatile.Read(ref added);
                var qi = rng.Next(seen);
                var hits = index.Search(VectorIndexConformanceData.Row(data, Dim, qi), 5);
                Assert.Equal(5, hits.Length);
                for (var i = 0; i < hits.Length; i++)
                {
                    Assert.InRange(hits[i].Id, 0, n - 1);
                    Assert.InRange(hits[i].Similarity, -1.001f, 1.001f);
                    Assert.True(i == 0 || hits[i - 1].Similarity >= hits[i].Similarity);
                }

                searches++;
            }

            return searches;
        })).ToArray();

        for (var i = 100; i < n; i++)
        {
            index.Add(i, VectorIndexConformanceData.Row(data, Dim, i));
            Volatile.Write(ref added, i + 1);
        }

        await done.CancelAsync();
        var counts = await Task.WhenAll(readers);
        Assert.Equal(n, index.Count);
        Assert.All(counts, c => Assert.True(c >= 50));
        for (var i = 0; i < n; i += 97)
        {
            Assert.Equal(i, index.Search(VectorIndexConformanceData.Row(data, Dim, i), 1)[0].Id);
        }
    }

    [Fact]
    public async Task Concurrent_searches_during_removals_never_return_a_completed_removal()
    {
        const int n = 2000;
        var (index, data) = Filled(n, seed: 16);
        var removedBefore = 0; // ids 0..removedBefore-1 are removed and their Remove has returned
        using var done = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 3).Select(r => Task.Run(() =>
        {
            var rng = new Random(100 + r);
            var searches = 0;
            while (!done.IsCancellationRequested || searches < 50)
            {
                var gone = Volatile.Read(ref removedBefore);
                var hits = index.Search(VectorIndexConformanceData.Row(data, Dim, rng.Next(n)), 10);
                Assert.NotEmpty(hits);
                Assert.DoesNotContain(hits, h => h.Id < gone);
                searches++;
            }

            return searches;
        })).ToArray();

        for (var i = 0; i < n / 2; i++)
        {
            index.Remove(i);
            Volatile.Write(ref removedBefore, i + 1);
        }

        await done.CancelAsync();
        var counts = await Task.WhenAll(readers);
        Assert.All(counts, c => Assert.True(c >= 50));
        Assert.Equal(n / 2, index.Count);
        for (var i = n / 2; i < n; i += 37)
        {
            Assert.Equal(i, index.Search(VectorIndexConformanceData.Row(data, Dim, i), 1)[0].Id);
        }
    }

    /// <summary>An index holding <paramref name="n"/> random vectors under ids 0..n-1.</summary>
    protected (IVectorIndex Index, float[] Data) Filled(int n, int seed)
    {
        var data = VectorIndexConformanceData.Random(n, Dim, seed);
        var index = Create(Dim);
        for (var i = 0; i < n; i++)
        {
            index.Add(i, VectorIndexConformanceData.Row(data, Dim, i));
        }

        return (index, data);
    }

    private byte[] Snapshot(int n, int seed)
    {
        var (index, _) = Filled(n, seed);
        using var ms = new MemoryStream();
        index.Save(ms);
        return ms.ToArray();
    }

    private static VectorMatch[] BruteForce(float[] data, ReadOnlySpan<float> q, int k)
    {
        var n = data.Length / Dim;
        var all = new VectorMatch[n];
        var qn = new float[Dim];
        TensorPrimitives.Divide(q, TensorPrimitives.Norm(q), qn);
        for (var i = 0; i < n; i++)
        {
            all[i] = new VectorMatch(i, TensorPrimitives.Dot(qn, VectorIndexConformanceData.Row(data, Dim, i)));
        }

        return all.OrderByDescending(m => m.Similarity).Take(k).ToArray();
    }
}
