using System.CommandLine;
using System.CommandLine.Parsing;
using Scarlet.ConsoleHost.Commands;
using static Scarlet.Samples.CommandLine.CliOptions;

namespace Scarlet.ConsoleHost;

/// <summary>
/// The verb tree of the <c>scarlet</c> command on System.CommandLine: every verb, its typed options and its help, in one
/// place. Verbs and their output lines are contracts: keep them stable. The verbs' work stays in <c>Commands/</c>; a new
/// option is declared here and read there (<see cref="CliArgs"/> refuses an option a verb reads but does not declare).
/// </summary>
internal static class Cli
{
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            return await CliRunner.InvokeAsync(Build(), args).ConfigureAwait(false);
        }
        catch (UsageException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.BadInput;
        }
        catch (Exception ex) when (ex is Scarlet.Vision.InvalidImageException or FileNotFoundException or DirectoryNotFoundException or FormatException or InvalidDataException or ArgumentException)
        {
            Console.Error.WriteLine($"error: {ex.Message.ReplaceLineEndings(" ")}");
            return ExitCodes.BadInput;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Anything else (a provider that cannot start, a broken model) is a failure, still reported on one line.
            Console.Error.WriteLine($"error: {ex.Message.ReplaceLineEndings(" ")}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>The whole tree: <c>scarlet &lt;verb&gt; [sub-verb] [options]</c>.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("Scarlet: in-store retail vision from the command line (detect, track, evaluate, benchmark, run cameras).");

        var detect = Verb("detect", "Detect persons and faces in an image, a video or the demo video ('demo'); one JSON line per frame with --json.", DetectCommand.RunAsync,
            Vision, [Switch("json", "print one JSON line per frame"), Whole("max-frames", "stop after N frames"), Text("overlay", "write an annotated image or video (out.jpg, out.mp4)"),
                Switch("attributes", "estimate age, gender and emotion of each face"), Text("attributes-model", "attribute model id (needs --attributes)")]);
        detect.Arguments.Add(new Argument<string>("input") { Description = "image or video path, or 'demo'" });
        root.Subcommands.Add(detect);

        root.Subcommands.Add(Verb("lfw", "Verification accuracy on LFW-style pairs (10-fold protocol).", LfwCommand.RunAsync, Embedder,
            [Text("pairs", "pairs.txt", required: true), Text("images", "folder of the pairs' images", required: true), Text("model", "embedder model id"), Text("detector", "face detector model id"),
                Switch("flip", "add the mirrored crop's embedding (default)"), Switch("no-flip", "no mirrored crop"), Switch("refine", "landmark refinement (default)"), Switch("no-refine", "no landmark refinement"),
                Whole("parallel", "images embedded at once"), Whole("pairs-per-fold", "use only N pairs of each fold"), Switch("choose-refine-margin", "choose the conditional refinement margin by cross-validation")]));

        var eval = new Command("eval", "Evaluations of the product's decisions on labelled data.");
        eval.Subcommands.Add(Verb("identify", "Open-set identification: thresholds chosen on held-out folds, false match and genuine figures per gallery size.", EvalIdentifyCommand.RunAsync, Vision, Embedder,
            [Many("images", "a folder of one sub-folder per person (repeat for more)"), Whole("enrol", "photos enrolled per customer"), Text("gallery", "gallery sizes, e.g. 100,300,1000"),
                Whole("folds", "cross-validation folds"), Number("target-fmr", "target false-match rate"), Whole("seed", "random seed"), Text("cache", "embedding cache file"),
                Text("out", "report.json (and a .svg chart beside it)"), Text("model", "embedder model id"), Switch("no-refine", "no landmark refinement"), Switch("conditional-refine", "score the hosts' conditional refinement (probes refined only near a decision)"), Number("refine-margin", "refinement margin for --conditional-refine"), Switch("choose-refine-margin", "choose the conditional refinement margin by cross-validation on identity-disjoint halves"), Switch("no-gate", "no face-quality gate"),
                Whole("min-photos", "skip persons with fewer photos"), Whole("track", "frames per simulated track"), Number("learn-above", "learn gallery samples above this score"),
                Whole("parallel", "images embedded at once"), Number("margin", "identification margin"), Number("pair-far", "pair false-accept rate for the duplicate check"),
                Whole("cohort", "score-normalisation cohort size"), Whole("repeats", "repeats per gallery size")]));
        eval.Subcommands.Add(Verb("attributes", "Age and gender estimates against labels, per attribute model.", EvalAttributesCommand.RunAsync, Vision,
            [Text("labels", "labels file", required: true), Text("faces", "faces folder", required: true), Whole("per-person", "photos per person"), Switch("held-out", "report held-out figures"),
                Text("model", "attribute model ids, comma-separated")]));
        root.Subcommands.Add(eval);

        var gate = new Command("face-gate", "Build and evaluate the face-quality gate from labelled crops.");
        gate.Subcommands.Add(Verb("candidates", "Write candidate crops to label (and contact sheets).", FaceGateCommand.CandidatesAsync,
            [Text("data", "data folder", required: true), Text("out", "candidates file", required: true), Text("labels", "earlier labels to keep"), Text("sheets", "folder for contact sheets"),
                Whole("lfw-sample", "LFW images sampled"), Whole("seed", "random seed")]));
        gate.Subcommands.Add(Verb("evaluate", "Choose the gate's thresholds by cross-validation and report held-out precision and recall.", FaceGateCommand.EvaluateAsync,
            [Text("data", "data folder", required: true), Text("labels", "labels file", required: true), Text("dump", "write per-crop scores here"),
                Number("min-precision", "precision the gate must keep"), Whole("folds", "cross-validation folds")]));
        root.Subcommands.Add(gate);

        root.Subcommands.Add(Verb("track", "Track given detections (--det) or our own detector's (--video) and write a MOTChallenge result file.", TrackCommand.RunAsync, Sequence, Tracker, Vision, Resolver,
            [Text("det", "det.txt (MOTChallenge detections)"), Text("out", "result.txt", required: true), Text("output-box", "kalman or detection (default detection)"), Whole("interpolate", "fill gaps up to N frames (default 240, 0 = off)"), Whole("link-gap", "join tracks across gaps up to N frames (default 240, 0 = off)"), Number("link-cost", "largest cost of a join (default 0.5)"), Number("smooth", "smooth boxes over time, Gaussian sigma in frames (default 2, 0 = off)"),
                Text("video", "track this video with our detector instead of --det"), Text("overlay", "write an annotated video"), Switch("reid", "appearance re-identification"),
                Number("score", "person score threshold"), Whole("detect-every", "detect every Nth frame"), Whole("max-frames", "stop after N frames"), Text("views", "split a side-by-side video: LEFT_W,RIGHT_X"),
                Text("gt", "ground truth gt.txt to score against"), Text("cache", "detection cache file"), Switch("reid-stats", "print re-ID distance statistics"), Switch("global-ids", "score the cross-camera person ids of a single view (re-entries joined by appearance) instead of its track ids"), Text("reid-model", "re-ID model id")]));

        root.Subcommands.Add(Verb("track-cv", "Leave-one-sequence-out choice of tracker settings from a grid.", TrackCvCommand.RunAsync,
            [Text("gt", "MOT train folder", required: true), Text("trackers", "trackers folder", required: true), Text("grid", "grid.txt: 'name: track options' per line", required: true),
                Text("sources", "detection sources, comma-separated"), Text("select", "mean, hota or idf1"),
                Text("raw", "folder of raw-detection sequences (det/det.txt + gt/gt.txt, MOT15 rules), one fold each"), Number("raw-fps", "frame rate of the raw sequences (25)"),
                Text("check-det", "external check sequence's det.txt, never used to choose"), Text("check-gt", "its gt.txt"), Number("check-fps", "its frame rate (10)")]));

        root.Subcommands.Add(Verb("mot-eval", "MOTChallenge metrics (HOTA, MOTA, IDF1) of a result against ground truth.", MotEvalCommand.RunAsync,
            [Text("gt", "gt.txt or folder", required: true), Text("res", "result.txt or folder", required: true), Text("benchmark", "MOT15, MOT17 or MOT20")]));

        root.Subcommands.Add(Verb("run", "Run cameras through the pipeline; one JSON line per event on stdout.", RunCommand.RunAsync, Vision,
            [Many("camera", "NAME=URL_OR_FILE (repeat for more cameras)"), Number("fps", "frames per second processed", 10), Number("max-seconds", "stop after S seconds (0 = run until Ctrl+C)", 0),
                Whole("detect-every", "detect every Nth frame", 1), Switch("reid", "appearance re-identification"), Switch("loop", "loop file sources"), Switch("no-pacing", "read files as fast as possible"),
                Many("overlap", "cameras that see the same floor"), Many("zone", "CAMERA:NAME:x,y,x,y,..."), Many("zones", "[CAMERA=]zones.json"), Many("line", "CAMERA:NAME:x1,y1,x2,y2"),
                Switch("updates", "also print a line per processed frame"), Many("enrol", "ID=DIR: enrol the photos of a folder"), Text("reid-model", "re-ID model id")]));

        var bench = new Command("bench", "The measuring instruments (timings depend on the machine: say which).");
        bench.Subcommands.Add(Verb("vision", "Median time per stage of decoding and detection.", BenchVisionCommand.RunAsync, Vision,
            [Whole("runs", "runs per stage", 50), Text("image", "image or video to take a frame from")]));
        bench.Subcommands.Add(Verb("hnsw-gen", "Generate a vector set and queries for bench hnsw.", BenchHnswGenCommand.RunAsync,
            [Text("kind", "kind of data", required: true), Whole("n", "vectors"), Whole("dim", "dimensions", 128), Whole("nq", "queries", 1000), Whole("seed", "random seed", 1), Text("out", "output prefix", required: true),
                Whole("ids", "identities"), Whole("per", "vectors per identity"), Number("noise", "noise per vector", 0.8)]));
        bench.Subcommands.Add(Verb("hnsw", "Recall and speed of the HNSW index against exact search.", BenchHnswCommand.RunAsync,
            [Text("data", "data prefix from bench hnsw-gen", required: true), Whole("M", "links per node", 16), Whole("efc", "construction beam", 200), Text("ef", "search beams, comma-separated"),
                Whole("threads", "query threads", 1), Whole("seed", "random seed", 42), Whole("repeat", "repeats", 3), Switch("flat", "also time exact search"), Text("snapshot", "snapshot file")]));
        bench.Subcommands.Add(Verb("tracker", "Tracker speed on given detections.", BenchTrackerCommand.RunAsync, Sequence, Tracker,
            [Text("det", "det.txt", required: true), Whole("repeat", "repeats", 20)]));
        bench.Subcommands.Add(Verb("cameras", "Several paced cameras through the live pipeline.", BenchCamerasCommand.RunAsync, Vision,
            [Whole("cameras", "cameras", 4), Number("fps", "frames per second per camera", 10), Number("seconds", "duration", 20), Whole("detect-every", "detect every Nth frame", 1), Switch("reid", "appearance re-identification"),
                Text("video", "source video"), Switch("no-faces", "no face step"), Switch("attributes", "face attributes"), Text("face-search", "whole, crops or both")]));
        bench.Subcommands.Add(Verb("faces", "Face detection speed and recall by input size.", BenchFacesCommand.RunAsync, Vision,
            [Text("data", "data folder"), Text("sizes", "input sizes"), Whole("rounds", "rounds", 3), Whole("frame", "frame index", 100), Whole("tiles", "tiles", 4), Whole("tile-size", "tile size", 320), Whole("jpeg", "JPEG quality", 75)]));
        bench.Subcommands.Add(Verb("recognition", "Recognition of customers on video frames.", BenchRecognitionCommand.RunAsync, Vision,
            [Text("data", "data folder"), Whole("customers", "enrolled customers"), Whole("strangers", "strangers"), Whole("distractors", "gallery distractors"), Whole("enrol", "photos enrolled per customer"), Whole("photos", "photos shown per person"), Whole("frames-per-photo", "frames per photo")]));
        bench.Subcommands.Add(Verb("requests", "Requests per second and latency of the web host's face endpoints.", BenchRequestsCommand.RunAsync,
            [Number("seconds", "seconds per run", 10), Text("clients", "concurrent clients, comma-separated"), Text("endpoints", "recognize,process-frame"), Text("data", "data folder"),
                Text("host", "Scarlet.WebHost.dll"), Many("host-env", "KEY=VALUE for the host (repeat)"), Text("models", "models folder")]));
        root.Subcommands.Add(bench);
        return root;
    }

    /// <summary>Parses one line of a <c>track-cv</c> grid (the options of <c>scarlet track</c> that tune the tracker).</summary>
    public static CliArgs ParseGridLine(string[] tokens)
    {
        var line = Verb("grid-line", "a track-cv grid line", _ => Task.FromResult(0), Tracker,
            [Text("output-box", "kalman or detection"), Whole("interpolate", "fill gaps up to N frames"), Whole("link-gap", "join tracks across gaps up to N frames"), Number("link-cost", "largest cost of a join"), Number("smooth", "smooth boxes over time (sigma in frames)")]);
        var parse = line.Parse(tokens, CliRunner.Parser);
        return parse.Errors.Count == 0 ? new CliArgs(parse) : throw new UsageException(CliRunner.Describe(parse));
    }

    private static Option[] Vision =>
    [
        Text("models", "models folder"), Whole("threads", "inference threads (0 = auto)"), Text("provider", "cpu or cuda"), Switch("allow-cpu-fallback", "run on the CPU if the provider cannot start"),
        Text("face-model", "face detector model id"), Text("person-model", "person detector model id"),
    ];

    private static Option[] Embedder =>
        [Text("normalization", "imagenet, arcface or raw"), Number("align-margin", "aligned crop's field of view, 0.5 to 3")];

    private static Option[] Sequence =>
        [Text("seqinfo", "seqinfo.ini"), Text("size", "WxH"), Number("fps", "frame rate")];

    private static Option[] Tracker =>
    [
        Text("mode", "bytetrack or sort"), Number("track-thresh", "high score threshold"), Number("low-thresh", "low score threshold"), Number("new-track-thresh", "score to start a track"),
        Number("match-iou", "first match IoU"), Number("lost-match-iou", "lost-track match IoU"), Number("second-match-iou", "second match IoU"), Number("tentative-match-iou", "tentative match IoU"),
        Whole("track-buffer", "frames a lost track is kept"), Number("min-box-area", "smallest box area"), Number("max-aspect", "largest width/height"), Whole("min-hits", "SORT: hits to confirm"),
        Whole("max-age", "SORT: frames to keep"), Number("sort-iou", "SORT: match IoU"), Switch("confirm-on-birth", "confirm tracks when born"), Switch("cmc", "camera-motion compensation"),
        Switch("no-cmc", "no camera-motion compensation"), Number("cmc-inlier", "CMC inlier threshold"), Whole("cmc-min-inliers", "CMC minimum inliers"), Number("cmc-margin", "CMC identity margin"),
        Number("cmc-residual-ratio", "CMC residual ratio"), Number("cmc-min-shift", "CMC minimum shift"), Switch("oru", "observation-centric re-update"), Switch("no-oru", "no re-update"),
        Number("momentum", "momentum weight"), Whole("momentum-delta", "momentum frames"), Number("recovery-iou", "recovery IoU"), Whole("recovery-min-hits", "detections a track needs for recovery"), Switch("recovery-skip-border", "no recovery of tracks last seen at the picture's edge"),
        Switch("no-recovery-skip-border", "recovery also of tracks last seen at the edge"), Whole("tentative-misses", "misses a tentative track survives"),
        Switch("no-fuse-score", "do not fuse score into the cost"),
    ];

    private static Option[] Resolver =>
    [
        Number("appearance-threshold", "cross-camera appearance threshold"), Number("appearance-margin", "appearance margin"), Number("appearance-veto", "appearance veto"),
        Whole("min-observations", "observations before a join"), Number("floor-distance", "largest floor distance of a join"),
    ];

    private static Command Verb(string name, string description, Func<CliArgs, Task<int>> run, params Option[][] optionGroups)
    {
        var command = new Command(name, description);
        foreach (var option in optionGroups.SelectMany(g => g))
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, _) => run(new CliArgs(parse)));
        return command;
    }
}

/// <summary>Process exit codes.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int BadInput = 2;
}
