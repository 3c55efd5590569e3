using System.Globalization;
using Spectre.Console;
using Scarlet.Evaluation.MotChallenge;
using Scarlet.Evaluation.Tracking;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet mot-eval --gt gt.txt|folder --res result.txt|folder [--benchmark MOT15|MOT17|MOT20]</c>: CLEAR MOT, IDF1 and
/// HOTA with the MOTChallenge preprocessing, as TrackEval. Folder mode reads <c>&lt;gt&gt;/&lt;SEQ&gt;/gt/gt.txt</c> and
/// <c>&lt;res&gt;/&lt;SEQ&gt;.txt</c> and adds a COMBINED line. The last line is <c>HOTA=.. MOTA=.. IDF1=.. IDSW=..</c>.
/// </summary>
internal static class MotEvalCommand
{
    public static Task<int> RunAsync(CliArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var gt = args.Required("gt");
        var res = args.Required("res");
        var benchmarkArg = args.Optional("benchmark");
        args.EnsureAllUsed();
        MotBenchmark? benchmark = benchmarkArg?.ToUpperInvariant() switch
        {
            null => null,
            "MOT15" => MotBenchmark.Mot15,
            "MOT16" or "MOT17" => MotBenchmark.Mot17,
            "MOT20" => MotBenchmark.Mot20,
            _ => throw new UsageException($"--benchmark takes MOT15, MOT17 or MOT20, got '{benchmarkArg}'"),
        };

        var sequences = new List<(string Name, string Gt, string Res, int? Length)>();
        if (Directory.Exists(gt))
        {
            if (!Directory.Exists(res))
            {
                throw new UsageException("with a --gt folder, --res must be a folder of <SEQ>.txt files");
            }

            foreach (var seqDir in Directory.GetDirectories(gt).Order(StringComparer.Ordinal))
            {
                var gtFile = Path.Combine(seqDir, "gt", "gt.txt");
                if (!File.Exists(gtFile))
                {
                    continue;
                }

                var name = Path.GetFileName(seqDir);
                var resFile = Path.Combine(res, name + ".txt");
                if (!File.Exists(resFile))
                {
                    throw new FileNotFoundException($"No result file for sequence {name}: {resFile}", resFile);
                }

                sequences.Add((name, gtFile, resFile, SeqLength(seqDir)));
            }

            if (sequences.Count == 0)
            {
                throw new DirectoryNotFoundException($"No sequences (<SEQ>/gt/gt.txt) under {gt}.");
            }
        }
        else
        {
            if (!File.Exists(gt))
            {
                throw new FileNotFoundException($"Ground truth not found: {gt}", gt);
            }

            var seqDir = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(gt)));
            sequences.Add((Path.GetFileNameWithoutExtension(res), gt, res, seqDir is null ? null : SeqLength(seqDir)));
        }

        // A person at a terminal gets a table; redirected output keeps the one-line-per-sequence contract.
        var table = ConsoleUi.Interactive && !Console.IsOutputRedirected ? MotTable() : null;
        var results = new List<MotMetrics>();
        foreach (var (name, gtFile, resFile, length) in sequences)
        {
            var gtRows = MotChallengeFormat.ReadFile(gtFile);
            var resRows = MotChallengeFormat.ReadFile(resFile);
            var protocol = benchmark ?? MotEvaluator.DetectBenchmark(gtRows);
            var m = MotEvaluator.Evaluate(gtRows, resRows, protocol, length);
            results.Add(m);
            if (table is null)
            {
                Console.Out.WriteLine($"{name} [{protocol}] {m}");
            }
            else
            {
                AddRow(table, $"{name} [{protocol}]", m);
            }
        }

        var final = results.Count == 1 ? results[0] : MotMetrics.Combine(results);
        if (results.Count > 1 && table is null)
        {
            Console.Out.WriteLine($"COMBINED {final}");
        }

        if (table is not null)
        {
            if (results.Count > 1)
            {
                AddRow(table, "COMBINED", final);
            }

            AnsiConsole.Write(table);
        }

        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"HOTA={final.Hota:F4} MOTA={final.Mota:F4} IDF1={final.Idf1:F4} IDSW={final.IdSwitches}"));
        return Task.FromResult(ExitCodes.Ok);
    }

    private static Table MotTable()
    {
        var table = new Table().AddColumn(new TableColumn("sequence").NoWrap());
        foreach (var c in new[] { "HOTA", "DetA", "AssA", "MOTA", "IDF1", "FP", "FN", "IDSW" })
        {
            table.AddColumn(new TableColumn(c).RightAligned().NoWrap());
        }

        return table;
    }

    private static void AddRow(Table table, string name, MotMetrics m)
    {
        static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
        static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        table.AddRow(Markup.Escape(name), F(m.Hota), F(m.DetA), F(m.AssA), F(m.Mota), F(m.Idf1), I(m.FalsePositives), I(m.FalseNegatives), I(m.IdSwitches));
    }

    private static int? SeqLength(string seqDir)
    {
        var ini = Path.Combine(seqDir, "seqinfo.ini");
        return File.Exists(ini) ? SequenceInfo.Read(ini).Length : null;
    }
}
