using System.Diagnostics;
using System.Globalization;
using Scarlet.Evaluation;
using Scarlet.Recognition;
using Scarlet.Tracking;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet bench cameras [--cameras N] [--fps 10] [--seconds S] [--detect-every K] [--face-search whole|crops|both] [--no-faces] [--attributes]</c>: N live 640x480 cameras (the
/// demo video, resized, paced in real time and looped) through camera pipelines on shared sessions; reports the
/// processed fps and drop rate per camera.
/// </summary>
internal static class BenchCamerasCommand
{
    public static async Task<int> RunAsync(CliArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var cameras = args.Int("cameras", 4);
        var fps = args.Double("fps", 10);
        var seconds = args.Double("seconds", 20);
        var every = args.Int("detect-every", 1);
        var reIdOn = args.Flag("reid");
        var videoArg = args.Optional("video");
        var facesOn = !args.Flag("no-faces");
        var attributesOn = args.Flag("attributes");
        var faceSearch = (args.Optional("face-search") ?? "crops") switch
        {
            "whole" => FaceSearchMode.WholeFrame,
            "crops" => FaceSearchMode.PersonCrops,
            "both" => FaceSearchMode.Both,
            var other => throw new UsageException($"--face-search takes whole, crops or both, got '{other}'"),
        };
        using var vision = new VisionSetup(args, 0.1f);
        args.EnsureAllUsed();
        if (cameras < 1 || fps <= 0 || seconds <= 0 || every < 1)
        {
            throw new UsageException("--cameras, --fps, --seconds and --detect-every must be positive");
        }

        if (attributesOn && !facesOn)
        {
            throw new UsageException("--attributes needs faces (drop --no-faces)");
        }

        var video = DemoVideo.Resolve(vision.Locator, videoArg);
        using var reId = reIdOn ? new OsNetReIdEmbedder(vision.Sessions.Get(vision.Locator.Resolve(ModelCatalog.OsNetX025.Id))) : null;
        // Faces: YuNet on the frame every FaceInterval-th detection frame, MobileFaceNet + an (empty) gallery for the faces
        // found, with the library's default landmark refinement (as AddScarletRecognition wires it).
        using var embedder = facesOn ? new OnnxFaceEmbedder(vision.Sessions.Get(vision.Locator.Resolve(ModelCatalog.MobileFaceNet.Id)), ModelCatalog.MobileFaceNet.Id) : null;
        using var gallery = embedder is null ? null : new FaceGallery(embedder.Dimension, embedder.ModelId);
        // Attributes: faceres + emotion, once per track (CameraPipelineOptions.EnableAttributes).
        using var attributes = attributesOn ? new OnnxFaceAttributeEstimator(vision.Locator) : null;
        var counted = attributes is null ? null : new CountingAttributeEstimator(attributes);
        var faces = embedder is null ? null : new FaceModels(vision.Faces, new FaceRecognizer(vision.Faces, embedder, gallery!, landmarkRefiner: new MirrorLandmarkRefiner(vision.Faces))).WithAttributes(counted);
        var models = new CameraPipelineModels(vision.Persons, reId, faces);
        await using var host = new CameraPipelineHost(models);
        for (var i = 0; i < cameras; i++)
        {
            var id = $"cam{i + 1}";
            var options = new CameraPipelineOptions
            {
                CameraId = id,
                DetectionInterval = every,
                EnableReId = reIdOn,
                EnableFaces = facesOn,
                EnableAttributes = attributesOn,
                FaceSearch = faceSearch,
                Tracker = new TrackerOptions { FrameRate = fps / every },
            };
            // The demo video is 10 fps; pacing replays it in real time, looped, resized to 640x480.
            var source = new ResizingFrameSource(new VideoFileSource(id, video, new FrameSourceOptions { Loop = true, RealTimePacing = true }), 640, 480);
            host.Add(options, source);
        }

        Console.Error.WriteLine($"bench cameras: {cameras} x 640x480 @ {fps} fps (demo video paced), detection every {every} frame(s), re-ID {(reIdOn ? "on" : "off")}, faces {(facesOn ? "on (" + faceSearch + ")" : "off")}, attributes {(attributesOn ? "on" : "off")}, {Environment.ProcessorCount} cores, {seconds} s");
        var sw = Stopwatch.StartNew();
        host.StartAll();
        using (var bar = ConsoleUi.Progress("bench cameras: seconds", seconds))
        {
            while (sw.Elapsed.TotalSeconds < seconds)
            {
                await Task.Delay(1000).ConfigureAwait(false);
                bar.Report((int)sw.Elapsed.TotalSeconds);
                Console.Error.Write("\r" + PipelineCommandSupport.StatusLine(host.GetStatus()) + "   ");
            }
        }

        var final = host.GetStatus();
        var elapsed = sw.Elapsed.TotalSeconds;
        await host.StopAllAsync().ConfigureAwait(false);
        Console.Error.WriteLine();
        double sumFps = 0, sumDrop = 0;
        foreach (var s in final)
        {
            var pfps = s.FramesProcessed / elapsed;
            sumFps += pfps;
            sumDrop += s.DropRate;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.CameraId}: captured {s.FramesCaptured}, processed {s.FramesProcessed} ({pfps:F2} fps), dropped {s.FramesDropped} ({s.DropRate:P1}), {s.MeanProcessMilliseconds:F1} ms/frame"));
        }

        var meanFps = sumFps / final.Count;
        var meanDrop = sumDrop / final.Count;
        var sustained = meanFps >= 0.95 * fps && meanDrop <= 0.05;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cameras={cameras} fps_per_camera={meanFps:F2} drop_rate={meanDrop:P1} detection_fps_per_camera={meanFps / every:F2} sustained={(sustained ? "yes" : "no")}"));
        if (counted is not null)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"attribute_runs={counted.Calls} ms_per_attribute_run={counted.Milliseconds / Math.Max(1, counted.Calls):F1}"));
        }

        return ExitCodes.Ok;
    }

    /// <summary>Counts and times the runs of the estimator it wraps (the pipelines call it from their inference threads).</summary>
    private sealed class CountingAttributeEstimator(IFaceAttributeEstimator inner) : IFaceAttributeEstimator
    {
        private long _calls;
        private long _ticks;

        public long Calls => Interlocked.Read(ref _calls);

        public double Milliseconds => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks)).TotalMilliseconds;

        public string ModelId => inner.ModelId;

        public IReadOnlyList<FaceAttributes> Estimate(OpenCvSharp.Mat image, IReadOnlyList<FaceLandmarks5> faces)
        {
            var start = Stopwatch.GetTimestamp();
            var result = inner.Estimate(image, faces);
            Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - start);
            Interlocked.Increment(ref _calls);
            return result;
        }
    }
}
