using System.ComponentModel.DataAnnotations;

namespace Scarlet.Vision;

/// <summary>How an <see cref="OverlayVideoWriter"/> encodes.</summary>
public sealed class OverlayVideoWriterOptions
{
    /// <summary>
    /// Gets or sets the <c>ffmpeg</c> executable that encodes <c>.mp4</c> files as H.264: a path, or a name searched on
    /// the PATH. When it is not found, or the value is <see langword="null"/> or empty, an <c>.mp4</c> is written by
    /// OpenCV as MPEG-4 Part 2 (<see cref="OverlayVideoWriter.Codec"/> says so), which browsers do not play.
    /// </summary>
    /// <value>The default value is <c>ffmpeg</c>.</value>
    public string? FfmpegPath { get; set; } = "ffmpeg";

    /// <summary>Gets or sets the x264 preset (speed against size).</summary>
    /// <value>The default value is <c>veryfast</c>.</value>
    [RegularExpression("^(ultrafast|superfast|veryfast|faster|fast|medium|slow|slower|veryslow)$")]
    public string Preset { get; set; } = "veryfast";

    /// <summary>Gets or sets the x264 constant rate factor (0 lossless to 51 worst; 23 is x264's own default).</summary>
    /// <value>The default value is 23.</value>
    [Range(0, 51)]
    public int Crf { get; set; } = 23;

    /// <summary>
    /// Gets or sets how long disposing waits for <c>ffmpeg</c> to finish the file before it kills the process (the file
    /// is then unusable and <see cref="OverlayVideoWriter.Error"/> says so).
    /// </summary>
    /// <value>The default value is 2 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan FinishTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Checks the options and throws when they are inconsistent.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
        {
            throw new ArgumentException("Invalid OverlayVideoWriterOptions: " + string.Join(" ", results.Select(r => r.ErrorMessage)));
        }
    }
}
