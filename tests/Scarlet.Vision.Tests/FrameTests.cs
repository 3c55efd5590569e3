using OpenCvSharp;
using Scarlet.Vision;

namespace Scarlet.Vision.Tests;

public sealed class FrameTests
{
    [Fact]
    public void Dispose_releases_the_pixels_once()
    {
        var before = ScarletDiagnostics.LiveNativeObjects;
        var frame = new Frame(new Mat(4, 6, MatType.CV_8UC3, Scalar.All(7)), "cam", DateTimeOffset.UnixEpoch, 3);
        Assert.Equal(6, frame.Width);
        Assert.Equal(4, frame.Height);
        frame.Dispose();
        frame.Dispose();
        Assert.True(frame.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => frame.Image);
        Assert.True(ScarletDiagnostics.LiveNativeObjects <= before);
    }
}
