using System.ComponentModel.DataAnnotations;

namespace Scarlet.Recognition;

/// <summary>Limits of <see cref="FaceQualityGate"/>.</summary>
public sealed class FaceQualityOptions
{
    /// <summary>
    /// Gets or sets the lowest detector score of a face; below it the detection is taken for something that is not a face
    /// (a painting, a pattern, an animal): <see cref="FaceRecognizer.Recognize(OpenCvSharp.Mat, bool)"/> leaves it out and
    /// <see cref="FaceQualityGate"/> reports <see cref="FaceQualityIssue.LowDetectionScore"/>. The default value is 0.72,
    /// chosen with YuNet-s 2023mar on 694 labelled detections of shared/data (632 faces, 62 not) by 2-fold
    /// cross-validation, for the highest recall at precision 0.995 or more: held out, precision 0.9960 and recall 0.7864
    /// of the whole gate (recall counts every labelled face, small background ones included; all 300 LFW subjects of the
    /// set pass). Command: <c>scarlet face-gate evaluate --data ../shared/data --labels tests/data/face-detections-labelled.csv</c>;
    /// docs/recognition.md, "Face gate". Tight face crops score lower (6 of the 25 150x150 face-api.js chips fall below
    /// 0.72): enrol from photos with some margin around the head. A value under the detector's own threshold
    /// (<c>FaceDetectorOptions.ScoreThreshold</c>, 0.6) has no effect; another detector model needs its own value.
    /// </summary>
    [Range(0f, 1f)]
    public float MinDetectionScore { get; set; } = 0.72f;

    /// <summary>
    /// Gets or sets the smallest face accepted: the shorter side of the detector box, in pixels. The default value is
    /// 40: on 30 LFW same-person pairs with one face shrunk, the mean same-person cosine was 0.68 at ~95 px, 0.64 at ~38 px,
    /// 0.58 at ~27 px and 0.43 at ~19 px (<c>FaceSizeTests</c>); below about 40 px it falls quickly towards the 0.30 threshold.
    /// The face-gate cross-validation tried 40 to 80 px and kept 40.
    /// </summary>
    [Range(0f, 4096f)]
    public float MinFaceSize { get; set; } = 40f;

    /// <summary>
    /// Gets or sets the lowest sharpness accepted: the variance of the Laplacian of the aligned 112x112 grey crop.
    /// The default value is 25: on 60 LFW crops the sharpness measured median 167, 5th percentile 41, minimum 11; the same
    /// crops blurred with a Gaussian of sigma 2 measured median 8.9, maximum 19.4 (<c>FaceQualityGateTests</c>). The face-gate
    /// cross-validation tried 25 to 100 and kept 25.
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
