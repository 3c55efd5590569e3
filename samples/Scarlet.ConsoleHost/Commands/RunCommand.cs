using System.Globalization;
using Scarlet.Recognition;
using Scarlet.Tracking;
using Scarlet.Tracking.CrossCamera;
using Scarlet.Tracking.Geometry;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet run --camera NAME=URL_OR_FILE [--camera ...] [--fps F] [--max-seconds S] [--enrol ID=DIR ...] [--zones [CAMERA=]zones.json]</c>: runs
/// several camera pipelines at once, prints events as JSON lines on stdout and a live status line (fps, drops per
/// camera) on stderr. With <c>--enrol</c> (the photos of a folder enrolled as one identity) faces are found per track
/// and each track is decided by its face vote: <c>IdentityResolved</c> events name the identity.
/// </summary>
internal static class RunCommand
{
    public static async Task<int> RunAsync(CliArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var cameraArgs = args.All("camera");
        if (cameraArgs.Count == 0)
        {
            throw new UsageException("--camera NAME=URL_OR_FILE is required (repeat it for more cameras)");
        }

        var fps = args.Double("fps", 10);
        var maxSeconds = args.Double("max-seconds", 0);
        var every = args.Int("detect-every", 1);
        var reIdOn = args.Flag("reid");
        var loop = args.Flag("loop");
        var noPacing = args.Flag("no-pacing");
        var overlaps = args.All("overlap");
        var zones = args.All("zone");
        var zoneFiles = args.All("zones");
        var lines = args.All("line");
        var updates = args.Flag("updates");
        var enrol = args.All("enrol");
        using var vision = new VisionSetup(args, 0.1f);
        var reIdModel = args.Optional("reid-model") ?? ModelCatalog.OsNetX025.Id;
        args.EnsureAllUsed();
        if (fps <= 0 || every < 1 || maxSeconds < 0)
        {
            throw new UsageException("--fps must be positive, --detect-every at least 1, --max-seconds not negative");
        }

        var topology = new CameraTopology();
        foreach (var o in overlaps)
        {
            var p = o.Split(':');
            if (p.Length != 2)
            {
                throw new UsageException($"--overlap takes A:B, got '{o}'");
            }

            topology.AddOverlap(p[0], p[1]);
        }

        using var reId = reIdOn ? new OsNetReIdEmbedder(vision.Sessions.Get(vision.Locator.Resolve(reIdModel))) : null;
        using var embedder = enrol.Count > 0 ? new OnnxFaceEmbedder(vision.Sessions.Get(vision.Locator.Resolve(ModelCatalog.MobileFaceNet.Id)), ModelCatalog.MobileFaceNet.Id) : null;
        using var gallery = embedder is null ? null : new FaceGallery(embedder.Dimension, embedder.ModelId);
        FaceModels? faces = null;
        if (embedder is not null)
        {
            var recognizer = new FaceRecognizer(vision.Faces, embedder, gallery!, landmarkRefiner: new MirrorLandmarkRefiner(vision.Faces));
            foreach (var e in enrol)
            {
                Enrol(recognizer, e);
            }

            faces = new FaceModels(vision.Faces, recognizer);
        }

        var models = new CameraPipelineModels(vision.Persons, reId, faces);
        await using var host = new CameraPipelineHost(models, new CrossCameraResolver(topology));
        foreach (var c in cameraArgs)
        {
            var eq = c.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == c.Length - 1)
            {
                throw new UsageException($"--camera takes NAME=URL_OR_FILE, got '{c}'");
            }

            var name = c[..eq];
            var options = new CameraPipelineOptions
            {
                CameraId = name,
                Source = c[(eq + 1)..],
                SourceOptions = new FrameSourceOptions { Loop = loop, RealTimePacing = !noPacing, FolderFrameRate = fps },
                DetectionInterval = every,
                EnableReId = reIdOn,
                EnableFaces = faces is not null,
                Tracker = new TrackerOptions { FrameRate = fps / every },
            };
            foreach (var z in zones.Where(z => z.StartsWith(name + ":", StringComparison.Ordinal)))
            {
                var parts = z.Split(':');
                options.Zones.Add(new Zone(parts.Length == 3 ? parts[1] : throw new UsageException($"--zone takes CAMERA:NAME:x,y,x,y,..., got '{z}'"), Points(parts[2], z)));
            }

            // --zones FILE (every camera) or --zones CAMERA=FILE: the JSON of PUT /api/cameras/{id}/zones, normalised to the frame.
            foreach (var zf in zoneFiles)
            {
                var at = zf.IndexOf('=', StringComparison.Ordinal);
                if (at > 0 && zf[..at] != name && cameraArgs.Any(c => c.StartsWith(zf[..at] + "=", StringComparison.Ordinal)))
                {
                    continue;
                }

                var path = at > 0 && zf[..at] == name ? zf[(at + 1)..] : zf;
                try
                {
                    foreach (var zone in CameraZone.ParseJson(File.ReadAllText(path)))
                    {
                        options.CameraZones.Add(zone);
                    }
                }
                catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException)
                {
                    throw new UsageException($"--zones {zf}: {ex.Message}");
                }
            }

            foreach (var l in lines.Where(l => l.StartsWith(name + ":", StringComparison.Ordinal)))
            {
                var parts = l.Split(':');
                var pts = parts.Length == 3 ? Points(parts[2], l) : [];
                if (pts.Count != 2)
                {
                    throw new UsageException($"--line takes CAMERA:NAME:x1,y1,x2,y2, got '{l}'");
                }

                options.Lines.Add(new LineDefinition(parts[1], pts[0], pts[1]));
            }

            var errors = options.Validate();
            if (errors.Count > 0)
            {
                throw new UsageException(string.Join(" ", errors));
            }

            host.Add(options);
        }

        using var subscription = host.Events.Subscribe(e => Console.Out.WriteLine(PipelineCommandSupport.ToJson(e)));
        using var updateSubscription = updates
            ? host.Updates.Subscribe(u => Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"type\":\"update\",\"camera\":\"{u.CameraId}\",\"frame\":{u.Sequence},\"persons\":[{string.Join(",", u.Persons.Select(p => $"{{\"track\":{p.TrackId},\"person\":{p.GlobalId},\"box\":[{p.Box.X:F1},{p.Box.Y:F1},{p.Box.Width:F1},{p.Box.Height:F1}]}}"))}]}}")))
            : null;
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        if (maxSeconds > 0)
        {
            cts.CancelAfter(TimeSpan.FromSeconds(maxSeconds));
        }

        host.StartAll();
        var all = host.WhenAllStoppedAsync();
        if (ConsoleUi.Interactive)
        {
            // A person watching gets a live table of the cameras; event lines (when stdout is the terminal) scroll above it.
            await ConsoleUi.LiveAsync(() => PipelineCommandSupport.StatusTable(host.GetStatus()), TimeSpan.FromSeconds(1),
                () => Task.WhenAny(all, Task.Delay(Timeout.InfiniteTimeSpan, cts.Token))).ConfigureAwait(false);
        }

        while (!all.IsCompleted && !cts.IsCancellationRequested)
        {
            await Task.WhenAny(all, Task.Delay(1000, CancellationToken.None)).ConfigureAwait(false);
            Console.Error.Write("\r" + PipelineCommandSupport.StatusLine(host.GetStatus()) + "   ");
        }

        await host.StopAllAsync().ConfigureAwait(false);
        Console.Error.WriteLine();
        var failed = false;
        foreach (var s in host.GetStatus())
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.CameraId}: captured {s.FramesCaptured}, processed {s.FramesProcessed}, dropped {s.FramesDropped} ({s.DropRate:P1}), {s.MeanProcessMilliseconds:F1} ms/frame, {s.State}{(s.Error is null ? "" : ": " + s.Error)}"));
            failed |= s.State == CameraPipelineState.Faulted;
        }

        Console.Error.WriteLine($"global persons: {host.Identities.Count}, cross-camera joins {host.Resolver.Joins}, splits {host.Resolver.Splits}");
        return failed ? ExitCodes.Failure : ExitCodes.Ok;
    }

    // ID=DIR: every image of the folder is a photo of identity ID (the largest usable face of each is enrolled).
    private static void Enrol(FaceRecognizer recognizer, string arg)
    {
        var eq = arg.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || eq == arg.Length - 1 || !Directory.Exists(arg[(eq + 1)..]))
        {
            throw new UsageException($"--enrol takes ID=DIR (a folder of photos of one person), got '{arg}'");
        }

        var files = Directory.GetFiles(arg[(eq + 1)..]).Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
        var images = files.Select(f => OpenCvSharp.Cv2.ImRead(f, OpenCvSharp.ImreadModes.Color)).ToList();
        try
        {
            if (images.Count == 0 || images.Any(m => m.Empty()))
            {
                throw new UsageException($"--enrol {arg}: no readable photos");
            }

            var result = recognizer.Enroll(arg[..eq], images);
            Console.Error.WriteLine($"enrolled {arg[..eq]}: {result.Added} face(s) from {files.Count} photo(s)");
        }
        catch (NoUsableFaceException ex)
        {
            throw new UsageException($"--enrol {arg}: {ex.Message}");
        }
        finally
        {
            foreach (var m in images)
            {
                m.Dispose();
            }
        }
    }

    private static List<PointF> Points(string text, string arg)
    {
        var nums = text.Split(',').Select(s => float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new UsageException($"bad number '{s}' in '{arg}'")).ToArray();
        if (nums.Length % 2 != 0 || nums.Length < 4)
        {
            throw new UsageException($"'{arg}' needs an even number of coordinates (at least two points)");
        }

        var pts = new List<PointF>();
        for (var i = 0; i < nums.Length; i += 2)
        {
            pts.Add(new PointF(nums[i], nums[i + 1]));
        }

        return pts;
    }
}
