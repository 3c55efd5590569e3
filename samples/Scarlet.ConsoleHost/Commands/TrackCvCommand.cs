using System.Globalization;
using Scarlet.Evaluation.MotChallenge;
using Scarlet.Evaluation.Tracking;
using Scarlet.Tracking;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet track-cv --gt mot17/train --trackers mot17/trackers --grid grid.txt [--sources MPNTrack,Lif_T]
/// [--select mean|hota|idf1]</c>: leave-one-sequence-out choice of tracker settings. Every grid line
/// (<c>name: track options</c>, the options of <c>scarlet track</c>) is run on every sequence folder and every source's
/// boxes; for each held-out sequence (all its detector variants) the line with the best combined score on the other
/// sequences is chosen and scored on the held-out one. Prints each line's in-sample figures, each fold's choice and
/// held-out figures, and the held-out figures combined over the folds.
/// </summary>
internal static class TrackCvCommand
{
    public static Task<int> RunAsync(CliArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var gtRoot = args.Required("gt");
        var trackersRoot = args.Required("trackers");
        var gridPath = args.Required("grid");
        var sources = (args.Optional("sources") ?? "MPNTrack,Lif_T").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var select = args.Optional("select") ?? "mean";
        if (select is not ("mean" or "hota" or "idf1"))
        {
            throw new UsageException($"--select takes mean, hota or idf1, got '{select}'");
        }

        args.EnsureAllUsed();

        var grid = new List<(string Name, string[] Args)>();
        foreach (var raw in File.ReadAllLines(gridPath))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new UsageException($"grid line '{line}' is not 'name: options'");
            }

            grid.Add((line[..colon].Trim(), line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        }

        var sequences = Directory.GetDirectories(gtRoot).Where(d => File.Exists(Path.Combine(d, "gt", "gt.txt")))
            .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        var groups = sequences.Select(GroupOf).Distinct().Order(StringComparer.Ordinal).ToList();
        var gt = sequences.ToDictionary(s => s, s => MotChallengeFormat.ReadFile(Path.Combine(gtRoot, s, "gt", "gt.txt")));
        var info = sequences.ToDictionary(s => s, s => SequenceInfo.Read(Path.Combine(gtRoot, s, "seqinfo.ini")));
        var dets = new Dictionary<(string, string), TrackerDetection[][]>();
        foreach (var src in sources)
        {
            foreach (var s in sequences)
            {
                dets[(src, s)] = TrackInputs.LoadDetections(Path.Combine(trackersRoot, src, "data", s + ".txt"), info[s].Length);
            }
        }

        // metrics[config][source][sequence]
        var metrics = new MotMetrics[grid.Count][][];
        for (var g = 0; g < grid.Count; g++)
        {
            metrics[g] = new MotMetrics[sources.Length][];
            for (var k = 0; k < sources.Length; k++)
            {
                metrics[g][k] = new MotMetrics[sequences.Count];
                for (var q = 0; q < sequences.Count; q++)
                {
                    var s = sequences[q];
                    var rows = Run(grid[g].Args, info[s].FrameRate, dets[(sources[k], s)]);
                    metrics[g][k][q] = MotEvaluator.Evaluate(gt[s], rows, MotBenchmark.Mot17, info[s].Length);
                }
            }

            Console.Out.WriteLine($"all  {grid[g].Name,-28} " + string.Join("  ", sources.Select((src, k) => $"{src}: {Format(MotMetrics.Combine(metrics[g][k]))}")));
            var perGroup = groups.Select(grp => grp + " " + string.Join("/", sources.Select((_, k) => MotMetrics.Combine(
                Enumerable.Range(0, sequences.Count).Where(q => GroupOf(sequences[q]) == grp).Select(q => metrics[g][k][q])).Idf1.ToString("F4", CultureInfo.InvariantCulture))));
            Console.Out.WriteLine($"     IDF1 per sequence ({string.Join("/", sources)}): {string.Join("  ", perGroup)}");
        }

        var heldOut = new List<MotMetrics>[sources.Length];
        for (var k = 0; k < sources.Length; k++)
        {
            heldOut[k] = [];
        }

        foreach (var fold in groups)
        {
            var best = -1;
            var bestScore = double.MinValue;
            for (var g = 0; g < grid.Count; g++)
            {
                double score = 0;
                for (var k = 0; k < sources.Length; k++)
                {
                    var train = MotMetrics.Combine(Enumerable.Range(0, sequences.Count).Where(q => GroupOf(sequences[q]) != fold).Select(q => metrics[g][k][q]));
                    score += select switch { "hota" => train.Hota, "idf1" => train.Idf1, _ => (train.Hota + train.Idf1) / 2 };
                }

                if (score > bestScore + 1e-12)
                {
                    bestScore = score;
                    best = g;
                }
            }

            var parts = new List<string>();
            for (var k = 0; k < sources.Length; k++)
            {
                var test = Enumerable.Range(0, sequences.Count).Where(q => GroupOf(sequences[q]) == fold).Select(q => metrics[best][k][q]).ToList();
                heldOut[k].AddRange(test);
                parts.Add($"{sources[k]}: {Format(MotMetrics.Combine(test))}");
            }

            Console.Out.WriteLine($"fold {fold} chose {grid[best].Name,-28} " + string.Join("  ", parts));
        }

        Console.Out.WriteLine("cv   COMBINED (held-out)           " + string.Join("  ", sources.Select((src, k) => $"{src}: {Format(MotMetrics.Combine(heldOut[k]))}")));
        return Task.FromResult(ExitCodes.Ok);
    }

    private static string GroupOf(string sequence)
    {
        // MOT17-02-FRCNN -> MOT17-02: the detector variants of one video are one fold.
        var last = sequence.LastIndexOf('-');
        return last > 0 ? sequence[..last] : sequence;
    }

    private static string Format(MotMetrics m) =>
        string.Create(CultureInfo.InvariantCulture, $"HOTA {m.Hota:F4} MOTA {m.Mota:F4} IDF1 {m.Idf1:F4} IDSW {m.IdSwitches}");

    private static List<MotRecord> Run(string[] optionArgs, double fps, TrackerDetection[][] perFrame)
    {
        var args = Cli.ParseGridLine(optionArgs);
        var options = TrackInputs.ReadOptions(args, fps);
        var useDetectionBox = (args.Optional("output-box") ?? "kalman") == "detection";
        var interpolate = args.Int("interpolate", 0);
        args.EnsureAllUsed();
        var tracker = new MultiObjectTracker(options);
        var results = new List<MotRecord>();
        for (var f = 0; f < perFrame.Length; f++)
        {
            foreach (var track in tracker.Update(perFrame[f]))
            {
                var b = useDetectionBox ? track.DetectionBox : track.Box;
                results.Add(new MotRecord(f + 1, track.Id, b.X, b.Y, b.Width, b.Height, track.Score, -1, -1));
            }
        }

        return interpolate > 0 ? MotInterpolation.FillGaps(results, interpolate) : results;
    }
}
