using System.Globalization;
using Scarlet.Evaluation;
using Scarlet.Evaluation.Tracking;
using Scarlet.Vision;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet bench faces [--data DIR] [--sizes 12,16,...] [--rounds 3] [--frame N] [--tiles 4] [--tile-size 320] [--jpeg 75]</c>: faces
/// at store-camera distances (simulated): the dlib VOC faces scaled to each size and pasted into a 1920x1080 PETS09 frame;
/// face recall and precision of whole-frame detection vs the person-crop search, and the detector time per frame.
/// </summary>
internal static class BenchFacesCommand
{
    public static Task<int> RunAsync(CliArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var data = args.Optional("data") ?? Path.Combine("..", "shared", "data");
        var sizesArg = args.Optional("sizes");
        var rounds = args.Int("rounds", 3);
        var frameIndex = args.Int("frame", 100);
        var tiles = args.Int("tiles", 4);
        var tileSize = args.Int("tile-size", 320);
        var jpeg = args.Int("jpeg", 75);
        using var vision = new VisionSetup(args);
        args.EnsureAllUsed();
        var options = new FaceDistanceEvaluationOptions { Rounds = rounds, JpegQuality = jpeg };
        if (sizesArg is not null)
        {
            options.Sizes = [.. sizesArg.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s =>
                int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is >= 4 and <= 400 ? v : throw new UsageException($"--sizes takes pixel sizes 4 to 400, got '{s}'"))];
        }

        if (rounds < 1 || frameIndex < 0 || jpeg is < 0 or > 100)
        {
            throw new UsageException("--rounds must be positive, --frame not negative, --jpeg 0 (off) to 100");
        }

        var faceDir = Path.Combine(data, "images", "dlib_faces");
        var images = AnnotatedFaceImage.LoadDlibXml(Path.Combine(faceDir, "training.xml")).Concat(AnnotatedFaceImage.LoadDlibXml(Path.Combine(faceDir, "testing.xml"))).ToList();
        using var background = FaceDistanceEvaluation.BackgroundFromVideo(DemoVideo.Resolve(vision.Locator), frameIndex);
        HeadRegionFaceSearch search;
        try
        {
            search = new HeadRegionFaceSearch(vision.Faces, new HeadRegionFaceSearchOptions { TilesPerRun = tiles, TileSize = tileSize });
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }

        var evaluation = new FaceDistanceEvaluation(vision.Faces, search, vision.Persons);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench faces: {images.Sum(i => i.Faces.Count)} dlib VOC faces x {rounds} rounds per size, {options.FacesPerFrame} per frame, in PETS09 frame {frameIndex} scaled to 1920x1080 (distance simulated: downscaled photos pasted beside derived person boxes, then blur σ 0.6 + JPEG {(jpeg > 0 ? jpeg.ToString(CultureInfo.InvariantCulture) : "off")}); face model {Path.GetFileName(vision.FaceModelPath)}, {tiles} tiles of {tileSize} px per run, {Environment.ProcessorCount} cores"));
        Console.WriteLine("size_px frames whole_recall whole_gate_recall whole_precision whole_ms_per_frame crops_recall crops_gate_recall crops_precision crops_ms_per_frame");
        using var bar = ConsoleUi.Progress("bench faces: sizes", options.Sizes.Count);
        foreach (var r in evaluation.Run(background, images, options))
        {
            bar.Increment();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Size} {r.Frames} {r.WholeFrame.Recall:F3} {r.WholeFrame.GateRecall:F3} {r.WholeFrame.Precision:F3} {r.WholeFrame.Milliseconds / r.Frames:F1} {r.PersonCrops.Recall:F3} {r.PersonCrops.GateRecall:F3} {r.PersonCrops.Precision:F3} {r.PersonCrops.Milliseconds / r.Frames:F1}"));
        }

        return Task.FromResult(ExitCodes.Ok);
    }
}
