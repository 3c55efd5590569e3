using OpenCvSharp;
using Scarlet.Testing;
using Scarlet.Tracking.CrossCamera;
using Scarlet.Tracking.Evaluation;
using Scarlet.Tracking.Geometry;
using Scarlet.Tracking.Identity;
using Scarlet.Tracking.MotChallenge;
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

    private static CameraPipelineOptions View(string id, int x, int width, int height) => new()
    {
        CameraId = id,
        EnableFaces = false,
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
        var resolver = new CrossCameraResolver(new CameraTopology().AddOverlap("left", "right"));
        var identities = new IdentityTracker();
        var rows = new List<MotRecord>();
        var localRows = new List<MotRecord>();
        var events = new List<TrackingEvent>();
        using var capture = new VideoCapture(TestAssets.VtestVideo);
        var width = capture.FrameWidth;
        var height = capture.FrameHeight;
        var views = new (CameraPipeline Pipeline, int X, int Width)[]
        {
            (new CameraPipeline(View("left", 0, LeftWidth, height), models, resolver, identities), 0, LeftWidth),
            (new CameraPipeline(View("right", RightX, width - RightX, height), models, resolver, identities), RightX, width - RightX),
        };
        try
        {
            using var mat = new Mat();
            for (var f = 1; f <= Frames && capture.Read(mat); f++)
            {
                for (var k = 0; k < views.Length; k++)
                {
                    using var roi = new Mat(mat, new Rect(views[k].X, 0, views[k].Width, height));
                    using var frame = new Frame(roi.Clone(), views[k].Pipeline.CameraId, DateTimeOffset.UnixEpoch.AddSeconds(f / 10.0), f);
                    var update = views[k].Pipeline.Process(frame);
                    foreach (var p in update.Persons)
                    {
                        // Views' frames concatenated: left 1..N, right N+1..2N.
                        rows.Add(new MotRecord(f + (k * Frames), p.GlobalId, p.Box.X, p.Box.Y, p.Box.Width, p.Box.Height, p.Score, -1, -1));
                        localRows.Add(new MotRecord(f + (k * Frames), p.TrackId + (k * 100_000), p.Box.X, p.Box.Y, p.Box.Width, p.Box.Height, p.Score, -1, -1));
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

        var gtFull = MotChallengeFormat.ReadFile(TestAssets.Data("video/vtest_annotations/gt_mot.txt")).Where(r => r.Frame <= Frames).ToList();
        var gt = SplitViewEvaluation.ClipToView(gtFull, 0, LeftWidth, 0);
        gt.AddRange(SplitViewEvaluation.ClipToView(gtFull, RightX, width - RightX, Frames));
        var global = MotEvaluator.Evaluate(gt, rows, MotBenchmark.Mot15, 2 * Frames);
        var local = MotEvaluator.Evaluate(gt, localRows, MotBenchmark.Mot15, 2 * Frames);
        output.WriteLine($"global: IDF1 {global.Idf1:F4} MOTA {global.Mota:F4} IDSW {global.IdSwitches} ids {global.TrackerIds}/{global.GtIds}; local: IDF1 {local.Idf1:F4}; joins {resolver.Joins} splits {resolver.Splits}");

        // People in the overlap are seen by both views: the resolver must join some of them, and joining must pay off
        // in identity terms against per-view ids.
        Assert.True(resolver.Joins >= 3, $"joins {resolver.Joins}");
        Assert.True(global.Idf1 > local.Idf1 + 0.01, $"global IDF1 {global.Idf1:F4} vs per-view {local.Idf1:F4}");
        Assert.True(global.Idf1 > 0.5, $"global IDF1 {global.Idf1:F4}");
        Assert.True(identities.Count > 0);
        Assert.Equal(startNative, ScarletDiagnostics.LiveNativeObjects);
    }

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
