using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Scarlet.Tracking;

/// <summary>
/// Options of <see cref="MultiObjectTracker"/>. The defaults are ByteTrack's published MOT17 settings; the
/// MOTChallenge evaluation that checked them is in <c>docs/tracking.md</c>.
/// </summary>
public sealed class TrackerOptions
{
    /// <summary>Gets or sets the association logic.</summary>
    /// <value>The default value is <see cref="TrackerMode.ByteTrack"/>.</value>
    public TrackerMode Mode { get; set; } = TrackerMode.ByteTrack;

    /// <summary>Gets or sets the video frame rate; scales <see cref="LostTrackBuffer"/>.</summary>
    /// <value>The default value is 30.</value>
    [Range(0.1, 1000)]
    public double FrameRate { get; set; } = 30;

    /// <summary>Gets or sets the score above which a detection is "high" (first association, may start tracks).</summary>
    /// <value>The default value is 0.5.</value>
    [Range(0.0, 1.0)]
    public float HighScoreThreshold { get; set; } = 0.5f;

    /// <summary>Gets or sets the score above which a detection is kept at all (low detections feed the second association).</summary>
    /// <value>The default value is 0.1.</value>
    [Range(0.0, 1.0)]
    public float LowScoreThreshold { get; set; } = 0.1f;

    /// <summary>Gets or sets the minimum score of an unmatched high detection to start a new track.</summary>
    /// <value>The default value is 0.6.</value>
    [Range(0.0, 1.0)]
    public float NewTrackScoreThreshold { get; set; } = 0.6f;

    /// <summary>Gets or sets the minimum (score-fused) IoU of a pair in the first association (ByteTrack's match_thresh 0.8 as a cost).</summary>
    /// <value>The default value is 0.2.</value>
    [Range(0.0, 1.0)]
    public float FirstMatchMinIoU { get; set; } = 0.2f;

    /// <summary>
    /// Gets or sets the minimum (score-fused) IoU for a lost track to be re-found in the first association; the
    /// larger of this and <see cref="FirstMatchMinIoU"/> applies. Raising it makes re-finding after occlusion stricter.
    /// </summary>
    /// <value>The default value is 0.2 (ByteTrack: lost tracks match like tracked ones).</value>
    [Range(0.0, 1.0)]
    public float LostMatchMinIoU { get; set; } = 0.2f;

    /// <summary>Gets or sets the minimum IoU of a pair in the second (low-score) association.</summary>
    /// <value>The default value is 0.5.</value>
    [Range(0.0, 1.0)]
    public float SecondMatchMinIoU { get; set; } = 0.5f;

    /// <summary>Gets or sets the minimum IoU to confirm a tentative track with a high detection.</summary>
    /// <value>The default value is 0.3.</value>
    [Range(0.0, 1.0)]
    public float TentativeMatchMinIoU { get; set; } = 0.3f;

    /// <summary>Gets or sets whether the first association multiplies IoU by the detection score (ByteTrack on MOT17; off for MOT20).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool FuseScore { get; set; } = true;

    /// <summary>Gets or sets how long a lost track is kept, in frames at 30 fps (scaled by <see cref="FrameRate"/>).</summary>
    /// <value>The default value is 30.</value>
    [Range(0, 100_000)]
    public int LostTrackBuffer { get; set; } = 30;

    /// <summary>Gets or sets the IoU above which a lost track duplicating a tracked one is dropped (the younger goes).</summary>
    /// <value>The default value is 0.85.</value>
    [Range(0.0, 1.0)]
    public float DuplicateIoU { get; set; } = 0.85f;

    /// <summary>Gets or sets the largest half cosine distance at which an appearance match counts (BoT-SORT's appearance_thresh).</summary>
    /// <value>The default value is 0.25.</value>
    [Range(0.0, 1.0)]
    public float AppearanceThreshold { get; set; } = 0.25f;

    /// <summary>Gets or sets the minimum IoU for an appearance match to count (BoT-SORT's proximity gate).</summary>
    /// <value>The default value is 0.5.</value>
    [Range(0.0, 1.0)]
    public float AppearanceMinIoU { get; set; } = 0.5f;

    /// <summary>Gets or sets the weight of the old embedding in a track's moving average.</summary>
    /// <value>The default value is 0.9.</value>
    [Range(0.0, 1.0)]
    public float EmbeddingMomentum { get; set; } = 0.9f;

    /// <summary>
    /// Gets or sets whether a new ByteTrack track is reported from its first detection instead of its second (useful
    /// when detections are already clean, such as refined boxes; ByteTrack's own behaviour is <see langword="false"/>).
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool ConfirmOnBirth { get; set; }

    /// <summary>Gets or sets the SORT mode's hits before a track is reported.</summary>
    /// <value>The default value is 3.</value>
    [Range(1, 1000)]
    public int SortMinHits { get; set; } = 3;

    /// <summary>Gets or sets the SORT mode's missed frames before a track is dropped.</summary>
    /// <value>The default value is 1.</value>
    [Range(0, 100_000)]
    public int SortMaxAge { get; set; } = 1;

    /// <summary>Gets or sets the SORT mode's minimum IoU of a match.</summary>
    /// <value>The default value is 0.3.</value>
    [Range(0.0, 1.0)]
    public float SortMinIoU { get; set; } = 0.3f;

    /// <summary>Gets or sets the smallest box area (px²) a reported track may have; 0 reports all.</summary>
    /// <value>The default value is 0.</value>
    [Range(0.0, double.MaxValue)]
    public float MinBoxArea { get; set; }

    /// <summary>Gets or sets the largest width/height ratio a reported track may have (1.6 drops lying boxes for pedestrians); 0 reports all.</summary>
    /// <value>The default value is 0.</value>
    [Range(0.0, double.MaxValue)]
    public float MaxAspectRatio { get; set; }

    internal List<string> Validate()
    {
        var errors = new List<string>();
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
        {
            foreach (var r in results)
            {
                errors.Add(r.ErrorMessage ?? "invalid value");
            }
        }

        if (LowScoreThreshold > HighScoreThreshold)
        {
            errors.Add($"LowScoreThreshold ({LowScoreThreshold}) must not exceed HighScoreThreshold ({HighScoreThreshold}).");
        }

        if (!Enum.IsDefined(Mode))
        {
            errors.Add($"Mode {Mode} is not a known tracker mode.");
        }

        return errors;
    }

    internal TrackerOptions Clone() => (TrackerOptions)MemberwiseClone();
}

/// <summary>Validates <see cref="TrackerOptions"/> (ranges and cross-field rules) for the options pipeline.</summary>
internal sealed class TrackerOptionsValidator : IValidateOptions<TrackerOptions>
{
    public ValidateOptionsResult Validate(string? name, TrackerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
