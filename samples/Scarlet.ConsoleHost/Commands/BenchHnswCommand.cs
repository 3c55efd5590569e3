using System.Diagnostics;
using System.Globalization;
using Scarlet.Recognition.Index;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet bench hnsw --data PREFIX --M 16 --efc 200 --ef 16,32,64,128 [--threads 1] [--seed 42] [--repeat 3] [--flat] [--snapshot FILE]</c>:
/// builds an <see cref="HnswIndex"/> from <c>PREFIX.base.bin</c> (single writer), then prints build time, memory and,
/// per ef, recall@1 / recall@10 against <c>PREFIX.gt.bin</c> and single-thread queries per second (best of
/// <c>--repeat</c> passes over all queries). <c>--threads N</c> (N &gt; 1) adds a line with N searching threads.
/// </summary>
internal static class BenchHnswCommand
{
    private const int K = 10;

    public static Task<int> RunAsync(CliArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var prefix = args.Required("data");
        var m = args.Int("M", 16);
        var efc = args.Int("efc", 200);
        var efText = args.Optional("ef") ?? "16,32,64,128";
        var threads = args.Int("threads", 1);
        var seed = args.Int("seed", 42);
        var repeat = args.Int("repeat", 3);
        var flat = args.Flag("flat");
        var snapshot = args.Optional("snapshot");
        args.EnsureAllUsed();
        var efs = ParseEfs(efText);
        if (threads < 1 || repeat < 1)
        {
            throw new UsageException("--threads and --repeat must be 1 or more");
        }

        var baseData = HnswBinaryFiles.Read<float>(prefix + ".base.bin", out var n, out var dim);
        var queries = HnswBinaryFiles.Read<float>(prefix + ".query.bin", out var nq, out var qdim);
        var gt = HnswBinaryFiles.Read<int>(prefix + ".gt.bin", out var gtRows, out var gtK);
        if (qdim != dim || gtRows != nq || gtK < K)
        {
            throw new InvalidDataException($"{prefix}: base is {n} x {dim}, queries {nq} x {qdim}, gt {gtRows} x {gtK}; they must agree and gt must hold at least {K} ids per query.");
        }

        Console.Out.WriteLine(Invariant($"data: base {n} x {dim}, queries {nq}, gt top-{gtK}; M={m} efc={efc} seed={seed}"));

        var memBefore = ManagedBytes();
        var index = new HnswIndex(dim, new HnswIndexOptions { M = m, EfConstruction = efc, Seed = seed, InitialCapacity = Math.Max(n, 1) });
        var cpu0 = CpuSeconds();
        var sw = Stopwatch.StartNew();
        using (var bar = ConsoleUi.Progress("bench hnsw: build", n))
        {
            for (var i = 0; i < n; i++)
            {
                index.Add(i, baseData.AsSpan(i * dim, dim));
                if ((i & 1023) == 1023)
                {
                    bar.Report(i + 1); // every 1,024 vectors: the bar costs nothing measurable
                }
            }
        }

        sw.Stop();
        var buildCpu = CpuSeconds() - cpu0;
        var memAfter = ManagedBytes();
        var bytes = memAfter - memBefore;
        Console.Out.WriteLine(Invariant($"build: {sw.Elapsed.TotalSeconds:F1}s (cpu {buildCpu:F1}s, {n / sw.Elapsed.TotalSeconds:F0} vectors/s, 1 thread)"));
        Console.Out.WriteLine(Invariant($"memory: {bytes / 1e6:F1} MB ({(double)bytes / n:F0} B/vector; index estimate {(double)index.MemoryBytes / n:F0} B/vector, raw vector {dim * sizeof(float)} B)"));

        var found = new long[nq * K];
        using (var efBar = ConsoleUi.Progress("bench hnsw: ef values", efs.Length))
        {
            foreach (var ef in efs)
            {
                var (qps, cpuQps) = MeasureSingleThread(index, queries, dim, ef, repeat, found);
                var (r1, r10) = Recall(found, gt, nq, gtK);
                Console.Out.WriteLine(Invariant($"ef={ef} recall@1={r1:F4} recall@10={r10:F4} qps={qps:F0} cpu-qps={cpuQps:F0}"));
                if (threads > 1)
                {
                    Console.Out.WriteLine(Invariant($"ef={ef} threads={threads} qps={MeasureParallel(index, queries, dim, ef, threads, repeat):F0}"));
                }

                efBar.Increment();
            }
        }

        if (flat)
        {
            BenchFlat(baseData, queries, gt, n, dim, nq, gtK, found);
        }

        if (snapshot is not null)
        {
            BenchSnapshot(index, snapshot, queries, dim, nq);
        }

        GC.KeepAlive(index);
        return Task.FromResult(ExitCodes.Ok);
    }

    private static int[] ParseEfs(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var efs = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out efs[i]) || efs[i] < 1)
            {
                throw new UsageException($"--ef takes a comma-separated list of whole numbers >= 1, got '{text}'");
            }
        }

        return efs.Length > 0 ? efs : throw new UsageException("--ef needs at least one value");
    }

    /// <summary>
    /// Best of <paramref name="repeat"/> passes over all queries, one thread; results of the last pass kept.
    /// Also queries per CPU second of the process, steadier than wall time on a loaded machine.
    /// </summary>
    private static (double Wall, double Cpu) MeasureSingleThread(HnswIndex index, float[] queries, int dim, int ef, int repeat, long[] found)
    {
        var nq = queries.Length / dim;
        Span<VectorMatch> hits = stackalloc VectorMatch[K];
        for (var i = 0; i < Math.Min(nq, 200); i++)
        {
            index.Search(queries.AsSpan(i * dim, dim), hits, ef); // warm-up: JIT tiers, caches
        }

        var best = 0.0;
        var bestCpu = 0.0;
        for (var pass = 0; pass < repeat; pass++)
        {
            var cpu0 = CpuSeconds();
            var sw = Stopwatch.StartNew();
            for (var qi = 0; qi < nq; qi++)
            {
                var count = index.Search(queries.AsSpan(qi * dim, dim), hits, ef);
                var row = found.AsSpan(qi * K, K);
                row.Fill(-1);
                for (var j = 0; j < count; j++)
                {
                    row[j] = hits[j].Id;
                }
            }

            best = Math.Max(best, nq / sw.Elapsed.TotalSeconds);
            bestCpu = Math.Max(bestCpu, nq / Math.Max(CpuSeconds() - cpu0, 1e-6));
        }

        return (best, bestCpu);
    }

    private static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    private static double MeasureParallel(HnswIndex index, float[] queries, int dim, int ef, int threads, int repeat)
    {
        var nq = queries.Length / dim;
        var best = 0.0;
        for (var pass = 0; pass < repeat; pass++)
        {
            var sw = Stopwatch.StartNew();
            Parallel.For(0, nq, new ParallelOptions { MaxDegreeOfParallelism = threads }, qi =>
            {
                Span<VectorMatch> hits = stackalloc VectorMatch[K];
                index.Search(queries.AsSpan(qi * dim, dim), hits, ef);
            });
            best = Math.Max(best, nq / sw.Elapsed.TotalSeconds);
        }

        return best;
    }

    private static (double R1, double R10) Recall(long[] found, int[] gt, int nq, int gtK)
    {
        long top1 = 0, top10 = 0;
        for (var qi = 0; qi < nq; qi++)
        {
            var truth = gt.AsSpan(qi * gtK, K);
            var row = found.AsSpan(qi * K, K);
            top1 += row[0] == truth[0] ? 1 : 0;
            foreach (var id in row)
            {
                top10 += id >= 0 && truth.Contains((int)id) ? 1 : 0;
            }
        }

        return (top1 / (double)nq, top10 / (10.0 * nq));
    }

    private static void BenchFlat(float[] baseData, float[] queries, int[] gt, int n, int dim, int nq, int gtK, long[] found)
    {
        var flat = new FlatIndex(dim, n);
        for (var i = 0; i < n; i++)
        {
            flat.Add(i, baseData.AsSpan(i * dim, dim));
        }

        Span<VectorMatch> hits = stackalloc VectorMatch[K];
        var count = Math.Min(nq, 200);
        var sw = Stopwatch.StartNew();
        for (var qi = 0; qi < count; qi++)
        {
            flat.Search(queries.AsSpan(qi * dim, dim), hits);
            for (var j = 0; j < K; j++)
            {
                found[(qi * K) + j] = hits[j].Id;
            }
        }

        var qps = count / sw.Elapsed.TotalSeconds;
        var (r1, r10) = Recall(found, gt, count, gtK);
        Console.Out.WriteLine(Invariant($"flat (exact, first {count} queries) recall@1={r1:F4} recall@10={r10:F4} qps={qps:F0}"));
    }

    private static void BenchSnapshot(HnswIndex index, string path, float[] queries, int dim, int nq)
    {
        var sw = Stopwatch.StartNew();
        using (var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            index.Save(fs);
        }

        var saveSeconds = sw.Elapsed.TotalSeconds;
        sw.Restart();
        HnswIndex loaded;
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
        {
            loaded = HnswIndex.Load(fs);
        }

        var loadSeconds = sw.Elapsed.TotalSeconds;
        var same = 0;
        var check = Math.Min(nq, 1000);
        for (var qi = 0; qi < check; qi++)
        {
            var q = queries.AsSpan(qi * dim, dim);
            same += index.Search(q, K).AsSpan().SequenceEqual(loaded.Search(q, K)) ? 1 : 0;
        }

        Console.Out.WriteLine(Invariant($"snapshot: {new FileInfo(path).Length / 1e6:F1} MB, save {saveSeconds:F2}s, load {loadSeconds:F2}s, identical answers {same}/{check}"));
    }

    private static long ManagedBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
