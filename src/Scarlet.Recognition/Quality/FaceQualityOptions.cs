using System.ComponentModel.DataAnnotations;

namespace Scarlet.Recognition;

/// <summary>Limits of <see cref="FaceQualityGate"/>.</summary>
public sealed class FaceQualityOptions
{
    /// <summary>
    /// Gets or sets the smallest face accepted: the shorter side of the detector box, in pixels. The default value is
    /// 40: below it the 112x112 crop is mostly up-sampling and same-person similarity drops (docs/recognition.md).
    /// </summary>
    [Range(0f, 4096f)]
    public float MinFaceSize { get; set; } = 40f;

    /// <summary>
    /// Gets or sets the lowest sharpness accepted: the variance of the Laplacian of the aligned 112x112 grey crop.
    /// The default value is 30: LFW crops measure 100 to 1,000 (5th percentile about 130); a Gaussian blur with
    /// sigma 2 brings them to about 10 (measured in <c>FaceQualityGateTests</c>).
    /// </summary>
    [Range(0.0, 100_000.0)]
    public double MinSharpness { get; set; } = 30.0;

    /// <summary>
    /// Gets or sets the largest head yaw accepted, in degrees, estimated from the nose's offset from the eye midpoint.
    /// The default value is 45.
    /// </summary>
    [Range(0f, 90f)]
    public float MaxYawDegrees { get; set; } = 45f;

    /// <summary>Gets or sets the largest roll (tilt of the eye line) accepted, in degrees. The default value is 45.</summary>
    [Range(0f, 180f)]
    public float MaxRollDegrees { get; set; } = 45f;
}
