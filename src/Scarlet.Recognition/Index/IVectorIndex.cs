namespace Scarlet.Recognition.Index;

/// <summary>
/// An in-memory index of unit vectors keyed by <see cref="long"/> ids, searched by cosine similarity
/// (the inner product of L2-normalised vectors). Implemented by <see cref="HnswIndex"/> (approximate, fast)
/// and <see cref="FlatIndex"/> (exact reference).
/// </summary>
/// <remarks>
/// Vectors are copied and L2-normalised on <see cref="Add"/>; queries are normalised too, so the similarity
/// reported is the cosine in [-1, 1]. Writers (<see cref="Add"/>, <see cref="Remove"/>) are serialised;
/// searches may run on any number of threads at the same time as writes.
/// Bad input (wrong dimension, NaN, infinity or a zero vector, a duplicate or unknown id) throws an
/// <see cref="ArgumentException"/> (or a subclass) with a message that names the problem.
/// </remarks>
public interface IVectorIndex
{
    /// <summary>Gets the dimension every vector and query must have.</summary>
    int Dimension { get; }

    /// <summary>Gets the number of vectors in the index (removed ones excluded).</summary>
    int Count { get; }

    /// <summary>Adds a vector under a new id (the vector is copied and normalised).</summary>
    /// <param name="id">The caller's id; must not be in the index already.</param>
    /// <param name="vector">The vector, of length <see cref="Dimension"/>, finite and not zero.</param>
    /// <exception cref="ArgumentException">Wrong length, NaN/infinite/zero vector, or the id is already present.</exception>
    void Add(long id, ReadOnlySpan<float> vector);

    /// <summary>Removes a vector; it is never returned by a search afterwards and its values are erased.</summary>
    /// <param name="id">An id in the index.</param>
    /// <exception cref="ArgumentException">The id is not in the index.</exception>
    void Remove(long id);

    /// <summary>Tells whether an id is in the index.</summary>
    /// <param name="id">The id.</param>
    /// <returns><see langword="true"/> when the id was added and not removed.</returns>
    bool Contains(long id);

    /// <summary>Copies the stored (normalised) vector of an id.</summary>
    /// <param name="id">The id.</param>
    /// <param name="destination">At least <see cref="Dimension"/> floats.</param>
    /// <returns><see langword="false"/> when the id is not in the index.</returns>
    bool TryGetVector(long id, Span<float> destination);

    /// <summary>Finds the <paramref name="k"/> most similar vectors, best first.</summary>
    /// <param name="query">The query, of length <see cref="Dimension"/>, finite and not zero.</param>
    /// <param name="k">How many results at most (1 or more); fewer come back when the index holds fewer.</param>
    /// <returns>The matches, most similar first.</returns>
    VectorMatch[] Search(ReadOnlySpan<float> query, int k);

    /// <summary>Finds the most similar vectors without allocating, best first.</summary>
    /// <param name="query">The query, of length <see cref="Dimension"/>, finite and not zero.</param>
    /// <param name="destination">Receives up to <c>destination.Length</c> matches (k = its length, 1 or more).</param>
    /// <returns>The number of matches written.</returns>
    int Search(ReadOnlySpan<float> query, Span<VectorMatch> destination);

    /// <summary>
    /// Writes a snapshot (magic, version, parameters, vectors, graph, trailing CRC-32C) to a stream;
    /// the matching static <c>Load</c> of the implementation reads it back.
    /// </summary>
    /// <param name="stream">A writable stream; it is not closed.</param>
    void Save(Stream stream);
}
