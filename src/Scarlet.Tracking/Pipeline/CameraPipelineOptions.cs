using System.ComponentModel.DataAnnotations;
using Scarlet.Tracking.Geometry;
using Scarlet.Tracking.Identity;
using Scarlet.Vision;

namespace Scarlet.Tracking.Pipeline;

/// <summary>A counting line of a camera.</summary>
/// <param name="Name">The line name.</param>
/// <param name="A">First end point (image pixels).</param>
/// <param name="B">Second end point (image pixels).</param>
public sealed record LineDefinition(string Name, PointF A, PointF B);

/// <summary>Where a camera pipeline looks for faces.</summary>
public enum FaceSearchMode
{
    /// <summary>The face detector on the whole frame (scaled to its input: faces under about 3 % of the frame width are lost).</summary>
    WholeFrame,

    /// <summary>The head regions of the tracks that still need a face, at native resolution (<see cref="HeadRegionFaceSearch"/>), within <see cref="CameraPipelineOptions.FaceCropsPerFrame"/>.</summary>
    PersonCrops,

    /// <summary>The whole frame, then the head regions of the tracks it gave no face.</summary>
    Both,
}

/// <summary>Options of one <see cref="CameraPipeline"/>.</summary>
public sealed class CameraPipelineOptions
{
    /// <summary>Gets or sets the camera id (unique per host).</summary>
    [Required]
    [MinLength(1)]
    public string CameraId { get; set; } = "";

    /// <summary>Gets or sets the source: a file, folder, rtsp:// or http(s):// MJPEG URL (see <see cref="FrameSourceFactory"/>). May be empty when a source object is given.</summary>
    public string? Source { get; set; }

    /// <summary>Gets or sets the source options (loop, pacing, reconnects).</summary>
    public FrameSourceOptions SourceOptions { get; set; } = new() { RealTimePacing = true };

    /// <summary>Gets or sets the capacity of the capture-to-inference queue (1 keeps only the newest frame).</summary>
    [Range(1, 64)]
    public int QueueCapacity { get; set; } = 1;

    /// <summary>
    /// Gets or sets whether a busy inference drops the oldest queued frame (live video never falls behind; drops are
    /// counted). False makes capture wait instead (offline processing of files: every frame is tracked).
    /// </summary>
    public bool DropWhenBusy { get; set; } = true;

    /// <summary>
    /// Gets or sets the most frames per second the inference loop processes (0: as many as it can). Frames that arrive
    /// while it waits are dropped like frames that arrive while it is busy: a cap on CPU use, never on freshness.
    /// </summary>
    [Range(0.0, 1000.0)]
    public double MaxProcessingFps { get; set; }

    /// <summary>Gets or sets the detection interval: the person detector runs on every k-th processed frame; frames in between carry the last boxes over.</summary>
    [Range(1, 100)]
    public int DetectionInterval { get; set; } = 1;

    /// <summary>Gets or sets whether person re-ID embeddings feed the tracker and the cross-camera resolver (needs a re-ID model).</summary>
    public bool EnableReId { get; set; }

    /// <summary>Gets or sets whether faces are detected and identified (when the models include <see cref="CameraPipelineModels.Faces"/>).</summary>
    public bool EnableFaces { get; set; } = true;

    /// <summary>Gets or sets the face interval: faces are looked for on every k-th detection frame.</summary>
    [Range(1, 1000)]
    public int FaceInterval { get; set; } = 2;

    /// <summary>Gets or sets how much larger (relative size × score) a new face must be than the track's best embedded one to be embedded again once the track is known (tracks not yet known take every usable face as a vote).</summary>
    [Range(1.0, 10.0)]
    public double FaceImprovement { get; set; } = 1.2;

    /// <summary>
    /// Gets or sets whether each track's face attributes (age, gender, emotion) are estimated: once, on its first usable
    /// face, and at most once more on a clearly better one (<see cref="AttributeImprovement"/>), so the cost is per
    /// track, not per face. Needs <see cref="FaceModels.Attributes"/>. The default value is <see langword="false"/>.
    /// </summary>
    public bool EnableAttributes { get; set; }

    /// <summary>Gets or sets how much larger (relative size × score) a face must be than the one a track's attributes came from for them to be estimated again (once). The default value is 1.5.</summary>
    [Range(1.0, 10.0)]
    public double AttributeImprovement { get; set; } = 1.5;

    /// <summary>
    /// Gets or sets where faces are looked for. The default value, <see cref="FaceSearchMode.PersonCrops"/>, finds
    /// 16–24 px faces of a 1920x1080 frame that the whole-frame search misses (docs/benchmarks.md, "Faces at store-camera
    /// distances"), at about the cost of one whole-frame detection per four tracks searched.
    /// </summary>
    public FaceSearchMode FaceSearch { get; set; } = FaceSearchMode.PersonCrops;

    /// <summary>
    /// Gets or sets the most head regions searched per face frame (the cost bound): tracks without a decided identity,
    /// those never searched first (newest first), then the longest-waiting; then known tracks due again
    /// (<see cref="KnownFaceInterval"/>). The default value is 4 (one detector run).
    /// </summary>
    [Range(1, 64)]
    public int FaceCropsPerFrame { get; set; } = 4;

    /// <summary>
    /// Gets or sets how often a track whose identity is known has its head region searched again, in face frames
    /// (after the tracks still undecided, within <see cref="FaceCropsPerFrame"/>): a clearly better face
    /// (<see cref="FaceImprovement"/>) then votes again and can re-decide the track. The default value is 5 (with
    /// the default <see cref="FaceInterval"/> of 2 at 10 detection frames per second: once a second).
    /// </summary>
    [Range(1, 1000)]
    public int KnownFaceInterval { get; set; } = 5;

    /// <summary>
    /// Gets or sets whether a face the whole-frame search finds where the person detector found nobody gives a track of
    /// its own (a head-and-shoulders box derived from the face: 2.7 face widths wide, from half a face height above the face
    /// to 2.5 below it), identified by the same vote: a till, kiosk or
    /// entrance camera sees faces whose bodies the frame cuts off. Applies when <see cref="FaceSearch"/> includes the
    /// whole frame (<see cref="FaceSearchMode.WholeFrame"/> or <see cref="FaceSearchMode.Both"/>); the whole-frame faces
    /// are then found on every detection frame (before tracking; a face frame reuses them), and only faces of at least
    /// <see cref="MinFaceSize"/> anchor a track. The default value is <see langword="true"/>.
    /// </summary>
    public bool FaceAnchoredTracks { get; set; } = true;

    /// <summary>
    /// Gets or sets how far (in box heights) a track's box centre must have moved from where the track appeared before
    /// the person counts as present in the live registry (<see cref="IdentityTracker"/>): a static false detection with a
    /// high score never moves. Once moved, a track stays present while it is detected. 0 turns the rule off. The default
    /// value is 0 (off): 0.1 was chosen on PETS09-S2L1 (5 of 8 false tracks removed, 2 of 56 true ones lost), but held
    /// out on MOT17 it keeps 72 of 365 real people's tracks from ever counting (people standing still from the track's
    /// start; docs/pipeline.md "Who is here"), so it suits only a camera where people pass by.
    /// </summary>
    [Range(0.0, 10.0)]
    public float PresenceMinMotion { get; set; }

    /// <summary>
    /// Gets or sets how much of a track's box must change of its own before the person counts as present in the live
    /// registry (<see cref="IdentityTracker"/>): the median, over the track's last 10 detection frames, of the share of
    /// the box's pixels whose grey level changed by more than 30 (of 255) since the previous detection frame (Frigate's
    /// median-of-history false-positive test, on pixel change instead of scores). A person, walking or standing, changes
    /// some of their pixels; a static false detection (a printed figure, a mannequin, a still patch of background) does
    /// not. Once changed, a track stays present while it is detected. 0 turns the rule off. The default value is 0.05,
    /// chosen on the first half of the demo clip (vtest.avi, our own detector) with a factor-2 margin below the
    /// smallest change of a person standing still there, and held out on the second half: the static false positive is
    /// never present, every person standing still for 2 s or more is present from the first frame compared
    /// (docs/pipeline.md "Who is here"). Costs one grey conversion per detection frame while a track is undecided.
    /// </summary>
    [Range(0.0, 1.0)]
    public float PresenceMinChange { get; set; } = 0.05f;

    /// <summary>Gets or sets the smallest face (shorter side, pixels) worth embedding.</summary>
    [Range(1.0, 10_000.0)]
    public float MinFaceSize { get; set; } = 40;

    /// <summary>Gets or sets the tracker options (set <see cref="TrackerOptions.FrameRate"/> to the detection rate).</summary>
    public TrackerOptions Tracker { get; set; } = new();

    /// <summary>Gets or sets the face vote options.</summary>
    public IdentityVotingOptions Voting { get; set; } = new();

    /// <summary>Gets the zones of this camera (image pixels).</summary>
    public IList<Zone> Zones { get; } = [];

    /// <summary>
    /// Gets the zones of this camera in coordinates normalised to the frame (with their kinds), turned into pixels at the
    /// first frame's size; <see cref="CameraPipeline.SetZones"/> replaces them while running.
    /// </summary>
    public IList<CameraZone> CameraZones { get; } = [];

    /// <summary>Gets the counting lines of this camera.</summary>
    public IList<LineDefinition> Lines { get; } = [];

    /// <summary>
    /// Gets or sets how long a person must be outside a zone (or not detected) before the stay ends; shorter gaps, a
    /// missed detection or a foot on the zone's edge, keep one visit. The default value is 1 second.
    /// </summary>
    public TimeSpan ZoneExitGrace { get; set; } = ZoneMonitor.DefaultExitGrace;

    /// <summary>Gets or sets the image-to-floor-plan mapping of this camera, or null.</summary>
    public CameraHomography? Homography { get; set; }

    /// <summary>Returns the problems with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var results = new List<ValidationResult>();
        var errors = new List<string>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
        {
            errors.AddRange(results.Select(r => $"{CameraId}: {r.ErrorMessage}"));
        }

        if (Tracker is null || Voting is null || SourceOptions is null)
        {
            errors.Add($"{CameraId}: Tracker, Voting and SourceOptions are required.");
            return errors;
        }

        if (ZoneExitGrace < TimeSpan.Zero || ZoneExitGrace > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{CameraId}: ZoneExitGrace must be 0 to 10 minutes.");
        }

        errors.AddRange(Tracker.Validate().Select(e => $"{CameraId}: tracker: {e}"));
        errors.AddRange(Voting.Validate().Select(e => $"{CameraId}: voting: {e}"));
        try
        {
            SourceOptions.Validate();
        }
        catch (ArgumentException ex)
        {
            errors.Add($"{CameraId}: source: {ex.Message}");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var l in Lines)
        {
            if (l is null || string.IsNullOrWhiteSpace(l.Name) || !names.Add(l.Name))
            {
                errors.Add($"{CameraId}: every line needs a unique name.");
            }
        }

        return errors;
    }
}
