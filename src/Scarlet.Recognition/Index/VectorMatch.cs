namespace Scarlet.Recognition.Index;

/// <summary>One search result: an id and its cosine similarity to the query (higher is closer).</summary>
/// <param name="Id">The id given to <see cref="IVectorIndex.Add"/>.</param>
/// <param name="Similarity">The cosine similarity in [-1, 1].</param>
public readonly record struct VectorMatch(long Id, float Similarity);
