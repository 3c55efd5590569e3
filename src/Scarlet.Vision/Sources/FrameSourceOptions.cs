using System.ComponentModel.DataAnnotations;

namespace Scarlet.Vision;

/// <summary>How a frame source reads, paces and reconnects. One instance may be shared by several sources.</summary>
public sealed class FrameSourceOptions : IValidatableObject
{
    /// <summary>Gets or sets whether a video file or image folder starts again from the beginning at its end (demo cameras).</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool Loop { get; set; }

    /// <summary>
    /// Gets or sets whether a video file or image folder is delivered at its own frame rate (the file's fps, or
    /// <see cref="FolderFrameRate"/>) instead of as fast as it decodes.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool RealTimePacing { get; set; }

    /// <summary>Gets or sets the frames per second of an image folder when <see cref="RealTimePacing"/> is on.</summary>
    /// <value>The default value is 10.</value>
    [Range(0.01, 1000.0)]
    public double FolderFrameRate { get; set; } = 10;

    /// <summary>Gets or sets the wait before the first reconnect attempt of a live source; it doubles on each failure.</summary>
    /// <value>The default value is 500 milliseconds.</value>
    public TimeSpan ReconnectInitialDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Gets or sets the longest wait between reconnect attempts: a camera that comes back is read again at most this long
    /// (plus one connect) later.
    /// </summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets how many connection attempts a live source makes before it gives up when it has never delivered a
    /// frame: its status becomes <see cref="FrameSourceStatus.Failed"/> and reading ends with a
    /// <see cref="FrameSourceException"/> carrying the last fault. 0 retries for ever. A source that was live once
    /// reconnects for ever after a drop.
    /// </summary>
    /// <value>The default value is 10 (about a minute of retries at the default delays); raise it, or use 0, for cameras
    /// that may boot later than the application.</value>
    [Range(0, int.MaxValue)]
    public int MaxStartAttempts { get; set; } = 10;

    /// <summary>
    /// Gets or sets the random spread of each reconnect wait, as a fraction: 0.2 draws each wait uniformly within ±20%,
    /// so cameras that dropped together do not reconnect in lockstep.
    /// </summary>
    /// <value>The default value is 0.2.</value>
    [Range(0.0, 1.0)]
    public double ReconnectJitter { get; set; } = 0.2;

    /// <summary>Gets or sets how long a live source may take to connect (HTTP response headers, RTSP open).</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long a live source may deliver no data before it counts as dropped and reconnects.</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the largest accepted MJPEG part (one JPEG); a larger part drops the connection.</summary>
    /// <value>The default value is 8 MB.</value>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaxPartBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// Gets or sets the <c>ffmpeg</c> executable that reads network streams (<see cref="RtspSource"/>): a path, or a name
    /// searched on the PATH. When it is not found, or the value is
    /// <see langword="null"/> or empty, the source uses OpenCV's capture, whose FFmpeg has no network protocols in
    /// OpenCvSharp's official Linux runtime.
    /// </summary>
    /// <value>The default value is <c>ffmpeg</c>.</value>
    public string? FfmpegPath { get; set; } = "ffmpeg";

    /// <summary>Gets or sets the limits for images read from a folder or an MJPEG stream.</summary>
    /// <value>The default value is <see cref="ImageDecoderOptions.Default"/>.</value>
    public ImageDecoderOptions Decoder { get; set; } = ImageDecoderOptions.Default;

    /// <summary>Checks the options and throws when they are inconsistent.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
        {
            throw new ArgumentException("Invalid FrameSourceOptions: " + string.Join(" ", results.Select(r => r.ErrorMessage)));
        }

        Decoder.Validate();
    }

    /// <summary>
    /// Computes the wait before reconnect attempt <paramref name="attempt"/>: <see cref="ReconnectInitialDelay"/> times
    /// 2^attempt, capped at <see cref="ReconnectMaxDelay"/>, spread by <see cref="ReconnectJitter"/>.
    /// </summary>
    /// <param name="attempt">The number of failed attempts since the source was last live, from 0.</param>
    /// <param name="unitRandom">A random number in [0, 1); 0.5 gives the un-jittered delay.</param>
    /// <returns>The delay, never more than <see cref="ReconnectMaxDelay"/>.</returns>
    public TimeSpan GetReconnectDelay(int attempt, double unitRandom)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        var max = ReconnectMaxDelay.Ticks;
        var baseTicks = ReconnectInitialDelay.Ticks * Math.Pow(2, Math.Min(attempt, 62));
        baseTicks = Math.Min(baseTicks, max);
        var factor = 1 + (ReconnectJitter * ((2 * Math.Clamp(unitRandom, 0, 1)) - 1));
        return TimeSpan.FromTicks((long)Math.Clamp(baseTicks * factor, 0, max));
    }

    /// <inheritdoc />
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (ReconnectInitialDelay <= TimeSpan.Zero)
        {
            yield return new ValidationResult("ReconnectInitialDelay must be positive.", [nameof(ReconnectInitialDelay)]);
        }

        if (ReconnectMaxDelay < ReconnectInitialDelay)
        {
            yield return new ValidationResult("ReconnectMaxDelay must be at least ReconnectInitialDelay.", [nameof(ReconnectMaxDelay)]);
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            yield return new ValidationResult("ConnectTimeout must be positive.", [nameof(ConnectTimeout)]);
        }

        if (ReadTimeout <= TimeSpan.Zero)
        {
            yield return new ValidationResult("ReadTimeout must be positive.", [nameof(ReadTimeout)]);
        }

        if (Decoder is null)
        {
            yield return new ValidationResult("Decoder is required.", [nameof(Decoder)]);
        }
    }
}
