using Microsoft.Extensions.Time.Testing;
using OpenCvSharp;
using Scarlet.Testing;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Scarlet.Tracking.Tests.Pipeline;

/// <summary>A camera's health on the host's clock (issue 19): the last frame's age is null before the first frame and grows once frames stop.</summary>
[Collection("NativeObjects")]
public sealed class CameraPipelineHealthTests
{
    [Fact]
    public async Task Last_frame_age_is_on_the_hosts_clock_and_grows_once_frames_stop()
    {
        var folder = Directory.CreateTempSubdirectory("scarlet-frame-age-");
        try
        {
            // Three real frames of the demo video as a folder source: it delivers them and ends.
            using (var capture = new VideoCapture(TestAssets.VtestVideo))
            {
                for (var i = 0; i < 3; i++)
                {
                    using var mat = new Mat();
                    Assert.True(capture.Read(mat));
                    Cv2.ImWrite(Path.Combine(folder.FullName, $"{i:D3}.jpg"), mat);
                }
            }

            var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
            using var detector = new YoloxPersonDetector(TestAssets.YoloxNano, new PersonDetectorOptions(), new InferenceOptions { IntraOpThreads = 1 });
            await using var host = new CameraPipelineHost(new CameraPipelineModels(detector), timeProvider: clock);
            var pipeline = host.Add(new CameraPipelineOptions { CameraId = "door", EnableFaces = false }, new ImageFolderSource("door", folder.FullName));
            Assert.Null(pipeline.GetStatus().LastFrameAge);

            host.StartAll();
            await host.WhenAllStoppedAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var ended = pipeline.GetStatus();
            Assert.Equal(3, ended.FramesCaptured);
            Assert.Equal(TimeSpan.Zero, ended.LastFrameAge); // the fake clock has not moved since the last frame

            clock.Advance(TimeSpan.FromSeconds(42));
            Assert.Equal(TimeSpan.FromSeconds(42), pipeline.GetStatus().LastFrameAge);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
