using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Scarlet.Retail;

/// <summary>
/// What every <see cref="StoreCamera"/> of a <see cref="StoreCameraRegistry"/> shares: the processing rate, how often faces
/// are looked for, reconnection and the overlay image. The property names are the web host's <c>Scarlet:Live</c> keys.
/// </summary>
public sealed class StoreCameraOptions
{
    /// <summary>Gets or sets the frames per second each camera is analysed at (frames in between are skipped).</summary>
    [Range(0.1, 60)]
    public double ProcessingFps { get; set; } = 5;

    /// <summary>Gets or sets how many processed frames apart faces are looked for on a camera.</summary>
    [Range(1, 1000)]
    public int RecognizeEvery { get; set; } = 2;

    /// <summary>Gets or sets the longest wait between a camera's reconnect attempts.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "01:00:00")]
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the attempts after which a camera that never connected fails (0: retry for ever).</summary>
    [Range(0, 1_000_000)]
    public int MaxStartAttempts { get; set; } = 10;

    /// <summary>Gets or sets the JPEG quality of each camera's annotated image (<see cref="StoreCamera.Image"/>); 0: no image.</summary>
    [Range(0, 100)]
    public int JpegQuality { get; set; } = 75;

    /// <summary>
    /// Gets or sets how many frames, counted at 30 fps as ByteTrack does, a lost track is kept before the person exits
    /// (90: 3 s unseen).
    /// </summary>
    [Range(1, 100_000)]
    public int ExitAfterFrames { get; set; } = 90;

    /// <summary>Gets or sets a value indicating whether file sources are played at their own frame rate (as a live camera would deliver them).</summary>
    public bool RealTimePacing { get; set; } = true;
}

/// <summary>The field rules (DataAnnotations) of <see cref="StoreCameraOptions"/>, source-generated.</summary>
[OptionsValidator]
internal sealed partial class StoreCameraOptionsValidator : IValidateOptions<StoreCameraOptions>;
