using System.Globalization;
using Scarlet.Evaluation.Recognition;
using Scarlet.Recognition;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet lfw --pairs pairs.txt --images dir [--model ID|PATH] [--normalization imagenet|arcface|raw] [--align-margin M] [--detector ID|PATH] [--flip|--no-flip] [--refine|--no-refine] [--parallel N] [--pairs-per-fold N] [--choose-refine-margin]</c>:
/// LFW verification through our own detect-align-embed pipeline; ends with <c>accuracy: 0.XXXX threshold: 0.XXXX</c>.
/// With <c>--choose-refine-margin</c> it cross-validates the request path's conditional landmark refinement instead
/// (<see cref="RefinementMarginEvaluation"/>) and ends with <c>refine_margin: M</c> and the held-out <c>accuracy:</c>.
/// </summary>
internal static class LfwCommand
{
    public static Task<int> RunAsync(CliArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var pairsPath = args.Required("pairs");
        var imagesDir = args.Required("images");
        var modelId = args.Optional("model") ?? ModelCatalog.MobileFaceNet.Id;
        var detectorId = args.Optional("detector") ?? ModelCatalog.YuNet2023Mar.Id;
        var flipFlag = args.Flag("flip");
        var noFlip = args.Flag("no-flip");
        var refine = args.Flag("refine");
        var noRefine = args.Flag("no-refine");
        var parallel = args.Int("parallel", 2);
        var perFold = args.Int("pairs-per-fold", 0);
        var chooseMargin = args.Flag("choose-refine-margin");
        var normalization = EmbedderArgs.Normalization(args);
        var margin = EmbedderArgs.AlignMargin(args);
        args.EnsureAllUsed();
        if (flipFlag && noFlip)
        {
            throw new UsageException("--flip and --no-flip exclude each other");
        }

        // On by default, as in the library (FaceEmbedderOptions, RecognitionOptions): the flags name what is measured.
        var flip = !noFlip;
        if (refine && noRefine)
        {
            throw new UsageException("--refine and --no-refine exclude each other");
        }

        if (chooseMargin && noRefine)
        {
            throw new UsageException("--choose-refine-margin needs the landmark refinement (drop --no-refine)");
        }

        if (parallel < 1 || perFold < 0)
        {
            throw new UsageException("--parallel takes 1 or more and --pairs-per-fold 0 (all) or more");
        }

        if (!Directory.Exists(imagesDir))
        {
            throw new UsageException($"--images: folder not found: {imagesDir}");
        }

        var pairs = LfwPairs.Load(pairsPath);
        if (perFold > 0)
        {
            pairs = pairs.Take(perFold);
        }

        var locator = new ModelLocator();
        var modelPath = locator.Resolve(modelId);
        var detectorPath = locator.Resolve(detectorId);

        // Parallelism comes from the image loop: one ORT thread per run avoids oversubscribing the cores.
        var inference = new InferenceOptions { IntraOpThreads = 1 };
        using var detector = new YuNetFaceDetector(detectorPath, new FaceDetectorOptions(), inference);
        using var embedder = new OnnxFaceEmbedder(modelPath, FaceEmbedderOptions.For(normalization, flip), inference);
        var aligner = new FaceAligner(margin);
        var refiner = noRefine ? null : new MirrorLandmarkRefiner(detector);
        if (refiner is not null && chooseMargin)
        {
            return Task.FromResult(ChooseRefineMargin(pairs, imagesDir, detector, aligner, embedder, refiner, parallel));
        }

        Console.Out.WriteLine(Inv($"lfw: {pairs.Pairs.Count} pairs in {pairs.Folds} folds, model {embedder.ModelId} ({embedder.Dimension}-d), detector {Path.GetFileName(detectorPath)}, flip {(flip ? "on" : "off")}, landmark refinement {(refiner is null ? "off" : "on")}, parallel {parallel}"));
        LfwResult result;
        using (var bar = ConsoleUi.Progress("lfw: embedding images", pairs.Pairs.SelectMany(p => new[] { p.ImageA, p.ImageB }).Distinct(StringComparer.Ordinal).Count(),
            new Progress<int>(n => Console.Error.WriteLine(Inv($"  {n} images embedded")))))
        {
            result = LfwEvaluation.Run(pairs, imagesDir, detector, aligner, embedder, parallel, bar, refiner);
        }

        LfwPrint(result);
        return Task.FromResult(ExitCodes.Ok);
    }

    private static void LfwPrint(LfwResult result)
    {
        var r = result.Report;
        for (var f = 0; f < r.FoldAccuracies.Count; f++)
        {
            Console.Out.WriteLine(Inv($"fold {f + 1}: accuracy {r.FoldAccuracies[f]:F4} threshold {r.FoldThresholds[f]:F4}"));
        }

        Console.Out.WriteLine(Inv($"images: {result.Images}, no face found: {result.ImagesWithoutFace} (centre crop used), time {result.Elapsed.TotalSeconds:F1} s ({result.Elapsed.TotalMilliseconds / Math.Max(1, result.Images):F1} ms/image)"));
        Console.Out.WriteLine(Inv($"std: {r.StdAccuracy:F4}"));
        Console.Out.WriteLine(Inv($"TAR@FAR={r.TargetFar:0e0}: {r.TarAtFar:F4} threshold: {r.FarThreshold:F4} ({r.Positives} same / {r.Negatives} different pairs)"));
        Console.Out.WriteLine(Inv($"accuracy: {r.MeanAccuracy:F4} threshold: {r.Threshold:F4}"));
    }

    private static int ChooseRefineMargin(LfwPairs pairs, string imagesDir, IFaceDetector detector, FaceAligner aligner, IFaceEmbedder embedder, MirrorLandmarkRefiner refiner, int parallel)
    {
        var matchThreshold = new FaceGalleryOptions().MatchThreshold;
        Console.Out.WriteLine(Inv($"refine margin: {pairs.Pairs.Count} pairs in {pairs.Folds} folds, template refined, probe unrefined unless within the margin of the threshold; margin and threshold chosen on the other folds"));
        var report = RefinementMarginEvaluation.Run(pairs, imagesDir, detector, aligner, embedder, refiner, matchThreshold, degreeOfParallelism: parallel, progress: new Progress<int>(n => Console.Error.WriteLine(Inv($"  {n} images embedded"))));
        foreach (var f in report.Folds)
        {
            Console.Out.WriteLine(Inv($"fold {f.Fold + 1}: margin {f.Margin:F3} threshold {f.Threshold:F4} agreement {f.Agreement:F4} skipped {f.Skipped:F4} accuracy {f.ConditionalAccuracy:F4} (refined {f.RefinedAccuracy:F4}, unrefined {f.UnrefinedAccuracy:F4}) false matches {f.ConditionalFalseMatches} (refined {f.RefinedFalseMatches}); at {matchThreshold:F2}: agreement {f.MatchThresholdAgreement:F4} skipped {f.MatchThresholdSkipped:F4}"));
        }

        foreach (var c in report.Curve)
        {
            Console.Out.WriteLine(Inv($"margin {c.Margin:F3}: all pairs disagree {c.Disagreements} skipped {c.Skipped:F4}; at {matchThreshold:F2}: disagree {c.MatchThresholdDisagreements} skipped {c.MatchThresholdSkipped:F4}"));
        }

        Console.Out.WriteLine(Inv($"images: {report.Images}, time {report.Elapsed.TotalSeconds:F1} s"));
        Console.Out.WriteLine(Inv($"held-out agreement: {report.Folds.Average(f => f.Agreement):F4} skipped: {report.Folds.Average(f => f.Skipped):F4} false matches: {report.Folds.Sum(f => f.ConditionalFalseMatches)} (refined {report.Folds.Sum(f => f.RefinedFalseMatches)}); at {matchThreshold:F2}: agreement {report.Folds.Average(f => f.MatchThresholdAgreement):F4} skipped {report.Folds.Average(f => f.MatchThresholdSkipped):F4}"));
        Console.Out.WriteLine(Inv($"refined accuracy: {report.Folds.Average(f => f.RefinedAccuracy):F4} unrefined accuracy: {report.Folds.Average(f => f.UnrefinedAccuracy):F4}"));
        Console.Out.WriteLine(Inv($"refine_margin: {report.Margin:F3}"));
        Console.Out.WriteLine(Inv($"accuracy: {report.Folds.Average(f => f.ConditionalAccuracy):F4}"));
        return ExitCodes.Ok;
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
