using System.Globalization;
using OpenCvSharp;
using Scarlet.Evaluation.Recognition;
using Scarlet.Recognition;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet face-gate candidates --data DIR --out FILE [--labels FILE] [--sheets DIR] [--lfw-sample N] [--seed S]</c>:
/// lists the detections of the face-gate set (YuNet-s at score 0.3) as a label file, keeping the labels of
/// <c>--labels</c> for detections already labelled, and writes contact sheets of the crops (numbered by line) to label by eye.
/// <c>scarlet face-gate evaluate --data DIR --labels FILE [--min-precision P] [--folds K] [--dump FILE]</c>: replays the
/// labels through the detector, chooses the gate by cross-validation (<see cref="FaceGateSearch"/>) and prints the
/// held-out precision and recall, the gate chosen on all labels and how the library defaults score.
/// </summary>
internal static class FaceGateCommand
{
    private const int Tile = 160;
    private const int Columns = 6;
    private const int Rows = 5;

    /// <summary><c>scarlet face-gate candidates</c>.</summary>
    public static Task<int> CandidatesAsync(CliArgs args) => Task.FromResult(Candidates(args));

    /// <summary><c>scarlet face-gate evaluate</c>.</summary>
    public static Task<int> EvaluateAsync(CliArgs args) => Task.FromResult(Evaluate(args));

    private static int Candidates(CliArgs args)
    {
        var data = args.Required("data");
        var outPath = args.Required("out");
        var previous = args.Optional("labels");
        var sheets = args.Optional("sheets");
        var lfwSample = args.Int("lfw-sample", FaceGateEvaluation.DefaultLfwSample);
        var seed = args.Int("seed", FaceGateEvaluation.DefaultSeed);
        args.EnsureAllUsed();
        using var detector = CandidateDetector();
        var images = FaceGateEvaluation.CandidateImages(data, lfwSample, seed);
        var found = FaceGateEvaluation.Candidates(data, images, detector);
        var known = previous is null ? [] : FaceGateLabels.Load(previous);

        // A detection keeps the label of the labelled box it overlaps most, so a re-run only asks about new detections.
        var merged = found.Select(c =>
        {
            var old = known.Where(k => k.Image == c.Image && k.IsFace is not null && BoundingBox.IoU(k.Box, c.Box) >= FaceGateEvaluation.MatchIoU)
                .MaxBy(k => BoundingBox.IoU(k.Box, c.Box));
            return old is null ? c : c with { IsFace = old.IsFace, Basis = old.Basis };
        }).ToList();
        using (var writer = new StreamWriter(outPath))
        {
            writer.WriteLine("# Face-gate detections (YuNet-s 2023mar, score >= 0.3) of shared/data, labelled; docs/recognition.md, \"Face gate\".");
            writer.WriteLine(Inv($"# Regenerate: scarlet face-gate candidates --data <shared/data> --out <file> --labels <this file> (LFW sample {lfwSample}, seed {seed})."));
            FaceGateLabels.Write(writer, merged);
        }

        Console.Out.WriteLine(Inv($"face-gate candidates: {images.Count} images, {merged.Count} detections ({merged.Count(m => m.IsFace is null)} unlabelled) -> {outPath}"));
        if (sheets is not null)
        {
            Directory.CreateDirectory(sheets);
            var n = WriteSheets(data, merged, sheets);
            var o = WriteOverviews(data, merged, sheets);
            Console.Out.WriteLine(Inv($"contact sheets: {n}, overviews of images with several detections: {o}, in {sheets} (numbers = data lines of {outPath})"));
        }

        return ExitCodes.Ok;
    }

    private static int Evaluate(CliArgs args)
    {
        var data = args.Required("data");
        var labelsPath = args.Required("labels");
        var dump = args.Optional("dump");
        var minPrecision = args.Double("min-precision", FaceGateSearch.DefaultMinPrecision);
        var folds = args.Int("folds", 2);
        args.EnsureAllUsed();
        if (minPrecision is < 0 or > 1 || folds < 2)
        {
            throw new UsageException("--min-precision takes 0 to 1 and --folds 2 or more");
        }

        using var detector = CandidateDetector();
        var labels = FaceGateLabels.Load(labelsPath);
        var m = FaceGateEvaluation.Measure(labels, data, detector, new FaceAligner(), folds);
        Console.Out.WriteLine(Inv($"face-gate: {m.Samples.Count} labelled detections ({m.Samples.Count(s => s.Label.IsFace == true)} faces, {m.Samples.Count(s => s.Label.IsFace == false)} not faces), {m.Samples.Count(s => s.Quality is null)} not found again, {m.UnlabelledDetections} unlabelled detections"));
        if (dump is not null)
        {
            using var w = new StreamWriter(dump);
            w.WriteLine("image,fold,label,basis,score,size,eye,yaw,roll,sharpness,x,y,w,h");
            foreach (var s in m.Samples)
            {
                var q = s.Quality;
                var l = s.Label;
                w.WriteLine(Inv($"{l.Image},{s.Fold},{(l.IsFace == true ? "face" : "not_face")},{l.Basis},{q?.DetectorScore:F4},{q?.FaceSize:F1},,{q?.YawDegrees:F1},{q?.RollDegrees:F1},{q?.Sharpness:F1},{l.Box.X:F1},{l.Box.Y:F1},{l.Box.Width:F1},{l.Box.Height:F1}"));
            }
        }

        var cv = FaceGateSearch.CrossValidate(m.Samples, minPrecision);
        Console.Out.WriteLine(Inv($"objective: highest recall with precision >= {minPrecision:0.###}; grid: score {FaceGateSearch.ScoreGrid[0]:F2}..{FaceGateSearch.ScoreGrid[^1]:F2}, face size {string.Join('/', FaceGateSearch.FaceSizeGrid)} px, sharpness {string.Join('/', FaceGateSearch.SharpnessGrid)}"));
        foreach (var f in cv.Folds)
        {
            var c = f.Choice;
            Console.Out.WriteLine(Inv($"fold {f.Fold} held out: chosen on the others score >= {c.MinDetectionScore:0.###} size >= {c.MinFaceSize:0} sharpness >= {c.MinSharpness:0} (tuning precision {c.Tuning.Precision:F4} recall {c.Tuning.Recall:F4}); held-out {Describe(f.HeldOut)}"));
        }

        Console.Out.WriteLine(Inv($"held-out, all folds: {Describe(cv.HeldOut)}"));
        var final = cv.Final;
        var gate = new FaceQualityGate(final.ToOptions());
        Console.Out.WriteLine(Inv($"chosen on all: score >= {final.MinDetectionScore:0.###} size >= {final.MinFaceSize:0} sharpness >= {final.MinSharpness:0} yaw/roll <= {gate.Options.MaxYawDegrees:0}/{gate.Options.MaxRollDegrees:0}"));
        Console.Out.WriteLine(Inv($"  on all (not held out): {Describe(final.Tuning)}"));
        Console.Out.WriteLine(Inv($"  score check alone: {Describe(FaceGateEvaluation.Count(m.Samples, gate, scoreOnly: true))}"));
        var lfw = m.Samples.Where(s => s.Label.Basis == "subject" && s.Label.Image.StartsWith("faces/lfw/", StringComparison.Ordinal)).ToList();
        Console.Out.WriteLine(Inv($"  LFW subjects: {FaceGateEvaluation.Count(lfw, gate, scoreOnly: true).FacesPassed}/{lfw.Count} pass the score check, {FaceGateEvaluation.Count(lfw, gate).FacesPassed}/{lfw.Count} every check"));
        var current = new FaceQualityGate();
        Console.Out.WriteLine(Inv($"library defaults (score >= {current.Options.MinDetectionScore:0.###}): {Describe(FaceGateEvaluation.Count(m.Samples, current))}"));
        return ExitCodes.Ok;
    }

    private static string Describe(in FaceGateCounts c) =>
        Inv($"precision {c.Precision:F4} recall {c.Recall:F4} (faces passed {c.FacesPassed}, rejected {c.FacesRejected}; non-faces passed {c.NonFacesPassed}, rejected {c.NonFacesRejected})");

    private static YuNetFaceDetector CandidateDetector()
    {
        var path = new ModelLocator().Resolve(ModelCatalog.YuNet2023Mar.Id);
        return new YuNetFaceDetector(path, new FaceDetectorOptions { ScoreThreshold = FaceGateEvaluation.CandidateScoreThreshold });
    }

    private static int WriteSheets(string data, IReadOnlyList<FaceGateLabel> labels, string folder)
    {
        var perSheet = Columns * Rows;
        var sheets = 0;
        for (var start = 0; start < labels.Count; start += perSheet)
        {
            using var sheet = new Mat(Rows * (Tile + 20), Columns * Tile, MatType.CV_8UC3, Scalar.All(255));
            for (var i = start; i < Math.Min(start + perSheet, labels.Count); i++)
            {
                var l = labels[i];
                using var image = Cv2.ImRead(Path.Combine(data, l.Image), ImreadModes.Color);
                var side = 1.4f * MathF.Max(l.Box.Width, l.Box.Height);
                var rect = new Rect((int)(l.Box.CenterX - (side / 2)), (int)(l.Box.CenterY - (side / 2)), Math.Max(1, (int)side), Math.Max(1, (int)side));
                using var padded = new Mat();

                // Pad so a box at the edge still gives a square crop with the face in the middle.
                var pad = (int)side;
                Cv2.CopyMakeBorder(image, padded, pad, pad, pad, pad, BorderTypes.Constant, Scalar.All(128));
                using var crop = new Mat(padded, new Rect(rect.X + pad, rect.Y + pad, rect.Width, rect.Height));
                using var tile = crop.Resize(new Size(Tile, Tile), 0, 0, InterpolationFlags.Area);
                var k = i - start;
                var x = k % Columns * Tile;
                var y = k / Columns * (Tile + 20);
                tile.CopyTo(new Mat(sheet, new Rect(x, y, Tile, Tile)));

                // The inner square is the detector box (1/1.4 of the tile).
                var inner = (int)(Tile / 1.4f);
                Cv2.Rectangle(sheet, new Rect(x + ((Tile - inner) / 2), y + ((Tile - inner) / 2), inner, inner), Scalar.Yellow, 1);
                var tag = l.IsFace switch { true => "F", false => "N", null => "?" };
                Cv2.PutText(sheet, Inv($"{i + 1} {tag} {MathF.Min(l.Box.Width, l.Box.Height):F0}px"), new Point(x + 2, y + Tile + 15), HersheyFonts.HersheySimplex, 0.45, Scalar.Black, 1);
            }

            Cv2.ImWrite(Path.Combine(folder, Inv($"sheet-{sheets:D3}.png")), sheet);
            sheets++;
        }

        return sheets;
    }

    // The whole image with its numbered boxes: a crop alone does not show whether it is a painting or a person.
    private static int WriteOverviews(string data, IReadOnlyList<FaceGateLabel> labels, string folder)
    {
        var count = 0;
        var numbered = labels.Select((l, i) => (Label: l, Line: i + 1));
        foreach (var image in numbered.GroupBy(x => x.Label.Image, StringComparer.Ordinal).Where(g => g.Count() > 1 || g.Any(x => x.Label.IsFace is null)))
        {
            using var mat = Cv2.ImRead(Path.Combine(data, image.Key), ImreadModes.Color);
            var scale = Math.Min(3.0, 1000.0 / Math.Max(mat.Width, mat.Height));
            using var small = mat.Resize(new Size(0, 0), scale, scale, InterpolationFlags.Area);
            foreach (var (l, line) in image)
            {
                var r = new Rect((int)(l.Box.X * scale), (int)(l.Box.Y * scale), Math.Max(1, (int)(l.Box.Width * scale)), Math.Max(1, (int)(l.Box.Height * scale)));
                var colour = l.IsFace switch { true => Scalar.Lime, false => Scalar.Red, null => Scalar.Yellow };
                Cv2.Rectangle(small, r, colour, 2);
                Cv2.PutText(small, Inv($"{line}"), new Point(r.X, Math.Max(12, r.Y - 3)), HersheyFonts.HersheySimplex, 0.5, colour, 2);
            }

            Cv2.ImWrite(Path.Combine(folder, Inv($"overview-{image.First().Line:D4}.png")), small);
            count++;
        }

        return count;
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
