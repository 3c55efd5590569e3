using OpenCvSharp;
using Scarlet.Evaluation.MotChallenge;
using Scarlet.Evaluation.Tracking;
using Scarlet.Testing;
using Scarlet.Tracking.CrossCamera;
using Scarlet.Tracking.Geometry;
using Scarlet.Tracking.Identity;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;
using Scarlet.Vision.Models;
using Xunit.Abstractions;

namespace Scarlet.Tracking.Tests.Pipeline;

// Serialised with other native-object counting tests: LiveNativeObjects is process-wide.
[Collection("NativeObjects")]
public sealed class CameraPipelineTests(ITestOutputHelper output)
{
    private const int LeftWidth = 448;
    private const int RightX = 320;

    private static CameraPipelineOptions View(string id, int x, int width, int height, bool reId = false) => new()
    {
        CameraId = id,
        EnableFaces = false,
        EnableReId = reId,
        Tracker = new TrackerOptions { FrameRate = 10 },
        Homography = new CameraHomography([new(0, 0), new(width, 0), new(width, height), new(0, height)], [new(x, 0), new(x + width, 0), new(x + width, height), new(x, height)]),
    };

    [Fact]
    public void TwoOverlappingViewsOfVtest_PeopleCrossingKeepOneGlobalId()
    {
        const int Frames = 150;
        var startNative = ScarletDiagnostics.LiveNativeObjects;
        using var detector = new YoloxPersonDetector(TestAssets.YoloxNano, new PersonDetectorOptions { ScoreThreshold = 0.1f }, new InferenceOptions { IntraOpThreads = 2 });
        var models = new CameraPipelineModels(detector);
        var run = RunViews(Frames, _ => models, reId: false, replay: false);
        var (global, local) = Evaluate(run, Frames);
        output.WriteLine($"global: IDF1 {global.Idf1:F4} MOTA {global.Mota:F4} IDSW {global.IdSwitches} ids {global.TrackerIds}/{global.GtIds}; local: IDF1 {local.Idf1:F4}; joins {run.Resolver.Joins} splits {run.Resolver.Splits}");

        // People in the overlap are seen by both views: the resolver must join some of them, and joining must pay off
        // in identity terms against per-view ids.
        Assert.True(run.Resolver.Joins >= 3, $"joins {run.Resolver.Joins}");
        Assert.True(global.Idf1 > local.Idf1 + 0.01, $"global IDF1 {global.Idf1:F4} vs per-view {local.Idf1:F4}");
        Assert.True(global.Idf1 > 0.5, $"global IDF1 {global.Idf1:F4}");
        Assert.True(run.Identities.Count > 0);
        Assert.Equal(startNative, ScarletDiagnostics.LiveNativeObjects);
    }

    [Fact]
    public void TwoOverlappingViewsOfVtest_ReIdDoesNotMakeGlobalIdsWorse_AndReplaysExactly()
    {
        const int Frames = 150;
        using var detector = new YoloxPersonDetector(TestAssets.YoloxNano, new PersonDetectorOptions { ScoreThreshold = 0.1f }, new InferenceOptions { IntraOpThreads = 2 });
        using var reId = new OsNetReIdEmbedder(TestAssets.OsNet, new InferenceOptions { IntraOpThreads = 2 });
        var live = new CameraPipelineModels(detector, reId);

        // Detection and re-ID run once, recorded; both settings are then replayed from the recording (after a save/load
        // round trip), which must reproduce the live run exactly.
        var recording = new ModelRecording();
        var withReIdLive = RunViews(Frames, camera => recording.Record(camera, live), reId: true, replay: false);
        using var stored = new MemoryStream();
        recording.Save(stored);
        stored.Position = 0;
        var loaded = ModelRecording.Load(stored);
        Assert.Equal(Frames, loaded.FrameCount("left"));
        Assert.Equal(Frames, loaded.FrameCount("right"));
        var withReId = RunViews(Frames, camera => loaded.Replay(camera, withReId: true), reId: true, replay: true);
        Assert.Equal(withReIdLive.Global, withReId.Global);
        var withoutReId = RunViews(Frames, camera => loaded.Replay(camera, withReId: false), reId: false, replay: true);

        var (on, _) = Evaluate(withReId, Frames);
        var (off, _) = Evaluate(withoutReId, Frames);
        output.WriteLine($"re-ID on: IDF1 {on.Idf1:F4} HOTA {on.Hota:F4} IDSW {on.IdSwitches} joins {withReId.Resolver.Joins} (appearance {withReId.Resolver.AppearanceJoins}) splits {withReId.Resolver.Splits}");
        output.WriteLine($"re-ID off: IDF1 {off.Idf1:F4} HOTA {off.Hota:F4} IDSW {off.IdSwitches} joins {withoutReId.Resolver.Joins} splits {withoutReId.Resolver.Splits}");
        Assert.True(on.Idf1 >= off.Idf1, $"global IDF1 with re-ID {on.Idf1:F4} < without {off.Idf1:F4}");
        Assert.True(withoutReId.Resolver.Joins >= 3, $"joins {withoutReId.Resolver.Joins}");
    }

    private static ViewsRun RunViews(int frames, Func<string, CameraPipelineModels> modelsOf, bool reId, bool replay)
    {
        var resolver = new CrossCameraResolver(new CameraTopology().AddOverlap("left", "right"));
        var identities = new IdentityTracker();
        var rows = new List<MotRecord>();
        var localRows = new List<MotRecord>();
        using var capture = replay ? null : new VideoCapture(TestAssets.VtestVideo);
        var width = capture?.FrameWidth ?? 768;
        var height = capture?.FrameHeight ?? 576;
        var views = new (CameraPipeline Pipeline, int X, int Width)[]
        {
            (new CameraPipeline(View("left", 0, LeftWidth, height, reId), modelsOf("left"), resolver, identities), 0, LeftWidth),
            (new CameraPipeline(View("right", RightX, width - RightX, height, reId), modelsOf("right"), resolver, identities), RightX, width - RightX),
        };
        try
        {
            using var mat = new Mat();
            for (var f = 1; f <= frames && (replay || capture!.Read(mat)); f++)
            {
                for (var k = 0; k < views.Length; k++)
                {
                    // Replaying, the models ignore the pixels.
                    using var roi = replay ? new Mat(height, views[k].Width, MatType.CV_8UC3) : new Mat(mat, new Rect(views[k].X, 0, views[k].Width, height));
                    using var frame = new Frame(roi.Clone(), views[k].Pipeline.CameraId, DateTimeOffset.UnixEpoch.AddSeconds(f / 10.0), f);
                    var update = views[k].Pipeline.Process(frame);
                    foreach (var p in update.Persons)
                    {
                        // Views' frames concatenated: left 1..N, right N+1..2N.
                        rows.Add(new MotRecord(f + (k * frames), p.GlobalId, p.Box.X, p.Box.Y, p.Box.Width, p.Box.Height, p.Score, -1, -1));
                        localRows.Add(new MotRecord(f + (k * frames), p.TrackId + (k * 100_000), p.Box.X, p.Box.Y, p.Box.Width, p.Box.Height, p.Score, -1, -1));
                        Assert.NotNull(p.Floor);
                        Assert.Equal(p.Box.CenterX + views[k].X, p.Floor!.Value.X, 0.5f);
                    }
                }
            }
        }
        finally
        {
            foreach (var v in views)
            {
                v.Pipeline.Dispose();
            }
        }

        return new ViewsRun(rows, localRows, resolver, identities, width);
    }

    private static (MotMetrics Global, MotMetrics Local) Evaluate(ViewsRun run, int frames)
    {
        var gtFull = MotChallengeFormat.ReadFile(TestAssets.Data("video/vtest_annotations/gt_mot.txt")).Where(r => r.Frame <= frames).ToList();
        var gt = SplitViewEvaluation.ClipToView(gtFull, 0, LeftWidth, 0);
        gt.AddRange(SplitViewEvaluation.ClipToView(gtFull, RightX, run.Width - RightX, frames));
        return (MotEvaluator.Evaluate(gt, run.Global, MotBenchmark.Mot15, 2 * frames), MotEvaluator.Evaluate(gt, run.Local, MotBenchmark.Mot15, 2 * frames));
    }

    private sealed record ViewsRun(List<MotRecord> Global, List<MotRecord> Local, CrossCameraResolver Resolver, IdentityTracker Identities, int Width);

    [Fact]
    public async Task Host_LiveSourcesUnderLoad_DropOldestAndDisposeEveryFrame()
    {
        var startNative = ScarletDiagnostics.LiveNativeObjects;
        using var detector = new YoloxPersonDetector(TestAssets.YoloxNano, new PersonDetectorOptions { ScoreThreshold = 0.1f }, new InferenceOptions { IntraOpThreads = 1 });
        var models = new CameraPipelineModels(detector);
        var updates = 0;
        var cameras = new HashSet<string>();
        await using (var host = new CameraPipelineHost(models, new CrossCameraResolver(new CameraTopology().AddOverlap("left", "right"))))
        {
            // Unpaced file sources deliver far faster than detection: the queue must drop, never block or grow.
            host.Add(new CameraPipelineOptions { CameraId = "left", EnableFaces = false }, new RegionFrameSource("left", new VideoFileSource("left", TestAssets.VtestVideo), new Rect(0, 0, LeftWidth, 576)));
            host.Add(new CameraPipelineOptions { CameraId = "right", EnableFaces = false }, new RegionFrameSource("right", new VideoFileSource("right", TestAssets.VtestVideo), new Rect(RightX, 0, 768 - RightX, 576)));
            using var sub = host.Updates.Subscribe(u =>
            {
                Interlocked.Increment(ref updates);
                lock (cameras)
                {
                    cameras.Add(u.CameraId);
                }
            });
            host.StartAll();
            var done = host.WhenAllStoppedAsync();
            Assert.Same(done, await Task.WhenAny(done, Task.Delay(TimeSpan.FromSeconds(90))));
            foreach (var s in host.GetStatus())
            {
                output.WriteLine($"{s.CameraId}: captured {s.FramesCaptured} processed {s.FramesProcessed} dropped {s.FramesDropped} {s.State}");
                Assert.Equal(CameraPipelineState.Stopped, s.State);
                Assert.Equal(795, s.FramesCaptured);
                Assert.True(s.FramesDropped > 0);
                Assert.Equal(s.FramesCaptured, s.FramesProcessed + s.FramesDropped);
            }
        }

        Assert.Equal(["left", "right"], cameras.Order());
        Assert.True(updates > 0);
        Assert.Equal(startNative, ScarletDiagnostics.LiveNativeObjects);
    }

    [Fact]
    public void Options_AreValidated()
    {
        using var detector = new YoloxPersonDetector(TestAssets.YoloxNano);
        var models = new CameraPipelineModels(detector);
        var resolver = new CrossCameraResolver();
        var ids = new IdentityTracker();
        Assert.Throws<ArgumentException>(() => new CameraPipeline(new CameraPipelineOptions { CameraId = "" }, models, resolver, ids));
        Assert.Throws<ArgumentException>(() => new CameraPipeline(new CameraPipelineOptions { CameraId = "a", DetectionInterval = 0 }, models, resolver, ids));
        Assert.Throws<ArgumentException>(() => new CameraPipeline(new CameraPipelineOptions { CameraId = "a", EnableReId = true }, models, resolver, ids));
        using var p = new CameraPipeline(new CameraPipelineOptions { CameraId = "a" }, models, resolver, ids);
        using var mat = new Mat(48, 64, MatType.CV_8UC3, Scalar.All(0));
        using var frame = new Frame(mat.Clone(), "b", DateTimeOffset.UnixEpoch, 1);
        Assert.Throws<ArgumentException>(() => p.Process(frame));
    }
}
