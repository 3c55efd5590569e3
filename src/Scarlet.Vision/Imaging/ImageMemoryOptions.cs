using System.ComponentModel.DataAnnotations;

namespace Scarlet.Vision;

/// <summary>
/// The process-wide memory budget for decoded images (<see cref="ImageMemoryBudget"/>), bound by hosts from
/// <c>Scarlet:Images</c>. Small files can declare large images (a 400 KB PNG of 6000x6000 decodes to 108 MB), so what
/// is bounded is the decoded pixels alive at once, not the requests.
/// </summary>
public sealed class ImageMemoryOptions
{
    /// <summary>Gets or sets how many images may be inside the native decoder at once.</summary>
    /// <value>The default value is 4.</value>
    [Range(1, 1024)]
    public int MaxConcurrentDecodes { get; set; } = 4;

    /// <summary>
    /// Gets or sets the most decoded pixels (width times height, 3 bytes each) alive at once: an image holds its share
    /// from before it is decoded until its pixels are disposed. An image larger than the whole budget waits for all of it.
    /// </summary>
    /// <value>
    /// The default value is 48,000,000 (144 MB of BGR pixels: one image of the 40 Mpx limit and some small ones; with it
    /// the web host stays near 0.55 GB through issue 21's bomb waves, docs/hosting.md).
    /// </value>
    [Range(1_000_000, int.MaxValue)]
    public int MaxDecodedPixelsInFlight { get; set; } = 48_000_000;

    /// <summary>
    /// Gets or sets how long an image may wait for its share of the budget before it is refused with
    /// <see cref="ImageBudgetExceededException"/> (a host answers 503 with <c>Retry-After</c>); zero refuses at once.
    /// </summary>
    /// <value>The default value is 2 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Gets or sets the pixel count above which a JPEG is decoded at 1/2, 1/4 or 1/8 scale (libjpeg's scaled decode,
    /// cheaper in time and memory) to the first scale at or under it; 0 turns scaled decode off. PNG, BMP and WebP cannot
    /// be decoded scaled. The caller learns the scale from the decoded size.
    /// </summary>
    /// <value>The default value is 16,000,000 (a 24 Mpx phone photo is decoded at 1/2 scale, 6 Mpx).</value>
    [Range(0, int.MaxValue)]
    public int MaxFullScaleJpegPixels { get; set; } = 16_000_000;
}
