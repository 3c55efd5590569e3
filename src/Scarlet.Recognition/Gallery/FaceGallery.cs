using System.Buffers;
using Scarlet.Recognition.Index;

namespace Scarlet.Recognition;

/// <summary>
/// Enrolled identities, each with one or more face embeddings, searched through a vector index: enrol (with a
/// duplicate check), identify 1:N (MATCHED, MULTIPLE_MATCHES, NEW_FACE, UNKNOWN), verify 1:1 and forget (erasure);
/// <see cref="FaceGallerySnapshot"/> writes and reads it.
/// </summary>
/// <remarks>
/// <para>Thread-safety: any number of identify and verify calls run at the same time; enrol, forget and save are
/// serialised against them by a reader-writer lock.</para>
/// <para>Embeddings are stored once, in the index (L2-normalised); the gallery keeps only the id maps. Erasure removes
/// the identity's embeddings from the index (which zeroes them), so the next snapshot holds no trace of them.</para>
/// </remarks>
public sealed class FaceGallery : IDisposable
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<string, Identity> _identities = new(StringComparer.Ordinal);
    private readonly Dictionary<long, Identity> _owners = [];
    private readonly IVectorIndex _index;
    private long _nextEmbeddingId;

    /// <summary>Creates an empty gallery.</summary>
    /// <param name="dimension">The embedding dimension (the embedder's <see cref="IFaceEmbedder.Dimension"/>).</param>
    /// <param name="modelId">The embedder's model id; snapshots of another model are refused.</param>
    /// <param name="options">Thresholds; defaults when <see langword="null"/>.</param>
    public FaceGallery(int dimension, string modelId, FaceGalleryOptions? options = null)
        : this(dimension, modelId, options, null, restoring: false)
    {
    }

    /// <summary>Creates an empty gallery on a given (empty) index.</summary>
    /// <param name="index">The index; must be empty, of the right dimension; the gallery uses it exclusively.</param>
    /// <param name="modelId">The embedder's model id.</param>
    /// <param name="options">Thresholds; defaults when <see langword="null"/>.</param>
    public FaceGallery(IVectorIndex index, string modelId, FaceGalleryOptions? options = null)
        : this(index?.Dimension ?? throw new ArgumentNullException(nameof(index)), modelId, options, index, restoring: false)
    {
    }

    private FaceGallery(int dimension, string modelId, FaceGalleryOptions? options, IVectorIndex? index, bool restoring)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        Options = options ?? new FaceGalleryOptions();
        Options.Validate();
        if (index is not null && index.Count != 0 && !restoring)
        {
            throw new ArgumentException("The index must be empty; a gallery rebuilds its index itself from a snapshot.", nameof(index));
        }

        Dimension = dimension;
        ModelId = modelId;
        _index = index ?? CreateIndex(dimension, Options);
    }

    /// <summary>Gets the thresholds in use.</summary>
    public FaceGalleryOptions Options { get; }

    /// <summary>Gets the embedding dimension.</summary>
    public int Dimension { get; }

    /// <summary>Gets the id of the embedding model the gallery holds embeddings of.</summary>
    public string ModelId { get; }

    /// <summary>Gets the number of enrolled identities.</summary>
    public int IdentityCount
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _identities.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Gets the number of stored embeddings.</summary>
    public int EmbeddingCount => _index.Count;

    /// <summary>Gets the index (for diagnostics such as memory use); do not modify it.</summary>
    public IVectorIndex Index => _index;

    /// <summary>Tells whether an identity is enrolled.</summary>
    /// <param name="identityId">The identity.</param>
    /// <returns><see langword="true"/> when enrolled.</returns>
    public bool Contains(string identityId)
    {
        ArgumentNullException.ThrowIfNull(identityId);
        _lock.EnterReadLock();
        try
        {
            return _identities.ContainsKey(identityId);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Gets the enrolled identity ids (a copy).</summary>
    /// <returns>The ids, in no particular order.</returns>
    public IReadOnlyList<string> IdentityIds()
    {
        _lock.EnterReadLock();
        try
        {
            return [.. _identities.Keys];
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Gets how many embeddings an identity has.</summary>
    /// <param name="identityId">The identity.</param>
    /// <returns>The count.</returns>
    /// <exception cref="UnknownIdentityException">The identity is not enrolled.</exception>
    public int EmbeddingCountOf(string identityId)
    {
        ArgumentNullException.ThrowIfNull(identityId);
        _lock.EnterReadLock();
        try
        {
            return Get(identityId).EmbeddingIds.Count;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Enrols one face for an identity (creating the identity if new).</summary>
    /// <param name="identityId">The identity (for example a customer id).</param>
    /// <param name="embedding">The face embedding.</param>
    /// <returns>What was added and what was refused as a duplicate of another identity.</returns>
    /// <exception cref="ArgumentException">Empty id, or a wrong-dimension, NaN or zero embedding.</exception>
    public EnrollResult Enroll(string identityId, ReadOnlySpan<float> embedding) => Enroll(identityId, [embedding.ToArray()]);

    /// <summary>
    /// Enrols faces for an identity (creating it if new). A face that already matches a <em>different</em> identity at
    /// or above <see cref="FaceGalleryOptions.DuplicateThreshold"/> is not added and is reported in
    /// <see cref="EnrollResult.Duplicates"/>; one between <see cref="FaceGalleryOptions.MatchThreshold"/> and that is
    /// added and reported in <see cref="EnrollResult.PossibleDuplicates"/>. Beyond <see cref="FaceGalleryOptions.MaxEmbeddingsPerIdentity"/>, the
    /// identity's oldest embeddings are dropped.
    /// </summary>
    /// <param name="identityId">The identity.</param>
    /// <param name="embeddings">One or more face embeddings.</param>
    /// <returns>What was added and what was refused.</returns>
    /// <exception cref="ArgumentException">Empty id or list, or a wrong-dimension, NaN or zero embedding (nothing is added then).</exception>
    public EnrollResult Enroll(string identityId, IReadOnlyList<float[]> embeddings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(identityId);
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.Count == 0)
        {
            throw new ArgumentException("Enrolment needs at least one embedding.", nameof(embeddings));
        }

        for (var i = 0; i < embeddings.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(embeddings[i], nameof(embeddings));
            EmbeddingMath.Validate(embeddings[i], Dimension, nameof(embeddings));
        }

        var duplicates = new List<DuplicateFace>();
        var lookalikes = new List<DuplicateFace>();
        var added = 0;
        _lock.EnterWriteLock();
        try
        {
            _identities.TryGetValue(identityId, out var identity);
            for (var i = 0; i < embeddings.Count; i++)
            {
                var (best, _) = BestTwo(embeddings[i], exclude: identity);
                if (best is { } b && b.Similarity >= Options.DuplicateThreshold)
                {
                    duplicates.Add(new DuplicateFace(i, b.IdentityId, b.Similarity));
                    continue;
                }

                if (best is { } l && l.Similarity >= Options.MatchThreshold)
                {
                    // A lookalike, not the same person at the strict threshold: enrolled, and reported for review.
                    lookalikes.Add(new DuplicateFace(i, l.IdentityId, l.Similarity));
                }

                if (identity is null)
                {
                    identity = new Identity(identityId);
                    _identities.Add(identityId, identity);
                }

                AddEmbedding(identity, embeddings[i]);
                added++;
            }

            return new EnrollResult(identityId, added, duplicates, identity?.EmbeddingIds.Count ?? 0) { PossibleDuplicates = lookalikes };
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Adds stored embeddings of an identity without the duplicate check: for rebuilding a gallery from a store of
    /// record (for example the customer database) where each embedding was checked when it was first enrolled.
    /// The <see cref="FaceGalleryOptions.MaxEmbeddingsPerIdentity"/> cap still applies.
    /// </summary>
    /// <param name="identityId">The identity.</param>
    /// <param name="embeddings">One or more embeddings.</param>
    /// <exception cref="ArgumentException">Empty id or list, or a wrong-dimension, NaN or zero embedding (nothing is added then).</exception>
    public void Import(string identityId, IReadOnlyList<float[]> embeddings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(identityId);
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.Count == 0)
        {
            throw new ArgumentException("Import needs at least one embedding.", nameof(embeddings));
        }

        foreach (var e in embeddings)
        {
            ArgumentNullException.ThrowIfNull(e, nameof(embeddings));
            EmbeddingMath.Validate(e, Dimension, nameof(embeddings));
        }

        _lock.EnterWriteLock();
        try
        {
            if (!_identities.TryGetValue(identityId, out var identity))
            {
                identity = new Identity(identityId);
                _identities.Add(identityId, identity);
            }

            foreach (var e in embeddings)
            {
                AddEmbedding(identity, e);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Identifies a face against every enrolled identity.</summary>
    /// <param name="embedding">The face embedding.</param>
    /// <param name="quality">The face's quality; an unacceptable face gives <see cref="MatchStatus.Unknown"/> without a search.</param>
    /// <returns>The status, the best identity and the runner-up.</returns>
    /// <exception cref="ArgumentException">A wrong-dimension, NaN or zero embedding.</exception>
    public IdentifyResult Identify(ReadOnlySpan<float> embedding, FaceQuality? quality = null)
    {
        EmbeddingMath.Validate(embedding, Dimension);
        if (quality is { IsAcceptable: false })
        {
            return IdentifyResult.UnknownFace;
        }

        using var activity = RecognitionDiagnostics.Source.StartActivity("gallery.search");
        _lock.EnterReadLock();
        try
        {
            var (best, runnerUp, candidates) = Search(embedding, null, collect: true);
            var status = Decide(best?.Similarity ?? float.NegativeInfinity, runnerUp?.Similarity ?? float.NegativeInfinity, Options.MatchThreshold, Options.Margin);
            if (status == MatchStatus.MultipleMatches && best is { } b)
            {
                // The candidates of an ambiguous face are those within the margin of the best, even just under the threshold.
                candidates = candidates.Where(c => c.Similarity >= b.Similarity - Options.Margin).ToList();
            }
            else
            {
                candidates = candidates.Where(c => c.Similarity >= Options.MatchThreshold).ToList();
            }

            return new IdentifyResult(status, best, runnerUp, candidates);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// The open-set decision on a face's best and runner-up identity similarities: <see cref="MatchStatus.Matched"/> when
    /// the best reaches <paramref name="threshold"/> and leads the runner-up by at least <paramref name="margin"/>;
    /// <see cref="MatchStatus.MultipleMatches"/> when it reaches the threshold but another identity is within the margin
    /// (a lookalike: naming either would be a guess); <see cref="MatchStatus.NewFace"/> otherwise. The gallery applies
    /// exactly this rule; evaluations call it to sweep thresholds.
    /// </summary>
    /// <param name="best">The best identity's similarity (negative infinity when there is none).</param>
    /// <param name="runnerUp">The second-best identity's similarity (negative infinity when there is none).</param>
    /// <param name="threshold">The match threshold.</param>
    /// <param name="margin">The margin over the runner-up.</param>
    /// <returns>The status.</returns>
    public static MatchStatus Decide(float best, float runnerUp, float threshold, float margin)
    {
        if (!(best >= threshold))
        {
            return MatchStatus.NewFace;
        }

        return best - runnerUp < margin ? MatchStatus.MultipleMatches : MatchStatus.Matched;
    }

    /// <summary>Verifies 1:1 that a face is a given identity (the best similarity over the identity's embeddings).</summary>
    /// <param name="identityId">The identity claimed.</param>
    /// <param name="embedding">The face embedding.</param>
    /// <returns>The similarity and whether it reaches <see cref="FaceGalleryOptions.VerifyThreshold"/>.</returns>
    /// <exception cref="UnknownIdentityException">The identity is not enrolled.</exception>
    /// <exception cref="ArgumentException">A wrong-dimension, NaN or zero embedding.</exception>
    public VerifyResult Verify(string identityId, ReadOnlySpan<float> embedding)
    {
        ArgumentNullException.ThrowIfNull(identityId);
        EmbeddingMath.Validate(embedding, Dimension);
        var query = ArrayPool<float>.Shared.Rent(Dimension);
        var stored = ArrayPool<float>.Shared.Rent(Dimension);
        try
        {
            var q = query.AsSpan(0, Dimension);
            embedding.CopyTo(q);
            EmbeddingMath.NormalizeInPlace(q);
            _lock.EnterReadLock();
            try
            {
                var identity = Get(identityId);
                var best = float.NegativeInfinity;
                foreach (var id in identity.EmbeddingIds)
                {
                    if (_index.TryGetVector(id, stored))
                    {
                        best = MathF.Max(best, System.Numerics.Tensors.TensorPrimitives.Dot(q, stored.AsSpan(0, Dimension)));
                    }
                }

                return new VerifyResult(best >= Options.VerifyThreshold, best, Options.VerifyThreshold);
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(query);
            ArrayPool<float>.Shared.Return(stored);
        }
    }

    /// <summary>Erases an identity: its embeddings leave the index (zeroed there) and every later snapshot.</summary>
    /// <param name="identityId">The identity.</param>
    /// <returns><see langword="true"/> when it was enrolled; <see langword="false"/> when there was nothing to erase.</returns>
    public bool Forget(string identityId)
    {
        ArgumentNullException.ThrowIfNull(identityId);
        _lock.EnterWriteLock();
        try
        {
            if (!_identities.Remove(identityId, out var identity))
            {
                return false;
            }

            foreach (var id in identity.EmbeddingIds)
            {
                _owners.Remove(id);
                _index.Remove(id);
            }

            identity.EmbeddingIds.Clear();
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Runs <paramref name="read"/> on a consistent view (changes wait): the next embedding id, each identity with its embedding ids, and the index.</summary>
    internal void ReadConsistent(Action<long, IReadOnlyCollection<(string Id, IReadOnlyList<long> EmbeddingIds)>, IVectorIndex> read)
    {
        _lock.EnterReadLock();
        try
        {
            var identities = new List<(string, IReadOnlyList<long>)>(_identities.Count);
            foreach (var identity in _identities.Values)
            {
                identities.Add((identity.Id, identity.EmbeddingIds));
            }

            read(_nextEmbeddingId, identities, _index);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>A gallery with restored contents (<see cref="FaceGallerySnapshot.Read"/>); with <paramref name="index"/> <see langword="null"/> the index is rebuilt from the vectors.</summary>
    internal static FaceGallery Restore(int dimension, string modelId, FaceGalleryOptions options, IVectorIndex? index, List<(string Id, long[] Ids, float[][] Vectors)> records, long nextId)
    {
        var gallery = new FaceGallery(dimension, modelId, options, index, restoring: true);
        gallery.Restore(records, nextId, fromSavedIndex: index is not null);
        return gallery;
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _lock.Dispose();

    private void Restore(List<(string Id, long[] Ids, float[][] Vectors)> records, long nextId, bool fromSavedIndex)
    {
        foreach (var (id, ids, vectors) in records)
        {
            if (_identities.ContainsKey(id))
            {
                throw new InvalidDataException($"Corrupt face gallery snapshot: identity '{id}' appears twice.");
            }

            var identity = new Identity(id);
            _identities.Add(id, identity);
            for (var j = 0; j < ids.Length; j++)
            {
                if (!fromSavedIndex)
                {
                    _index.Add(ids[j], vectors[j]);
                }
                else if (!_index.Contains(ids[j]))
                {
                    throw new InvalidDataException($"The saved index lacks embedding {ids[j]} of '{id}'.");
                }

                _owners.Add(ids[j], identity);
                identity.EmbeddingIds.Add(ids[j]);
            }
        }

        if (_index.Count != _owners.Count)
        {
            throw new InvalidDataException($"The saved index holds {_index.Count} embeddings, the gallery {_owners.Count}.");
        }

        _nextEmbeddingId = nextId;
    }

    private (IdentityScore? Best, IdentityScore? RunnerUp) BestTwo(ReadOnlySpan<float> embedding, Identity? exclude)
    {
        var (best, second, _) = Search(embedding, exclude, collect: false);
        return (best, second);
    }

    private (IdentityScore? Best, IdentityScore? RunnerUp, IReadOnlyList<IdentityScore> Candidates) Search(ReadOnlySpan<float> embedding, Identity? exclude, bool collect)
    {
        if (_index.Count == 0)
        {
            return (null, null, []);
        }

        var k = Options.SearchK;
        var matches = ArrayPool<VectorMatch>.Shared.Rent(k);
        try
        {
            var n = _index.Search(embedding, matches.AsSpan(0, k));
            Identity? bestId = null, secondId = null;
            float best = float.NegativeInfinity, second = float.NegativeInfinity;
            List<IdentityScore>? candidates = null;

            // Results come best first, so the first hit of an identity is its best similarity.
            for (var i = 0; i < n; i++)
            {
                if (!_owners.TryGetValue(matches[i].Id, out var owner) || ReferenceEquals(owner, exclude))
                {
                    continue;
                }

                var s = matches[i].Similarity;
                if (bestId is null)
                {
                    bestId = owner;
                    best = s;
                }
                else if (secondId is null && !ReferenceEquals(owner, bestId))
                {
                    secondId = owner;
                    second = s;
                }

                if (collect && s >= Options.MatchThreshold - Options.Margin)
                {
                    candidates ??= [];
                    var seen = false;
                    foreach (var c in candidates)
                    {
                        if (ReferenceEquals(c.IdentityId, owner.Id))
                        {
                            seen = true;
                            break;
                        }
                    }

                    if (!seen)
                    {
                        candidates.Add(new IdentityScore(owner.Id, s));
                    }
                }
            }

            return (
                bestId is null ? null : new IdentityScore(bestId.Id, best),
                secondId is null ? null : new IdentityScore(secondId.Id, second),
                (IReadOnlyList<IdentityScore>?)candidates ?? []);
        }
        finally
        {
            ArrayPool<VectorMatch>.Shared.Return(matches);
        }
    }

    private void AddEmbedding(Identity identity, float[] embedding)
    {
        var id = _nextEmbeddingId++;
        _index.Add(id, embedding);
        _owners.Add(id, identity);
        identity.EmbeddingIds.Add(id);
        while (identity.EmbeddingIds.Count > Options.MaxEmbeddingsPerIdentity)
        {
            var oldest = identity.EmbeddingIds[0];
            identity.EmbeddingIds.RemoveAt(0);
            _owners.Remove(oldest);
            _index.Remove(oldest);
        }
    }

    private Identity Get(string identityId) =>
        _identities.TryGetValue(identityId, out var identity) ? identity : throw new UnknownIdentityException(identityId);

    private static IVectorIndex CreateIndex(int dimension, FaceGalleryOptions options) => options.IndexKind switch
    {
        GalleryIndexKind.Flat => new FlatIndex(dimension),
        _ => new HnswIndex(dimension, new HnswIndexOptions { M = options.HnswM, EfConstruction = options.HnswEfConstruction, EfSearch = Math.Max(options.EfSearch, options.SearchK) }),
    };

    private sealed class Identity(string id)
    {
        public string Id { get; } = id;

        public List<long> EmbeddingIds { get; } = new(1);
    }
}
