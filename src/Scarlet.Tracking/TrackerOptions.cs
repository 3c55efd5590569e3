using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Scarlet.Tracking;

/// <summary>
/// Options of <see cref="MultiObjectTracker"/>. The defaults are ByteTrack's published MOT17 settings plus camera-motion
/// compensation from boxes; the MOTChallenge evaluation that checked them is in <c>docs/tracking.md</c>.
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

    /// <summary>
    /// Gets or sets whether the tracker compensates camera motion without images: each frame it estimates a global
    /// similarity (scale, rotation, shift) from the centres of last frame's matched boxes to this frame's high
    /// detections (mutual nearest neighbours, deterministic RANSAC) and warps every track's Kalman state by it before
    /// association. A motion is applied only when the pairs support it (<see cref="CameraMotionIdentityMargin"/>,
    /// <see cref="CameraMotionMaxResidualRatio"/>, <see cref="CameraMotionMinShift"/>) in two frames in a row, or when
    /// it shifts the boxes by at least 0.2 box heights at once (a jerk), so a fixed camera is left alone in almost
    /// every frame and its output stays as without compensation. ByteTrack mode only. On by default
    /// since the support test: it gains on the moving-camera MOT17-05 and no longer costs IDF1 on the fixed-camera
    /// PETS09-S2L1 (docs/tracking.md).
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool CameraMotionCompensation { get; set; } = true;

    /// <summary>
    /// Gets or sets the largest residual, as a fraction of the box height, at which a box pair agrees with a camera
    /// motion hypothesis (RANSAC inlier threshold). People walking move about 0.02–0.05 box heights per frame, so the
    /// threshold must exceed that or a moving crowd is taken for camera motion's outliers.
    /// </summary>
    /// <value>The default value is 0.1.</value>
    [Range(0.001, 1.0)]
    public float CameraMotionInlierThreshold { get; set; } = 0.1f;

    /// <summary>Gets or sets the fewest agreeing box pairs for a camera motion estimate to be applied (else no warp this frame).</summary>
    /// <value>The default value is 4.</value>
    [Range(2, 10_000)]
    public int CameraMotionMinInliers { get; set; } = 4;

    /// <summary>
    /// Gets or sets how many times more box pairs a camera motion must explain than "no motion" does before it is
    /// applied. Above 1 it keeps a fixed camera free of small spurious warps (which cost IDF1 on MOT17's static
    /// sequences); slow pans it ignores are left to the Kalman velocity.
    /// </summary>
    /// <value>The default value is 1.1.</value>
    [Range(1.0, 100.0)]
    public float CameraMotionIdentityMargin { get; set; } = 1.1f;

    /// <summary>
    /// Gets or sets how much better than "no motion" a camera motion must explain the box pairs before it is applied:
    /// the largest ratio of its robust residual (squared errors in box heights, capped at
    /// <see cref="CameraMotionInlierThreshold"/>, summed over every pair) to the same sum with no motion. 1 turns the
    /// test off. Chosen on sequences with a known fixed or moving camera that are not scored (docs/tracking.md): the
    /// loosest ratio at which the fixed ones are warped in at most 0.1 % of their frames.
    /// </summary>
    /// <value>The default value is 0.5.</value>
    [Range(0.0, 1.0)]
    public float CameraMotionMaxResidualRatio { get; set; } = 0.5f;

    /// <summary>
    /// Gets or sets the smallest mean shift, in box heights, that a camera motion must give the box pairs before it is
    /// applied (the noise floor: detection jitter alone moves a box by a few hundredths of its height). 0 turns the
    /// test off.
    /// </summary>
    /// <value>The default value is 0.03.</value>
    [Range(0.0, 1.0)]
    public float CameraMotionMinShift { get; set; } = 0.03f;

    /// <summary>
    /// Gets or sets whether a track re-found after missed frames re-runs its Kalman filter over the gap on virtual
    /// observations interpolated between the last and the new detection (OC-SORT's observation-centric re-update), so
    /// the velocity drift accumulated while unobserved does not carry on. ByteTrack mode only.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool ObservationCentricReUpdate { get; set; }

    /// <summary>
    /// Gets or sets the weight of OC-SORT's momentum (direction consistency) term in the first association: a pair
    /// gains <c>weight × score × (π/2 − |Δθ|)/π</c>, where Δθ is the angle between the track's recent direction of
    /// motion and the direction from its earlier observation to the detection. Only ranks pairs that pass the IoU gate.
    /// The term is scaled by how far the track's direction stands above detection jitter, so people standing still do
    /// not steer it. 0 turns it off (OC-SORT uses 0.2 on MOT17). ByteTrack mode only. The default was chosen by
    /// leave-one-sequence-out over MOT17 and MOT15 raw detections (docs/tracking.md).
    /// </summary>
    /// <value>The default value is 0.3.</value>
    [Range(0.0, 10.0)]
    public float MomentumWeight { get; set; } = 0.3f;

    /// <summary>Gets or sets how many frames back the momentum term looks for the observation its direction starts from (OC-SORT's delta_t).</summary>
    /// <value>The default value is 8.</value>
    [Range(1, 30)]
    public int MomentumDeltaFrames { get; set; } = 8;

    /// <summary>
    /// Gets or sets the minimum IoU for OC-SORT's observation-centric recovery: after the two ByteTrack stages, tracks
    /// still unmatched are tried against the remaining high detections by their last observed box instead of their
    /// Kalman prediction (which drifts while a person is unseen). 0 turns it off (OC-SORT uses 0.3). ByteTrack mode only.
    /// On by default, limited to established tracks (<see cref="RecoveryMinHits"/>) away from the picture's edge
    /// (<see cref="RecoverySkipsBorderTracks"/>); the three were chosen together by leave-one-sequence-out over MOT17
    /// and MOT15 raw detections (docs/tracking.md).
    /// </summary>
    /// <value>The default value is 0.4.</value>
    [Range(0.0, 1.0)]
    public float RecoveryMinIoU { get; set; } = 0.4f;

    /// <summary>
    /// Gets or sets the fewest detections a track must have had for the observation-centric recovery
    /// (<see cref="RecoveryMinIoU"/>) to try it: a short track's identity is itself unsure, and re-attaching it by an
    /// old box merges people more often than it mends a gap. 0 = every track (OC-SORT). ByteTrack mode only.
    /// </summary>
    /// <value>The default value is 60.</value>
    [Range(0, 10_000)]
    public int RecoveryMinHits { get; set; } = 60;

    /// <summary>
    /// Gets or sets whether the observation-centric recovery (<see cref="RecoveryMinIoU"/>) leaves alone tracks whose
    /// last observed box touched the edge of the picture: such a person most likely walked out of view, and whoever
    /// enters at the same spot later is someone else. The picture's extent is taken from the detections seen so far
    /// (left and top at 0, right and bottom at the furthest box edge), so no image size is needed. ByteTrack mode only.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RecoverySkipsBorderTracks { get; set; } = true;

    /// <summary>
    /// Gets or sets how many consecutive frames a tentative track (one detection so far) may miss before it is
    /// dropped. ByteTrack drops it at the first miss, so a person whose second detection is missed starts over
    /// under a new id. ByteTrack mode only.
    /// </summary>
    /// <value>The default value is 0.</value>
    [Range(0, 30)]
    public int TentativeMaxMisses { get; set; }

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

    /// <summary>Whether a confirmed track's box is reported (<see cref="MinBoxArea"/>, <see cref="MaxAspectRatio"/>).</summary>
    internal bool IsReportable(Vision.BoundingBox b) =>
        (MinBoxArea <= 0 || b.Width * b.Height > MinBoxArea)
        && (MaxAspectRatio <= 0 || b.Width / b.Height <= MaxAspectRatio);
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
