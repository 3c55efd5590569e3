using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Scarlet.Recognition.Index;
using Xunit.Abstractions;

namespace Scarlet.Recognition.Tests.Index;

/// <summary>The hand-unrolled dot product of the HNSW hot loop against the TensorPrimitives reference.</summary>
public sealed class VectorMathTests(ITestOutputHelper output)
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

    [Fact]
    public void The_run_has_no_wider_vectors_than_it_asked_for()
    {
        // scripts/test.sh runs this project a second time with DOTNET_EnableAVX512=0 and SCARLET_TEST_MAX_VECTOR_BITS=256
        // to cover the AVX2 path. .NET 10 ignores the older DOTNET_EnableAVX512F=0 (that pass would quietly repeat the
        // AVX-512 one); this fails if the knob stops working.
        var bits = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;
        output.WriteLine($"widest accelerated vector: {bits} bits");
        if (Environment.GetEnvironmentVariable("SCARLET_TEST_MAX_VECTOR_BITS") is { Length: > 0 } max)
        {
            Assert.InRange(bits, 0, int.Parse(max, CultureInfo.InvariantCulture));
        }
    }
}
