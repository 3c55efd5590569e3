using System.Globalization;
using Scarlet.Evaluation.MotChallenge;
using Scarlet.Evaluation.Tracking;
using Scarlet.Tracking;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet track-cv --gt mot17/train --trackers mot17/trackers --grid grid.txt [--sources MPNTrack,Lif_T] [--raw mot15/train]
/// [--check-det det.txt --check-gt gt.txt --check-fps F]
/// [--select mean|hota|idf1]</c>: leave-one-sequence-out choice of tracker settings. Every grid line
/// (<c>name: track options</c>, the options of <c>scarlet track</c>) is run on every sequence folder and every source's
/// boxes; for each held-out sequence (all its detector variants) the line with the best combined score on the other
/// sequences is chosen and scored on the held-out one. With <c>--raw</c>, raw-detection sequences (MOT15 rules) join as
/// one fold each and weigh as much as the refined sources together in the choice. Prints each line's in-sample figures,
/// each fold's choice and held-out figures, the held-out figures combined over the folds, and the check sequence (if
/// given) scored with the line chosen on all the others.
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

        var rawRoot = args.Optional("raw");
        var rawFps = args.Double("raw-fps", 25);
        var checkDet = args.Optional("check-det");
        var checkGt = args.Optional("check-gt");
        var checkFps = args.Double("check-fps", 10);
        if ((checkDet is null) != (checkGt is null))
        {
            throw new UsageException("--check-det and --check-gt go together");
        }

        if (rawFps <= 0 || checkFps <= 0)
        {
            throw new UsageException("--raw-fps and --check-fps must be positive");
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

        var blocks = new List<Block>();
        var mot17 = Directory.GetDirectories(gtRoot).Where(d => File.Exists(Path.Combine(d, "gt", "gt.txt")))
            .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        var mot17Gt = mot17.ToDictionary(s => s, s => MotChallengeFormat.ReadFile(Path.Combine(gtRoot, s, "gt", "gt.txt")));
        var mot17Info = mot17.ToDictionary(s => s, s => SequenceInfo.Read(Path.Combine(gtRoot, s, "seqinfo.ini")));
        foreach (var src in sources)
        {
            blocks.Add(new Block(src, [.. mot17.Select(s => new CvSequence(s, GroupOf(s), mot17Gt[s],
                TrackInputs.LoadDetections(Path.Combine(trackersRoot, src, "data", s + ".txt"), mot17Info[s].Length),
                mot17Info[s].FrameRate, mot17Info[s].Length, MotBenchmark.Mot17))]));
        }

        if (rawRoot is not null)
        {
            // Raw detector output (e.g. SORT's Faster R-CNN boxes of MOT15): each sequence is its own fold, MOT15 rules.
            var raw = Directory.GetDirectories(rawRoot)
                .Where(d => File.Exists(Path.Combine(d, "gt", "gt.txt")) && File.Exists(Path.Combine(d, "det", "det.txt")))
                .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
            if (raw.Count < 2)
            {
                throw new UsageException($"--raw {rawRoot}: needs at least two sequences with det/det.txt and gt/gt.txt");
            }

            blocks.Add(new Block("raw", [.. raw.Select(s => LoadRaw(s, s, Path.Combine(rawRoot, s, "det", "det.txt"), Path.Combine(rawRoot, s, "gt", "gt.txt"), rawFps))]));
        }

        var check = checkDet is null ? null : LoadRaw("check", "check", checkDet, checkGt!, checkFps);
        var groups = blocks.SelectMany(b => b.Sequences).Select(s => s.Group).Distinct().Order(StringComparer.Ordinal).ToList();

        // metrics[config][block][sequence]
        var metrics = new MotMetrics[grid.Count][][];
        var checkMetrics = new MotMetrics[grid.Count];
        for (var g = 0; g < grid.Count; g++)
        {
            metrics[g] = new MotMetrics[blocks.Count][];
            for (var k = 0; k < blocks.Count; k++)
            {
                metrics[g][k] = [.. blocks[k].Sequences.Select(s => Score(grid[g].Args, s))];
            }

            var line = $"all  {grid[g].Name,-28} " + string.Join("  ", blocks.Select((b, k) => $"{b.Name}: {Format(MotMetrics.Combine(metrics[g][k]))}"));
            if (check is not null)
            {
                checkMetrics[g] = Score(grid[g].Args, check);
                line += $"  check: {Format(checkMetrics[g])}";
            }

            Console.Out.WriteLine(line);
            var perGroup = groups.Select(grp => grp + " " + string.Join("/", blocks.Select((b, k) => Of(b, k, metrics[g], s => s.Group == grp))
                .Where(m => m.Count > 0).Select(m => MotMetrics.Combine(m).Idf1.ToString("F4", CultureInfo.InvariantCulture))));
            Console.Out.WriteLine($"     IDF1 per sequence ({string.Join("/", blocks.Select(b => b.Name))}): {string.Join("  ", perGroup)}");
        }

        var heldOut = blocks.Select(_ => new List<MotMetrics>()).ToArray();
        foreach (var fold in groups)
        {
            var best = Choose(grid.Count, blocks, metrics, select, s => s.Group != fold);
            var parts = new List<string>();
            for (var k = 0; k < blocks.Count; k++)
            {
                var test = Of(blocks[k], k, metrics[best], s => s.Group == fold);
                if (test.Count > 0)
                {
                    heldOut[k].AddRange(test);
                    parts.Add($"{blocks[k].Name}: {Format(MotMetrics.Combine(test))}");
                }
            }

            Console.Out.WriteLine($"fold {fold} chose {grid[best].Name,-28} " + string.Join("  ", parts));
        }

        Console.Out.WriteLine("cv   COMBINED (held-out)           " + string.Join("  ", blocks.Select((b, k) => $"{b.Name}: {Format(MotMetrics.Combine(heldOut[k]))}")));
        if (check is not null)
        {
            // The external sequence plays no part in any choice: it is scored with the line chosen on every CV sequence.
            var chosen = Choose(grid.Count, blocks, metrics, select, _ => true);
            Console.Out.WriteLine($"check chose {grid[chosen].Name,-28} check: {Format(checkMetrics[chosen])}");
        }

        return Task.FromResult(ExitCodes.Ok);
    }

    /// <summary>
    /// The grid line with the best score on the sequences <paramref name="train"/> keeps: the mean over the MOT17 box
    /// sources plus the raw-detection block, so raw detections weigh as much as all refined sources together.
    /// </summary>
    private static int Choose(int lines, List<Block> blocks, MotMetrics[][][] metrics, string select, Func<CvSequence, bool> train)
    {
        var best = -1;
        var bestScore = double.MinValue;
        var refined = blocks.Count(b => b.Name != "raw");
        for (var g = 0; g < lines; g++)
        {
            double score = 0;
            for (var k = 0; k < blocks.Count; k++)
            {
                var m = Of(blocks[k], k, metrics[g], train);
                if (m.Count == 0)
                {
                    continue;
                }

                var c = MotMetrics.Combine(m);
                var value = select switch { "hota" => c.Hota, "idf1" => c.Idf1, _ => (c.Hota + c.Idf1) / 2 };
                score += blocks[k].Name == "raw" ? value : value / refined;
            }

            if (score > bestScore + 1e-12)
            {
                bestScore = score;
                best = g;
            }
        }

        return best;
    }

    private static List<MotMetrics> Of(Block block, int k, MotMetrics[][] lineMetrics, Func<CvSequence, bool> keep) =>
        [.. block.Sequences.Select((s, q) => (s, q)).Where(x => keep(x.s)).Select(x => lineMetrics[k][x.q])];

    private static CvSequence LoadRaw(string name, string group, string detPath, string gtPath, double fps)
    {
        var gt = MotChallengeFormat.ReadFile(gtPath);
        var length = Math.Max(gt.Count == 0 ? 0 : gt.Max(r => r.Frame), MotChallengeFormat.ReadFile(detPath).Select(r => r.Frame).DefaultIfEmpty(0).Max());
        return new CvSequence(name, group, gt, TrackInputs.LoadDetections(detPath, length), fps, length, MotBenchmark.Mot15);
    }

    private static MotMetrics Score(string[] optionArgs, CvSequence s) =>
        MotEvaluator.Evaluate(s.Gt, Run(optionArgs, s.Fps, s.Detections), s.Benchmark, s.Length);

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
        var output = TrackOutput.Read(args);
        args.EnsureAllUsed();
        var tracker = new MultiObjectTracker(options);
        var results = new List<MotRecord>();
        for (var f = 0; f < perFrame.Length; f++)
        {
            foreach (var track in tracker.Update(perFrame[f]))
            {
                var b = output.DetectionBox ? track.DetectionBox : track.Box;
                results.Add(new MotRecord(f + 1, track.Id, b.X, b.Y, b.Width, b.Height, track.Score, -1, -1));
            }
        }

        return output.Finish(results);
    }

    private sealed record CvSequence(string Name, string Group, List<MotRecord> Gt, TrackerDetection[][] Detections, double Fps, int Length, MotBenchmark Benchmark);

    private sealed record Block(string Name, List<CvSequence> Sequences);
}
