using System.Numerics.Tensors;
using Scarlet.Retail.Storage;

namespace Scarlet.Retail;

/// <summary>
/// Online clustering of unmatched (NEW_FACE) embeddings into provisional visitors: an embedding joins the cluster whose
/// centroid is most similar (cosine) if that similarity reaches the threshold, and the centroid moves to the running mean
/// (re-normalised); otherwise it starts a new cluster. Clusters are cached per organisation and persisted on every change.
/// </summary>
internal sealed class VisitorClusters(IVisitorStore store, float threshold)
{
    private readonly Dictionary<string, List<VisitorCluster>> _cache = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Serialises clustering and what follows it (auto-registration), so one person never yields two customers.</summary>
    public async Task<T> WithLockAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await work().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Adds an embedding; call under <see cref="WithLockAsync{T}"/>.</summary>
    public async Task<(VisitorCluster Cluster, bool IsNew)> AddAsync(string organizationId, ReadOnlyMemory<float> embedding, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var clusters = await LoadAsync(organizationId, cancellationToken).ConfigureAwait(false);
        var e = Normalised(embedding.Span);
        var best = -1;
        var bestSim = float.NegativeInfinity;
        for (var i = 0; i < clusters.Count; i++)
        {
            var c = clusters[i].Centroid;
            if (c.Length != e.Length)
            {
                continue; // a different embedder: never comparable
            }

            var sim = TensorPrimitives.Dot<float>(c, e);
            if (sim > bestSim)
            {
                (best, bestSim) = (i, sim);
            }
        }

        VisitorCluster cluster;
        bool isNew;
        if (best >= 0 && bestSim >= threshold)
        {
            var old = clusters[best];
            var n = old.Sightings;
            var centroid = new float[e.Length];

            // Running mean of unit vectors, re-normalised: centroid' = normalise(n * centroid + e).
            TensorPrimitives.MultiplyAdd(old.Centroid, n, e, centroid);
            NormaliseInPlace(centroid);
            cluster = old with { Centroid = centroid, Sightings = n + 1, LastSeen = at > old.LastSeen ? at : old.LastSeen };
            clusters[best] = cluster;
            isNew = false;
        }
        else
        {
            cluster = new VisitorCluster { Id = "v-" + Guid.NewGuid().ToString("N"), OrganizationId = organizationId, Centroid = e, Sightings = 1, FirstSeen = at, LastSeen = at };
            clusters.Add(cluster);
            isNew = true;
        }

        await store.UpsertAsync(cluster, cancellationToken).ConfigureAwait(false);
        return (cluster, isNew);
    }

    /// <summary>Replaces a cluster (after assignment); call under <see cref="WithLockAsync{T}"/>.</summary>
    public async Task SaveAsync(VisitorCluster cluster, CancellationToken cancellationToken)
    {
        var clusters = await LoadAsync(cluster.OrganizationId, cancellationToken).ConfigureAwait(false);
        var i = clusters.FindIndex(c => c.Id == cluster.Id);
        if (i >= 0)
        {
            clusters[i] = cluster;
        }

        await store.UpsertAsync(cluster, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops the organisation's cache (after purges and erasures); call under <see cref="WithLockAsync{T}"/>.</summary>
    public void Invalidate(string organizationId) => _cache.Remove(organizationId);

    private async Task<List<VisitorCluster>> LoadAsync(string organizationId, CancellationToken cancellationToken)
    {
        if (!_cache.TryGetValue(organizationId, out var list))
        {
            list = [.. await store.ListAsync(organizationId, cancellationToken).ConfigureAwait(false)];
            _cache[organizationId] = list;
        }

        return list;
    }

    private static float[] Normalised(ReadOnlySpan<float> v)
    {
        if (v.IsEmpty)
        {
            throw new ArgumentException("The embedding is empty.", nameof(v));
        }

        var copy = v.ToArray();
        NormaliseInPlace(copy);
        return copy;
    }

    private static void NormaliseInPlace(Span<float> v)
    {
        var norm = TensorPrimitives.Norm<float>(v);
        if (!(norm > 0) || float.IsInfinity(norm))
        {
            throw new ArgumentException("The embedding has zero or non-finite norm.", nameof(v));
        }

        TensorPrimitives.Divide(v, norm, v);
    }
}
