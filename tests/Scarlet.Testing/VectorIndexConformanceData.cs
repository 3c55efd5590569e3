using System.Numerics.Tensors;

namespace Scarlet.Testing;

/// <summary>Seeded synthetic vectors for index tests: the same seed always gives the same data.</summary>
public static class VectorIndexConformanceData
{
    /// <summary>Gaussian vectors, L2-normalised, row-major <paramref name="n"/> x <paramref name="dim"/>.</summary>
    public static float[] Random(int n, int dim, int seed)
    {
        var rng = new Random(seed);
        var data = new float[n * dim];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = Gaussian(rng);
        }

        NormalizeRows(data, dim);
        return data;
    }

    /// <summary>
    /// Face-like clusters: <paramref name="identities"/> centres on the sphere, <paramref name="perIdentity"/> samples
    /// each (row i belongs to identity i / perIdentity), sample = normalise(centre + noise * N(0, I/dim)).
    /// </summary>
    public static float[] Clustered(int identities, int perIdentity, int dim, float noise, int seed, out float[] centres)
    {
        var rng = new Random(seed);
        centres = Random(identities, dim, seed + 1);
        var data = new float[identities * perIdentity * dim];
        var sigma = noise / MathF.Sqrt(dim);
        for (var row = 0; row < identities * perIdentity; row++)
        {
            var c = centres.AsSpan(row / perIdentity * dim, dim);
            var v = data.AsSpan(row * dim, dim);
            for (var j = 0; j < dim; j++)
            {
                v[j] = c[j] + (sigma * Gaussian(rng));
            }
        }

        NormalizeRows(data, dim);
        return data;
    }

    /// <summary>Fresh samples around given centres (query i is a sample of centre <c>labels[i]</c>).</summary>
    public static float[] Samples(float[] centres, int dim, int count, float noise, int seed, out int[] labels)
    {
        var rng = new Random(seed);
        var identities = centres.Length / dim;
        labels = new int[count];
        var data = new float[count * dim];
        var sigma = noise / MathF.Sqrt(dim);
        for (var i = 0; i < count; i++)
        {
            labels[i] = rng.Next(identities);
            var c = centres.AsSpan(labels[i] * dim, dim);
            for (var j = 0; j < dim; j++)
            {
                data[(i * dim) + j] = c[j] + (sigma * Gaussian(rng));
            }
        }

        NormalizeRows(data, dim);
        return data;
    }

    /// <summary>Row <paramref name="i"/> of a row-major matrix.</summary>
    public static ReadOnlySpan<float> Row(float[] data, int dim, int i) => data.AsSpan(i * dim, dim);

    private static void NormalizeRows(float[] data, int dim)
    {
        for (var off = 0; off < data.Length; off += dim)
        {
            var row = data.AsSpan(off, dim);
            TensorPrimitives.Divide(row, TensorPrimitives.Norm(row), row);
        }
    }

    private static float Gaussian(Random rng)
    {
        // Box-Muller; 1 - NextDouble() is in (0, 1] so the log is finite.
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }
}
