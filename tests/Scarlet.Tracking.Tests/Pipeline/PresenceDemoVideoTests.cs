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
/// the ground truth does not hold (found by `scarlet track --video` over the whole clip). With <see cref="CameraPipelineOptions.PresenceMinMotion"/> it does not count as present.
/// </summary>
[Collection("NativeObjects")]
public sealed class PresenceDemoVideoTests(ITestOutputHelper output)
{
    private static readonly PointF s_staticFoot = new(39.4f, 144f);

    [Fact]
    public void The_demo_videos_static_false_positive_is_not_present_and_the_walking_people_are()
    {
        using var detector = new YoloxPersonDetector(TestAssets.YoloxNano, new PersonDetectorOptions { ScoreThreshold = 0.1f });

        (int Present, bool Static) Play(float minMotion)
        {
            var identities = new IdentityTracker();
            var options = new CameraPipelineOptions { CameraId = "demo", PresenceMinMotion = minMotion, Tracker = new TrackerOptions { FrameRate = 10 } };
            using var pipeline = new CameraPipeline(options, new CameraPipelineModels(detector, null, null), new CrossCameraResolver(), identities);
            using var capture = new VideoCapture(TestAssets.VtestVideo);
            capture.Set(VideoCaptureProperties.PosFrames, 600);
            var last = DateTimeOffset.UnixEpoch;
            for (var f = 600; f < 650; f++)
            {
                using var image = new Mat();
                Assert.True(capture.Read(image) && !image.Empty());
                last = DateTimeOffset.UnixEpoch.AddSeconds(f / 10.0);
                using var frame = new Frame(image.Clone(), "demo", last, f);
                pipeline.Process(frame);
            }

            var present = identities.Present(last);
            foreach (var p in present)
            {
                output.WriteLine($"m={minMotion}: {p.PersonId} at {p.LastPosition.Image}");
            }

            return (present.Count, present.Any(p => Math.Abs(p.LastPosition.Image.X - s_staticFoot.X) < 15 && Math.Abs(p.LastPosition.Image.Y - s_staticFoot.Y) < 15));
        }

        // Without the rule (the default) the static box is a person present; with it (0.1, chosen on PETS09's public
        // detections: PresenceMotionTests) it is not, and the 6 walking people of
        // the ground truth's frame 650 are (at least 4 of them: the detector misses some behind others).
        var (_, staticWithout) = Play(0);
        Assert.True(staticWithout);
        var (present, staticWith) = Play(0.1f);
        Assert.False(staticWith);
        Assert.InRange(present, 4, 9);
    }
}
