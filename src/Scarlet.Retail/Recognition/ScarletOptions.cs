using Scarlet.Recognition;
using Scarlet.Tracking;
using Scarlet.Vision;

namespace Scarlet.Retail;

/// <summary>
/// The settings of all four layers for <c>services.AddScarlet(o =&gt; ...)</c>: one configuration action per layer.
/// Each layer validates its own options at start (<c>ValidateOnStart</c>); <see cref="Retail"/> is required because the
/// retail layer needs at least <see cref="RetailOptions.DatabasePath"/>.
/// </summary>
public sealed class ScarletOptions
{
    /// <summary>Gets or sets the configuration of <see cref="VisionOptions"/> (detectors, model locations, inference).</summary>
    public Action<VisionOptions>? Vision { get; set; }

    /// <summary>Gets or sets the configuration of <see cref="RecognitionOptions"/> (embedder, gallery thresholds, quality gate).</summary>
    public Action<RecognitionOptions>? Recognition { get; set; }

    /// <summary>Gets or sets the configuration of <see cref="TrackerOptions"/>.</summary>
    public Action<TrackerOptions>? Tracking { get; set; }

    /// <summary>Gets or sets the configuration of <see cref="RetailOptions"/> (required: at least the database path).</summary>
    public Action<RetailOptions>? Retail { get; set; }

    /// <summary>Gets or sets the configuration of <see cref="FaceIdentityOptions"/> (gallery snapshots, default camera).</summary>
    public Action<FaceIdentityOptions>? FaceIdentity { get; set; }
}
