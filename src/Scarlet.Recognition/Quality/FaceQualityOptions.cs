using System.ComponentModel.DataAnnotations;

namespace Scarlet.Recognition;

/// <summary>Limits of <see cref="FaceQualityGate"/>.</summary>
public sealed class FaceQualityOptions
{
    /// <summary>
    /// Gets or sets the lowest detector score of a face; below it the detection is taken for something that is not a face
    /// (a painting, a pattern) and <see cref="FaceQualityGate"/> reports <see cref="FaceQualityIssue.LowDetectionScore"/>.
    /// The default value is 0.6, the detector's own threshold, so the check changes nothing until a value is chosen on data.
    /// </summary>
    [Range(0f, 1f)]
    public float MinDetectionScore { get; set; } = 0.6f;

    /// <summary>
    /// Gets or sets the smallest face accepted: the shorter side of the detector box, in pixels. The default value is
    /// 40: on 30 LFW same-person pairs with one face shrunk, the mean same-person cosine was 0.68 at ~95 px, 0.64 at ~38 px,
    /// 0.58 at ~27 px and 0.43 at ~19 px (<c>FaceSizeTests</c>); below about 40 px it falls quickly towards the 0.30 threshold.
    /// </summary>
    [Range(0f, 4096f)]
    public float MinFaceSize { get; set; } = 40f;

    /// <summary>
    /// Gets or sets the lowest sharpness accepted: the variance of the Laplacian of the aligned 112x112 grey crop.
    /// The default value is 25: on 60 LFW crops the sharpness measured median 167, 5th percentile 41, minimum 11; the same
    /// crops blurred with a Gaussian of sigma 2 measured median 8.9, maximum 19.4 (<c>FaceQualityGateTests</c>).
    /// </summary>
    [Range(0.0, 100_000.0)]
    public double MinSharpness { get; set; } = 25.0;

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
