using System.Numerics.Tensors;

namespace Scarlet.Recognition;

/// <summary>Checks and normalisation shared by embedders and the gallery.</summary>
public static class EmbeddingMath
{
    /// <summary>Scales a vector to unit length in place.</summary>
    /// <param name="vector">The vector.</param>
    /// <param name="what">What the vector is, for the error message.</param>
    /// <exception cref="ArgumentException">The vector holds NaN or infinity, or is all zeros.</exception>
    public static void NormalizeInPlace(Span<float> vector, string what = "embedding")
    {
        var norm = TensorPrimitives.Norm(vector);
        if (!float.IsFinite(norm))
        {
            throw new ArgumentException($"The {what} holds NaN or infinite values.", nameof(vector));
        }

        if (norm < 1e-12f)
        {
            throw new ArgumentException($"The {what} is a zero vector and has no direction.", nameof(vector));
        }

        TensorPrimitives.Divide(vector, norm, vector);
    }

    /// <summary>Throws a clear error unless <paramref name="vector"/> has <paramref name="dimension"/> finite values, not all zero.</summary>
    /// <param name="vector">The vector.</param>
    /// <param name="dimension">The length required.</param>
    /// <param name="paramName">The parameter name for the exception.</param>
    /// <exception cref="ArgumentException">Wrong length, NaN or infinity, or a zero vector.</exception>
    public static void Validate(ReadOnlySpan<float> vector, int dimension, string paramName = "embedding")
    {
        if (vector.Length != dimension)
        {
            throw new ArgumentException($"The embedding has {vector.Length} values; this gallery holds {dimension}-d embeddings.", paramName);
        }

        var norm = TensorPrimitives.Norm(vector);
        if (!float.IsFinite(norm))
        {
            throw new ArgumentException("The embedding holds NaN or infinite values.", paramName);
        }

        if (norm < 1e-12f)
        {
            throw new ArgumentException("The embedding is a zero vector.", paramName);
        }
    }

    /// <summary>The cosine similarity of two vectors of the same length (their dot product when both are unit length).</summary>
    /// <param name="a">The first vector.</param>
    /// <param name="b">The second vector.</param>
    /// <returns>The cosine in [-1, 1].</returns>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"The vectors have different lengths ({a.Length} and {b.Length}).", nameof(b));
        }

        return TensorPrimitives.CosineSimilarity(a, b);
    }
}
