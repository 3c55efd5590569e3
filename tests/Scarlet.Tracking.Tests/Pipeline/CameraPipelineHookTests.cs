using OpenCvSharp;
using Scarlet.Testing;
using Scarlet.Tracking.CrossCamera;
using Scarlet.Tracking.Identity;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Scarlet.Tracking.Tests.Pipeline;

/// <summary>What a host needs from a pipeline besides tracks: the processed pixels, person enter/exit, camera removal.</summary>
[Collection("NativeObjects")]
public sealed class CameraPipelineHookTests
{
    [Fact]
    public void Vtest_people_enter_then_exit_when_the_view_goes_empty_and_every_frame_reaches_the_frame_hook()
    {
        var startNative = ScarletDiagnostics.LiveNativeObjects;
        using var detector = new YoloxPersonDetector(TestAssets.YoloxNano, new PersonDetectorOptions { ScoreThreshold = 0.1f }, new InferenceOptions { IntraOpThreads = 2 });
        var options = new CameraPipelineOptions { CameraId = "cam", EnableFaces = false, Tracker = new TrackerOptions { FrameRate = 30, LostTrackBuffer = 5 } };
        using var pipeline = new CameraPipeline(options, new CameraPipelineModels(detector), new CrossCameraResolver(), new IdentityTracker());
        var events = new List<TrackingEvent>();
        using var sub = pipeline.Events.Subscribe(events.Add);
        var hooked = new List<(long Sequence, int Persons, double Mean)>();
        pipeline.FrameProcessed += (_, e) =>
        {
            // The pixels are readable (and drawable) during the handler.
            Assert.Equal(e.Update.Sequence, e.Frame.Sequence);
            Cv2.Rectangle(e.Frame.Image, new Rect(0, 0, 10, 10), Scalar.Red);
            hooked.Add((e.Frame.Sequence, e.Update.Persons.Count, Cv2.Mean(e.Frame.Image).Val0));
        };

        using var capture = new VideoCapture(TestAssets.VtestVideo);
        using var mat = new Mat();
        var sequence = 0L;
        for (var f = 0; f < 20 && capture.Read(mat); f++)
        {
            using var frame = new Frame(mat.Clone(), "cam", DateTimeOffset.UnixEpoch.AddSeconds(sequence / 30.0), sequence++);
            pipeline.Process(frame);
        }

        var entered = events.Where(e => e.Kind == TrackingEventKind.PersonEntered).ToList();
        Assert.NotEmpty(entered);
        Assert.Equal(entered.Count, entered.Select(e => e.TrackId).Distinct().Count());
        Assert.DoesNotContain(events, e => e.Kind == TrackingEventKind.PersonExited);

        // An empty view: every track is lost, then removed after its buffer, and each entered person exits once.
        for (var f = 0; f < 20; f++)
        {
            using var frame = new Frame(new Mat(mat.Rows, mat.Cols, MatType.CV_8UC3, Scalar.All(0)), "cam", DateTimeOffset.UnixEpoch.AddSeconds(sequence / 30.0), sequence++);
            pipeline.Process(frame);
        }

        var exited = events.Where(e => e.Kind == TrackingEventKind.PersonExited).ToList();
        Assert.Equal(entered.Select(e => (e.TrackId, e.GlobalId)).Order(), exited.Select(e => (e.TrackId, e.GlobalId)).Order());
        Assert.All(exited, x => Assert.True(x.Timestamp > entered.Single(e => e.TrackId == x.TrackId).Timestamp));

        Assert.Equal(40, hooked.Count);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), hooked.Select(h => h.Sequence));
        Assert.Contains(hooked, h => h.Persons > 0);
        Assert.Equal(startNative, ScarletDiagnostics.LiveNativeObjects);
    }

    [Fact]
    public async Task A_removed_camera_stops_disposes_its_source_and_its_id_can_be_added_again()
    {
        var startNative = ScarletDiagnostics.LiveNativeObjects;
        using var detector = new YoloxPersonDetector(TestAssets.YoloxNano, new PersonDetectorOptions { ScoreThreshold = 0.1f }, new InferenceOptions { IntraOpThreads = 1 });
        await using (var host = new CameraPipelineHost(new CameraPipelineModels(detector)))
        {
            var first = host.Add(new CameraPipelineOptions { CameraId = "a", EnableFaces = false }, new VideoFileSource("a", TestAssets.VtestVideo));
            var processed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            first.FrameProcessed += (_, _) => processed.TrySetResult();
            host.Start("a");
            await processed.Task.WaitAsync(TimeSpan.FromSeconds(60));

            Assert.True(await host.RemoveAsync("a"));
            Assert.Empty(host.CameraIds);
            Assert.Empty(host.GetStatus());
            Assert.False(await host.RemoveAsync("a"));
            using (var late = new Frame(new Mat(8, 8, MatType.CV_8UC3, Scalar.All(0)), "a", DateTimeOffset.UnixEpoch, 0))
            {
                Assert.Throws<ObjectDisposedException>(() => first.Process(late));
            }

            host.Add(new CameraPipelineOptions { CameraId = "a", EnableFaces = false }, new VideoFileSource("a", TestAssets.VtestVideo));
            Assert.Equal(["a"], host.CameraIds);
            Assert.Equal(CameraPipelineState.Idle, Assert.Single(host.GetStatus()).State);
        }

        Assert.Equal(startNative, ScarletDiagnostics.LiveNativeObjects);
    }

    [Fact]
    public async Task A_camera_that_cannot_start_shows_failed_with_the_reason_in_its_status()
    {
        // A real refused connection (a free port on 127.0.0.1), opened by the host from the URL as a configured camera is.
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var detector = new YoloxPersonDetector(TestAssets.YoloxNano, new PersonDetectorOptions { ScoreThreshold = 0.1f }, new InferenceOptions { IntraOpThreads = 1 });
        await using var host = new CameraPipelineHost(new CameraPipelineModels(detector));
        var before = DateTimeOffset.UtcNow;
        host.Add(new CameraPipelineOptions
        {
            CameraId = "door",
            Source = $"http://127.0.0.1:{port}/stream",
            EnableFaces = false,
            SourceOptions = new FrameSourceOptions { ReconnectInitialDelay = TimeSpan.FromMilliseconds(10), ReconnectMaxDelay = TimeSpan.FromMilliseconds(20), MaxStartAttempts = 2 },
        });
        host.Start("door");
        await host.WhenAllStoppedAsync().WaitAsync(TimeSpan.FromSeconds(10));

        var s = Assert.Single(host.GetStatus());
        Assert.Equal((CameraPipelineState.Faulted, FrameSourceStatus.Failed), (s.State, s.SourceStatus));
        Assert.Contains("could not start after 2 attempts: connection refused", s.Error, StringComparison.Ordinal);
        Assert.Equal(("connection refused", 2), (s.SourceError!.Reason, s.SourceError.Failures));
        Assert.InRange(s.SourceError.Time, before, DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task MaxProcessingFps_caps_the_inference_loop_and_drops_the_rest()
    {
        using var detector = new YoloxPersonDetector(TestAssets.YoloxNano, new PersonDetectorOptions { ScoreThreshold = 0.1f }, new InferenceOptions { IntraOpThreads = 1 });
        await using var host = new CameraPipelineHost(new CameraPipelineModels(detector));
        host.Add(new CameraPipelineOptions { CameraId = "a", EnableFaces = false, MaxProcessingFps = 4 }, new VideoFileSource("a", TestAssets.VtestVideo));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        host.Start("a");
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await host.StopAsync("a");
        var s = Assert.Single(host.GetStatus());

        // An unpaced file delivers hundreds of frames a second: at most one per 250 ms is processed, the rest dropped.
        Assert.InRange(s.FramesProcessed, 1, (long)(watch.Elapsed.TotalSeconds * 4) + 2);
        Assert.True(s.FramesDropped > s.FramesProcessed);
    }

    [Fact]
    public async Task Add_whose_source_cannot_be_opened_throws_and_leaves_no_camera_behind()
    {
        using var detector = new YoloxPersonDetector(TestAssets.YoloxNano, new PersonDetectorOptions { ScoreThreshold = 0.1f }, new InferenceOptions { IntraOpThreads = 1 });
        await using var host = new CameraPipelineHost(new CameraPipelineModels(detector));
        var missing = Path.Combine(Path.GetTempPath(), "scarlet-no-such-video-" + Guid.NewGuid().ToString("N") + ".mp4");

        // The pipeline built before the source is opened is disposed by Add (the caller never gets it), and the id stays free.
        Assert.Throws<FileNotFoundException>(() => host.Add(new CameraPipelineOptions { CameraId = "a", EnableFaces = false, Source = missing }));
        Assert.Empty(host.CameraIds);
        Assert.Empty(host.GetStatus());
        var pipeline = host.Add(new CameraPipelineOptions { CameraId = "a", EnableFaces = false }, new VideoFileSource("a", TestAssets.VtestVideo));
        Assert.Equal("a", pipeline.CameraId);
        Assert.Equal(["a"], host.CameraIds);
    }
}
