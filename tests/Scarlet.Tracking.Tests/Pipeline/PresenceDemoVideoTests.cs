using OpenCvSharp;
using Scarlet.Testing;
using Scarlet.Tracking.CrossCamera;
using Scarlet.Tracking.Identity;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;
using Xunit.Abstractions;

namespace Scarlet.Tracking.Tests.Pipeline;

/// <summary>
/// The demo camera's static false positive (issue 19): on vtest.avi (PETS09-S2L1 View 001) YOLOX-Nano gives a small box
/// at about (31, 110, 18, 34) px from frame 601 to the end, which the tracker follows as a person who never moves and
/// the ground truth does not hold (found by `scarlet track --video` over the whole clip). With the default
/// <see cref="CameraPipelineOptions.PresenceMinChange"/> it never counts as present; a person standing still at about
/// (638, 304, 34, 106) px from frame 550 to 615 does. YOLOX runs once over frames 550–650 and its detections are replayed
/// with the video's own frames for each setting.
/// </summary>
[Collection("NativeObjects")]
public sealed class PresenceDemoVideoTests(ITestOutputHelper output)
{
    private const int End = 650;
    private static readonly PointF s_staticFoot = new(39.4f, 144f);
    private static readonly PointF s_standingFoot = new(655f, 410f);

    [Fact]
    public void The_demo_videos_static_false_positive_is_not_present_and_the_walking_and_standing_people_are()
    {
        var detections = new Dictionary<int, IReadOnlyList<PersonDetection>>();
        using (var yolox = new YoloxPersonDetector(TestAssets.YoloxNano, new PersonDetectorOptions { ScoreThreshold = 0.1f }))
        {
            ForFrames(550, (f, image) => detections[f] = yolox.Detect(image));
        }

        // Off (the rule as it was): the static box is a person present at the end.
        var off = Play(detections, 550, new CameraPipelineOptions { CameraId = "demo", PresenceMinChange = 0 });
        Assert.NotNull(off.StaticFirst);

        // The default: the static box never is; the person standing still since before frame 550 is from the first frame
        // compared (551); the walking people of the ground truth's frame 650 are (6: at least 4, the detector misses some
        // behind others).
        var on = Play(detections, 550, new CameraPipelineOptions { CameraId = "demo" });
        Assert.Null(on.StaticFirst);
        Assert.InRange(on.StandingFirst ?? int.MaxValue, 551, 553);
        Assert.InRange(on.PresentAtEnd, 4, 9);

        // A track that begins while that person stands stock-still (frames 557-570 change under 1 % of the box's pixels)
        // is delayed, not dropped: measured present from frame 591 (3.5 s after the track began); bound 4.5 s.
        var late = Play(detections, 556, new CameraPipelineOptions { CameraId = "demo" });
        Assert.InRange(late.StandingFirst ?? int.MaxValue, 557, 601);

        // The box-motion rule (opt-in, chosen on PETS09: PresenceMotionTests) removes the static box too.
        var motion = Play(detections, 550, new CameraPipelineOptions { CameraId = "demo", PresenceMinChange = 0, PresenceMinMotion = 0.1f });
        Assert.Null(motion.StaticFirst);
    }

    private (int? StaticFirst, int? StandingFirst, int PresentAtEnd) Play(Dictionary<int, IReadOnlyList<PersonDetection>> detections, int start, CameraPipelineOptions options)
    {
        options.Tracker = new TrackerOptions { FrameRate = 10 };
        var replay = new ReplayedDetector(detections);
        var identities = new IdentityTracker();
        using var pipeline = new CameraPipeline(options, new CameraPipelineModels(replay, null, null), new CrossCameraResolver(), identities);
        int? staticFirst = null, standingFirst = null;
        var present = 0;
        ForFrames(start, (f, image) =>
        {
            replay.Frame = f;
            var time = DateTimeOffset.UnixEpoch.AddMilliseconds(f * 100);
            using var frame = new Frame(image.Clone(), "demo", time, f);
            pipeline.Process(frame);
            var people = identities.Present(time);
            staticFirst ??= people.Any(p => Near(p.LastPosition.Image, s_staticFoot)) ? f : null;
            standingFirst ??= people.Any(p => Near(p.LastPosition.Image, s_standingFoot)) ? f : null;
            present = people.Count;
        });

        output.WriteLine($"from {start}, change {options.PresenceMinChange}, motion {options.PresenceMinMotion}: static box first present {staticFirst?.ToString() ?? "never"}, standing person {standingFirst?.ToString() ?? "never"}, {present} present at {End}");
        return (staticFirst, standingFirst, present);
    }

    private static bool Near(PointF a, PointF b) => Math.Abs(a.X - b.X) < 20 && Math.Abs(a.Y - b.Y) < 20;

    private static void ForFrames(int start, Action<int, Mat> each)
    {
        using var capture = new VideoCapture(TestAssets.VtestVideo);
        capture.Set(VideoCaptureProperties.PosFrames, start);
        using var image = new Mat();
        for (var f = start; f < End; f++)
        {
            Assert.True(capture.Read(image) && !image.Empty());
            each(f, image);
        }
    }

    // YOLOX's detections of each frame, recorded once: the pipelines under test get them back for the frame they process.
    private sealed class ReplayedDetector(Dictionary<int, IReadOnlyList<PersonDetection>> byFrame) : IPersonDetector
    {
        public int Frame { get; set; }

        public IReadOnlyList<PersonDetection> Detect(Mat image) => byFrame[Frame];
    }
}
