using System.Numerics.Tensors;
using Scarlet.Recognition.Index;

namespace Scarlet.Recognition.Tests.Index;

/// <summary>The hand-unrolled dot product of the HNSW hot loop against the TensorPrimitives reference.</summary>
public sealed class VectorMathTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(32)]
    [InlineData(128)]
    [InlineData(192)]
    [InlineData(512)]
    public void Dot_matches_the_reference(int length)
    {
        var rng = new Random(length);
        var a = new float[length];
        var b = new float[length];
        for (var i = 0; i < length; i++)
        {
            a[i] = (float)((rng.NextDouble() * 2) - 1);
            b[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        var expected = TensorPrimitives.Dot(a, b);
        Assert.Equal(expected, VectorMath.Dot(a, b), 1e-4f * length);
    }

    [Fact]
    public void Dot_rejects_different_lengths() =>
        Assert.Throws<ArgumentException>(() => VectorMath.Dot(new float[32], new float[64]));
}
