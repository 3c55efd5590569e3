using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet bench hnsw-gen --kind random|clustered --n N --dim D [--ids I --per P --noise S] --nq Q --seed X --out PREFIX</c>:
/// writes <c>PREFIX.base.bin</c>, <c>PREFIX.query.bin</c>, <c>PREFIX.gt.bin</c> (exact top-100 by inner product)
/// and <c>PREFIX.qlabels.bin</c> (each query's identity; -1 for random data).
/// </summary>
internal static class BenchHnswGenCommand
{
    public const int GroundTruthK = 100;

    public static Task<int> RunAsync(CliArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var kind = args.Required("kind");
        var n = args.Int("n", 0);
        var dim = args.Int("dim", 128);
        var nq = args.Int("nq", 1000);
        var seed = args.Int("seed", 1);
        var prefix = args.Required("out");
        var ids = args.Int("ids", 0);
        var per = args.Int("per", 0);
        var noise = args.Double("noise", 0.8);
        args.EnsureAllUsed();

        if (kind is not ("random" or "clustered"))
        {
            throw new UsageException($"--kind must be random or clustered, got '{kind}'");
        }

        if (kind == "clustered")
        {
            per = per > 0 ? per : ids > 0 && n > 0 ? n / ids : 10;
            ids = ids > 0 ? ids : n / per;
            n = n > 0 ? n : ids * per;
            if (ids < 1 || (long)ids * per != n)
            {
                throw new UsageException($"clustered data needs --n = --ids x --per, got n={n}, ids={ids}, per={per}");
            }

            if (!double.IsFinite(noise) || noise < 0)
            {
                throw new UsageException("--noise must be 0 or more");
            }
        }

        if (n < 1 || dim < 1 || nq < 1 || (long)n * dim > Array.MaxLength || (long)nq * dim > Array.MaxLength)
        {
            throw new UsageException("--n, --dim and --nq must be 1 or more (and n x dim below 2^31)");
        }

        var total = Stopwatch.StartNew();
        var rng = new Random(seed);
        var baseData = new float[n * dim];
        var queries = new float[nq * dim];
        var labels = new int[nq];
        if (kind == "random")
        {
            FillGaussian(rng, baseData, 1f);
            FillGaussian(rng, queries, 1f);
            labels.AsSpan().Fill(-1);
        }
        else
        {
            // Centres uniform on the sphere; sample = normalise(centre + S * N(0, I/D)); row i is identity i / per.
            var centres = new float[ids * dim];
            FillGaussian(rng, centres, 1f);
            NormalizeRows(centres, dim);
            var sigma = (float)(noise / Math.Sqrt(dim));
            FillGaussian(rng, baseData, sigma);
            for (var i = 0; i < n; i++)
            {
                var row = baseData.AsSpan(i * dim, dim);
                TensorPrimitives.Add(row, centres.AsSpan(i / per * dim, dim), row);
            }

            for (var i = 0; i < nq; i++)
            {
                labels[i] = rng.Next(ids);
            }

            FillGaussian(rng, queries, sigma);
            for (var i = 0; i < nq; i++)
            {
                var row = queries.AsSpan(i * dim, dim);
                TensorPrimitives.Add(row, centres.AsSpan(labels[i] * dim, dim), row);
            }
        }

        NormalizeRows(baseData, dim);
        NormalizeRows(queries, dim);
        var clusters = kind == "clustered" ? string.Create(CultureInfo.InvariantCulture, $" ({ids} identities x {per}, noise {noise})") : string.Empty;
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"generated: {kind} base {n} x {dim}, queries {nq}{clusters} in {total.Elapsed.TotalSeconds:F1}s"));

        var sw = Stopwatch.StartNew();
        var k = Math.Min(GroundTruthK, n);
        var gt = ExactTopK(baseData, queries, dim, k);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ground truth: exact top-{k} for {nq} queries in {sw.Elapsed.TotalSeconds:F1}s"));

        HnswBinaryFiles.Write<float>(prefix + ".base.bin", n, dim, baseData);
        HnswBinaryFiles.Write<float>(prefix + ".query.bin", nq, dim, queries);
        HnswBinaryFiles.Write<int>(prefix + ".gt.bin", nq, k, gt);
        HnswBinaryFiles.Write<int>(prefix + ".qlabels.bin", nq, 1, labels);
        Console.Out.WriteLine($"written: {prefix}.{{base,query,gt,qlabels}}.bin");
        return Task.FromResult(ExitCodes.Ok);
    }

    /// <summary>Exact top-k ids by inner product, best first (ties: lower id first), queries in parallel.</summary>
    internal static int[] ExactTopK(float[] baseData, float[] queries, int dim, int k)
    {
        var n = baseData.Length / dim;
        var nq = queries.Length / dim;
        var gt = new int[nq * k];
        Parallel.For(
            0,
            nq,
            () => (Sims: new float[n], Heap: new PriorityQueue<int, (float, int)>(k + 1)),
            (qi, state, local) =>
            {
                var q = queries.AsSpan(qi * dim, dim);
                var sims = local.Sims;
                for (var i = 0; i < n; i++)
                {
                    sims[i] = TensorPrimitives.Dot(q, baseData.AsSpan(i * dim, dim));
                }

                // Min-heap on (similarity, -id): the top is the worst kept; ties keep the lower id.
                var heap = local.Heap;
                heap.Clear();
                for (var i = 0; i < n; i++)
                {
                    if (heap.Count < k)
                    {
                        heap.Enqueue(i, (sims[i], -i));
                    }
                    else
                    {
                        heap.TryPeek(out var _, out var worst);
                        if (sims[i] > worst.Item1)
                        {
                            heap.EnqueueDequeue(i, (sims[i], -i));
                        }
                    }
                }

                var row = gt.AsSpan(qi * k, k);
                for (var j = k - 1; j >= 0; j--)
                {
                    row[j] = heap.Dequeue();
                }

                return local;
            },
            _ => { });
        return gt;
    }

    private static void FillGaussian(Random rng, Span<float> values, float scale)
    {
        // Box-Muller, both outputs used; 1 - NextDouble() is in (0, 1] so the log is finite.
        for (var i = 0; i < values.Length; i += 2)
        {
            var r = Math.Sqrt(-2.0 * Math.Log(1.0 - rng.NextDouble())) * scale;
            var a = 2.0 * Math.PI * rng.NextDouble();
            values[i] = (float)(r * Math.Cos(a));
            if (i + 1 < values.Length)
            {
                values[i + 1] = (float)(r * Math.Sin(a));
            }
        }
    }

    private static void NormalizeRows(float[] data, int dim)
    {
        for (var off = 0; off < data.Length; off += dim)
        {
            var row = data.AsSpan(off, dim);
            TensorPrimitives.Divide(row, TensorPrimitives.Norm(row), row);
        }
    }
}
