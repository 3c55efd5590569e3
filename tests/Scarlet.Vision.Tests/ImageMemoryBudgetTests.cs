using OpenCvSharp;
using Scarlet.Vision.Tests.Sources;

namespace Scarlet.Vision.Tests;

public sealed class ImageMemoryBudgetTests
{
    private const int ZidanePixels = 1280 * 720;

    [Fact]
    public async Task A_decoded_image_holds_its_pixels_until_disposed_and_a_full_budget_refuses_at_once()
    {
        using var budget = new ImageMemoryBudget(new ImageMemoryOptions { MaxDecodedPixelsInFlight = 1_000_000, QueueTimeout = TimeSpan.Zero });
        var decoder = new ImageDecoder(null, null, budget);

        var first = await decoder.DecodeAsync(TestImages.ZidaneJpeg);
        Assert.Equal(ZidanePixels, budget.PixelsInFlight);
        var busy = await Assert.ThrowsAsync<ImageBudgetExceededException>(async () => await decoder.DecodeAsync(TestImages.ZidaneJpeg));
        Assert.True(busy.RetryAfter >= TimeSpan.FromSeconds(1));
        Assert.Throws<ImageBudgetExceededException>(() => decoder.DecodeMat(TestImages.ZidaneJpeg));

        // A refused image takes nothing; a disposed one gives its share back.
        Assert.Equal(ZidanePixels, budget.PixelsInFlight);
        first.Dispose();
        Assert.Equal(0, budget.PixelsInFlight);
        using (var again = decoder.DecodeMat(TestImages.ZidaneJpeg))
        {
            Assert.Equal(1280, again.Width);
            Assert.Equal(ZidanePixels, budget.PixelsInFlight);
        }

        Assert.Equal(0, budget.PixelsInFlight);
    }

    [Fact]
    public async Task A_waiting_image_is_decoded_once_the_budget_frees_up()
    {
        using var budget = new ImageMemoryBudget(new ImageMemoryOptions { MaxDecodedPixelsInFlight = 1_000_000, QueueTimeout = TimeSpan.FromSeconds(30) });
        var decoder = new ImageDecoder(null, null, budget);
        var first = await decoder.DecodeAsync(TestImages.ZidaneJpeg);
        var second = decoder.DecodeAsync(TestImages.ZidaneJpeg).AsTask();
        await Task.Delay(100);
        Assert.False(second.IsCompleted);

        first.Dispose();
        using var decoded = await second.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(720, decoded.Pixels.Height);
    }

    [Fact]
    public async Task A_wait_that_outlasts_the_queue_timeout_is_refused_and_takes_nothing()
    {
        using var budget = new ImageMemoryBudget(new ImageMemoryOptions { MaxDecodedPixelsInFlight = 1_000_000, QueueTimeout = TimeSpan.FromMilliseconds(200) });
        var decoder = new ImageDecoder(null, null, budget);
        using var first = await decoder.DecodeAsync(TestImages.ZidaneJpeg);
        await Assert.ThrowsAsync<ImageBudgetExceededException>(async () => await decoder.DecodeBase64Async(Convert.ToBase64String(TestImages.ZidaneJpeg)));
        Assert.Equal(ZidanePixels, budget.PixelsInFlight);
    }

    [Fact]
    public async Task A_large_jpeg_is_decoded_scaled_and_says_by_how_much()
    {
        using var budget = new ImageMemoryBudget(new ImageMemoryOptions { MaxFullScaleJpegPixels = 300_000 });
        var decoder = new ImageDecoder(null, null, budget);
        using var image = await decoder.DecodeAsync(TestImages.ZidaneJpeg);
        Assert.Equal(2, image.Scale);
        Assert.Equal((640, 360), (image.Pixels.Width, image.Pixels.Height));
        Assert.Equal(new ImageInfo(ImageFormat.Jpeg, 1280, 720), image.Source);
        Assert.Equal(ZidanePixels / 4, budget.PixelsInFlight);

        // PNG has no scaled decode: full size, full share.
        using var mat = Cv2.ImDecode(TestImages.ZidaneJpeg, ImreadModes.Color);
        using var png = await decoder.DecodeAsync(mat.ImEncode(".png"));
        Assert.Equal((1, 1280), (png.Scale, png.Pixels.Width));

        // Without a budget nothing is scaled.
        using var full = await new ImageDecoder().DecodeAsync(TestImages.ZidaneJpeg);
        Assert.Equal((1, 1280), (full.Scale, full.Pixels.Width));
    }

    [Fact]
    public void Options_out_of_range_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new ImageMemoryBudget(new ImageMemoryOptions { MaxConcurrentDecodes = 0 }));
        Assert.Throws<ArgumentException>(() => new ImageMemoryBudget(new ImageMemoryOptions { MaxDecodedPixelsInFlight = 10 }));
        Assert.Throws<ArgumentException>(() => new ImageMemoryBudget(new ImageMemoryOptions { QueueTimeout = TimeSpan.FromHours(1) }));
    }
}
