using System.Globalization;
using System.Numerics.Tensors;

namespace Scarlet.Recognition.Index;

/// <summary>Input checks shared by the indexes: one norm computation catches NaN, infinity and zero.</summary>
internal static class VectorGuard
{
    public static void CheckDimension(int dimension)
    {
        if (dimension is < 1 or > 65_536)
        {
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The dimension must be in [1, 65536].");
        }
    }

    /// <summary>Writes the L2-normalised <paramref name="source"/> to <paramref name="destination"/> or throws.</summary>
    public static void Normalize(ReadOnlySpan<float> source, Span<float> destination, int dimension, string paramName)
    {
        if (source.Length != dimension)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The vector has {source.Length} values but the index dimension is {dimension}."),
                paramName);
        }

        // Norm is NaN with any NaN, infinite with any infinity (or overflow), zero only for the zero vector.
        var norm = TensorPrimitives.Norm(source);
        if (!float.IsFinite(norm))
        {
            throw new ArgumentException("The vector contains NaN or infinite values.", paramName);
        }

        if (norm < 1e-30f)
        {
            throw new ArgumentException("The vector is zero (or too close to zero) and has no direction.", paramName);
        }

        TensorPrimitives.Multiply(source, 1f / norm, destination[..dimension]);
    }

    public static void CheckK(int k)
    {
        if (k < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, "k must be 1 or more.");
        }
    }

    public static ArgumentException UnknownId(long id, string paramName) =>
        new(string.Create(CultureInfo.InvariantCulture, $"The id {id} is not in the index."), paramName);

    public static ArgumentException DuplicateId(long id, string paramName) =>
        new(string.Create(CultureInfo.InvariantCulture, $"The id {id} is already in the index; remove it first to replace its vector."), paramName);
}
