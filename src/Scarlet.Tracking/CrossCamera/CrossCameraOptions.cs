using System.ComponentModel.DataAnnotations;

namespace Scarlet.Tracking.CrossCamera;

/// <summary>Options of <see cref="CrossCameraResolver"/>.</summary>
public sealed class CrossCameraOptions
{
    /// <summary>
    /// Gets or sets the largest appearance distance (cosine, between mean embeddings) at which a new track may join an
    /// existing person on appearance alone.
    /// </summary>
    /// <remarks>
    /// 0.15 is about the 5th percentile of OSNet-x0.25 distances between different people on PETS09 and the median
    /// between tracks of one person (docs/pipeline.md), so together with <see cref="AppearanceMargin"/> appearance joins only clear cases; 0 turns
    /// appearance-only joins off in practice (embeddings still veto floor matches).
    /// </remarks>
    [Range(0.0, 2.0)]
    public float AppearanceThreshold { get; set; } = 0.15f;

    /// <summary>
    /// Gets or sets how much nearer in appearance the best person must be than any other candidate for appearance alone
    /// to join a track to it (ambiguous appearance: no join).
    /// </summary>
    [Range(0.0, 2.0)]
    public float AppearanceMargin { get; set; } = 0.05f;

    /// <summary>
    /// Gets or sets the appearance distance above which a spatial (floor-plan) match between overlapping cameras is
    /// vetoed, when both tracks carry embeddings.
    /// </summary>
    [Range(0.0, 2.0)]
    public float AppearanceVeto { get; set; } = 0.6f;

    /// <summary>Gets or sets the largest floor-plan distance (floor units) for two simultaneous tracks of overlapping cameras to be one person.</summary>
    [Range(0.0, double.MaxValue)]
    public double MaxFloorDistance { get; set; } = 40;

    /// <summary>
    /// Gets or sets at which observation of a new track appearance is tested, once: its mean embedding then rests on
    /// this many crops (a floor-plan match between overlapping cameras joins at once).
    /// </summary>
    /// <remarks>
    /// One test per track: testing on every frame of the join window would join on the first chance dip below the
    /// threshold. The test must fall inside <see cref="JoinWindow"/> (5 observations: 0.5 s at 10 detections/s).
    /// </remarks>
    [Range(1, 10_000)]
    public int MinObservations { get; set; } = 5;

    /// <summary>Gets or sets how long after its birth a track that still forms a person of its own may join another one.</summary>
    public TimeSpan JoinWindow { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Gets or sets how long a track counts as present after its last observation.</summary>
    public TimeSpan PresenceWindow { get; set; } = TimeSpan.FromSeconds(0.5);

    /// <summary>Gets or sets how long after a person was last seen appearance may still re-link a new track to them.</summary>
    public TimeSpan MaxReappearanceGap { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets how many consecutive contradicting observations split a track off its person.</summary>
    [Range(1, 10_000)]
    public int SplitAfter { get; set; } = 3;

    /// <summary>Returns the problems with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var results = new List<ValidationResult>();
        var errors = new List<string>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
        {
            errors.AddRange(results.Select(r => r.ErrorMessage ?? "invalid value"));
        }

        if (JoinWindow < TimeSpan.Zero || PresenceWindow <= TimeSpan.Zero || MaxReappearanceGap < TimeSpan.Zero)
        {
            errors.Add("JoinWindow and MaxReappearanceGap must not be negative; PresenceWindow must be positive.");
        }

        if (!double.IsFinite(MaxFloorDistance))
        {
            errors.Add("MaxFloorDistance must be finite.");
        }

        return errors;
    }
}
