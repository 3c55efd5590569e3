using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;
using Scarlet.Evaluation;
using Scarlet.Evaluation.MotChallenge;
using Scarlet.Evaluation.Tracking;
using Scarlet.Tracking;
using Scarlet.Tracking.CrossCamera;
using Scarlet.Tracking.Geometry;
using Scarlet.Tracking.Identity;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet track --video</c>: our person detector (YOLOX, low score threshold for ByteTrack's second stage) and
/// tracker (+ re-ID) on a video, written as a MOTChallenge result; with <c>--views</c> the video is cut into two
/// overlapping virtual cameras and the global ids of both are written (views' frames concatenated) and evaluated.
/// <c>--cache FILE</c> records the detections and re-ID embeddings on the first run and replays them afterwards
/// (seconds instead of minutes), so tracker and resolver options (<c>--appearance-threshold</c>, ...) can be tuned.
/// </summary>
internal static class TrackVideoCommand
{
    public static Task<int> RunAsync(CliArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var videoArg = args.Optional("video");
        var outPath = args.Required("out");
        var overlay = args.Optional("overlay");
        var reIdOn = args.Flag("reid");
        var score = (float)args.Double("score", 0.1);
        var every = args.Int("detect-every", 1);
        var maxFrames = args.Int("max-frames", int.MaxValue);
        var views = args.Optional("views");
        var gtPath = args.Optional("gt");
        var trackBuffer = args.Int("track-buffer", 30);
        var cachePath = args.Optional("cache");
        var reIdStats = args.Flag("reid-stats");
        var globalIds = args.Flag("global-ids");
        var resolverOptions = ResolverOptions(args);
        using var vision = new VisionSetup(args, score);
        var reIdModel = args.Optional("reid-model") ?? ModelCatalog.OsNetX025.Id;
        args.EnsureAllUsed();
        var video = DemoVideo.Resolve(vision.Locator, videoArg);
        if (every < 1 || maxFrames < 1 || trackBuffer < 1)
        {
            throw new UsageException("--detect-every, --max-frames and --track-buffer must be at least 1");
        }

        // The recording is valid for one source, cut and detector setting; re-ID on or off may differ (a recording
        // with embeddings serves both).
        var cacheKey = string.Create(CultureInfo.InvariantCulture, $"video={Path.GetFullPath(video)};views={views ?? "-"};score={score};every={every};max={maxFrames};person={vision.PersonModelPath};reid={reIdModel}");
        ModelRecording? replay = null;
        var replayFrames = 0;
        if (cachePath is not null && File.Exists(cachePath))
        {
            using (var s = File.OpenRead(cachePath))
            {
                replay = ModelRecording.Load(s);
            }

            var sep = replay.Description.LastIndexOf("|frames=", StringComparison.Ordinal);
            if (sep < 0 || !string.Equals(replay.Description[..sep], cacheKey, StringComparison.Ordinal) ||
                !int.TryParse(replay.Description[(sep + 8)..], CultureInfo.InvariantCulture, out replayFrames))
            {
                throw new UsageException($"--cache {cachePath} was recorded with other settings ({replay.Description}); delete it or pass another file");
            }

            if (reIdOn && replay.ReIdDimension == 0)
            {
                throw new UsageException($"--cache {cachePath} holds no re-ID embeddings; record it with --reid");
            }

            if (overlay is not null)
            {
                throw new UsageException("--overlay needs the video's pixels; it cannot be used while replaying --cache");
            }
        }

        if (reIdStats && (!reIdOn || views is null || every != 1 || gtPath is null))
        {
            throw new UsageException("--reid-stats needs --reid, --views, --gt and --detect-every 1");
        }

        using var capture = new VideoCapture(video);
        if (!capture.IsOpened())
        {
            throw new UsageException($"cannot open video '{video}'");
        }

        var fps = capture.Fps > 0 ? capture.Fps : 25;
        var width = capture.FrameWidth;
        var height = capture.FrameHeight;
        IReIdEmbedder? reId = reIdOn && replay is null ? new OsNetReIdEmbedder(vision.Sessions.Get(vision.Locator.Resolve(reIdModel))) : null;
        var models = replay is null ? new CameraPipelineModels(vision.Persons, reId) : null;
        var recording = replay ?? (cachePath is not null || reIdStats ? new ModelRecording() : null);
        var resolverTopology = new CameraTopology();
        List<(string Id, int X, int Width)> cams;
        if (views is null)
        {
            cams = [("video", 0, width)];
        }
        else
        {
            var parts = views.Split(',');
            if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var leftWidth) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var rightX) ||
                leftWidth <= 0 || leftWidth > width || rightX < 0 || rightX >= width)
            {
                throw new UsageException("--views takes LEFT_WIDTH,RIGHT_X (e.g. 448,320: left view x in [0,448), right view x in [320,width))");
            }

            cams = [("left", 0, leftWidth), ("right", rightX, width - rightX)];
            if (rightX < leftWidth)
            {
                resolverTopology.AddOverlap("left", "right");
            }
        }

        var resolver = new CrossCameraResolver(resolverTopology, resolverOptions);
        var identities = new IdentityTracker();
        var pipelines = new List<(CameraPipeline Pipeline, int X, int Width, List<TrackingUpdate> Updates)>();
        foreach (var (id, x, w) in cams)
        {
            var o = new CameraPipelineOptions
            {
                CameraId = id,
                EnableFaces = false,
                EnableReId = reIdOn,
                DetectionInterval = every,
                Tracker = new TrackerOptions { FrameRate = fps / every, LostTrackBuffer = trackBuffer },
                // Floor plan = full-frame pixels: a translation per view.
                Homography = new CameraHomography([new(0, 0), new(w, 0), new(w, height), new(0, height)], [new(x, 0), new(x + w, 0), new(x + w, height), new(x, height)]),
            };
            var cameraModels = replay is not null ? replay.Replay(id, reIdOn) : recording is not null ? recording.Record(id, models!) : models!;
            pipelines.Add((new CameraPipeline(o, cameraModels, resolver, identities), x, w, []));
        }

        OverlayVideoWriter? writer = null;
        var renderer = new OverlayRenderer();
        var sw = Stopwatch.StartNew();
        var frames = 0;
        try
        {
            if (overlay is not null)
            {
                writer = OverlayVideoFiles.Open(overlay, fps, new Size(width, height));
            }

            using var mat = new Mat();
            using var bar = ConsoleUi.Progress("track: frames", replay is not null ? replayFrames : Math.Min(maxFrames, Math.Max(capture.FrameCount, 1)));
            while (replay is not null ? frames < replayFrames : frames < maxFrames && capture.Read(mat) && !mat.Empty())
            {
                frames++;
                var ts = DateTimeOffset.UnixEpoch + TimeSpan.FromSeconds(frames / fps);
                foreach (var p in pipelines)
                {
                    // Replaying: the models ignore the pixels, an uninitialised image of the view's size stands in.
                    using var view = replay is null ? new Mat(mat, new Rect(p.X, 0, p.Width, height)) : null;
                    using var frame = new Frame(view?.Clone() ?? new Mat(height, p.Width, MatType.CV_8UC3), p.Pipeline.CameraId, ts, frames);
                    p.Updates.Add(p.Pipeline.Process(frame));
                }

                if (writer is not null)
                {
                    foreach (var p in pipelines)
                    {
                        foreach (var person in p.Updates[^1].Persons)
                        {
                            var b = person.Box with { X = person.Box.X + p.X };
                            renderer.DrawBox(mat, b, Palette(person.GlobalId), views is null ? $"{person.TrackId}" : $"{person.GlobalId}");
                        }
                    }

                    writer.Write(mat);
                }

                bar.Report(frames);
                if (frames % 100 == 0 && !ConsoleUi.Interactive)
                {
                    Console.Error.Write($"\rframe {frames} ({frames / sw.Elapsed.TotalSeconds:F1} fps)   ");
                }
            }
        }
        finally
        {
            OverlayVideoFiles.Close(writer);
            foreach (var p in pipelines)
            {
                p.Pipeline.Dispose();
            }

            (reId as IDisposable)?.Dispose();
        }

        Console.Error.WriteLine();
        if (cachePath is not null && replay is null)
        {
            recording!.Description = string.Create(CultureInfo.InvariantCulture, $"{cacheKey}|frames={frames}");
            using var s = File.Create(cachePath);
            recording.Save(s);
            Console.WriteLine($"recorded detections{(reIdOn ? " and re-ID embeddings" : string.Empty)} -> {cachePath}");
        }

        // Single view: local track ids (--global-ids: the resolver's person ids, i.e. re-entries joined by appearance).
        // Views: global ids, view k's frames shifted by k × frames.
        var rows = new List<MotRecord>();
        var localRows = new List<MotRecord>();
        for (var k = 0; k < pipelines.Count; k++)
        {
            foreach (var u in pipelines[k].Updates)
            {
                foreach (var person in u.Persons)
                {
                    var f = (int)u.Sequence + (k * frames);
                    var b = person.Box;
                    rows.Add(new MotRecord(f, views is null && !globalIds ? person.TrackId : person.GlobalId, b.X, b.Y, b.Width, b.Height, person.Score, -1, -1));
                    localRows.Add(new MotRecord(f, person.TrackId + (k * 100_000), b.X, b.Y, b.Width, b.Height, person.Score, -1, -1));
                }
            }
        }

        using (var w = new StreamWriter(outPath))
        {
            foreach (var r in rows)
            {
                MotChallengeFormat.WriteResult(w, r.Frame, r.Id, r.Box, (float)r.Confidence);
            }
        }

        Console.WriteLine($"{frames} frames in {sw.Elapsed.TotalSeconds:F1} s ({frames / sw.Elapsed.TotalSeconds:F1} fps, {pipelines.Count} view(s){(replay is null ? string.Empty : ", replayed")}); {rows.Count} rows -> {outPath}");
        if (views is not null || globalIds)
        {
            Console.WriteLine($"global persons: {rows.Select(r => r.Id).Distinct().Count()}, local tracks: {localRows.Select(r => r.Id).Distinct().Count()}, joins {resolver.Joins} (appearance {resolver.AppearanceJoins}), splits {resolver.Splits}");
        }

        if (gtPath is not null)
        {
            var gtFull = MotChallengeFormat.ReadFile(gtPath);
            var gt = new List<MotRecord>();
            if (views is null)
            {
                gt.AddRange(gtFull.Where(r => r.Frame <= frames));
            }
            else
            {
                for (var k = 0; k < pipelines.Count; k++)
                {
                    gt.AddRange(SplitViewEvaluation.ClipToView([.. gtFull.Where(r => r.Frame <= frames)], pipelines[k].X, pipelines[k].Width, k * frames));
                }
            }

            var length = frames * pipelines.Count;
            Report(views is null ? (globalIds ? "global ids" : "tracks") : "global ids (views concatenated)", MotEvaluator.Evaluate(gt, rows, MotBenchmark.Mot15, length));
            if (views is not null)
            {
                Report("per-view local ids (no cross-camera resolution)", MotEvaluator.Evaluate(gt, localRows, MotBenchmark.Mot15, length));
            }

            if (reIdStats)
            {
                var perView = new List<ReIdDistanceReport.View>();
                for (var k = 0; k < pipelines.Count; k++)
                {
                    perView.Add(new(pipelines[k].Pipeline.CameraId, pipelines[k].Updates, SplitViewEvaluation.ClipToView([.. gtFull.Where(r => r.Frame <= frames)], pipelines[k].X, pipelines[k].Width, 0)));
                }

                ReIdDistanceReport.Print(recording!, perView, resolverOptions.MinObservations);
            }
        }

        return Task.FromResult(ExitCodes.Ok);
    }

    // Resolver settings for tuning on a recorded clip; defaults are the library's.
    private static CrossCameraOptions ResolverOptions(CliArgs args)
    {
        var d = new CrossCameraOptions();
        var o = new CrossCameraOptions
        {
            AppearanceThreshold = (float)args.Double("appearance-threshold", d.AppearanceThreshold),
            AppearanceMargin = (float)args.Double("appearance-margin", d.AppearanceMargin),
            AppearanceVeto = (float)args.Double("appearance-veto", d.AppearanceVeto),
            MinObservations = args.Int("min-observations", d.MinObservations),
            MaxFloorDistance = args.Double("floor-distance", d.MaxFloorDistance),
        };
        var errors = o.Validate();
        return errors.Count == 0 ? o : throw new UsageException(string.Join(" ", errors));
    }

    private static void Report(string what, MotMetrics m) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: HOTA={m.Hota:F4} MOTA={m.Mota:F4} IDF1={m.Idf1:F4} IDSW={m.IdSwitches} FP={m.FalsePositives} FN={m.FalseNegatives} ids={m.TrackerIds}/{m.GtIds}"));

    private static Scalar Palette(int id)
    {
        var h = (uint)id * 2654435761u;
        return new Scalar(h & 0xFF, (h >> 8) & 0xFF, (h >> 16) & 0xFF);
    }
}
