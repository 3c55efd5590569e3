using OpenCvSharp;
using Scarlet.Recognition;
using Scarlet.Tracking.CrossCamera;
using Scarlet.Tracking.Identity;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;

namespace Scarlet.Evaluation.Tracking;

/// <summary>What a track ended as.</summary>
public enum TrackOutcome
{
    /// <summary>Named as the right customer, and never as another.</summary>
    Correct,

    /// <summary>Named as a wrong customer at some point (for a stranger: named at all).</summary>
    Wrong,

    /// <summary>Never named (unknown or undecided).</summary>
    Unnamed,
}

/// <summary>One person's photo sequence for <see cref="VideoRecognitionEvaluation"/>.</summary>
/// <param name="Name">The person (the gallery identity when enrolled).</param>
/// <param name="Photos">The photos shown in turn (none of them enrolled).</param>
/// <param name="Enrolled">Whether the person is in the gallery.</param>
public sealed record VideoRecognitionSequence(string Name, IReadOnlyList<string> Photos, bool Enrolled);

/// <summary>The outcome of one sequence, by the track vote and by single-frame decisions.</summary>
/// <param name="Name">The person.</param>
/// <param name="Enrolled">Whether the person is in the gallery.</param>
/// <param name="Vote">The track vote's outcome.</param>
/// <param name="VoteSecondsToCorrect">Seconds from the first frame to the first correct naming by the vote (null when never).</param>
/// <param name="SingleFrame">The outcome when every frame's best face decides on its own (a MATCHED face names the track).</param>
/// <param name="SingleFrameSecondsToCorrect">Seconds to the first correct single-frame naming (null when never).</param>
/// <param name="Frames">Frames shown.</param>
/// <param name="TrackedFrames">Frames on which a confirmed track covered the person (the rest: not yet confirmed or lost).</param>
/// <param name="Tracks">How many different tracks covered the person (more than one: the tracker lost and restarted it, and the vote with it).</param>
public sealed record VideoRecognitionTrackResult(string Name, bool Enrolled, TrackOutcome Vote, double? VoteSecondsToCorrect, TrackOutcome SingleFrame, double? SingleFrameSecondsToCorrect, int Frames, int TrackedFrames, int Tracks);

/// <summary>One face observation of a sequence (for replaying votes with other settings).</summary>
/// <param name="Frame">The frame index.</param>
/// <param name="IdentityId">The best gallery identity (null for an empty gallery).</param>
/// <param name="Similarity">Its similarity.</param>
/// <param name="Size">The face size (pixels).</param>
/// <param name="Score">The detector score.</param>
/// <param name="Matched">Whether the gallery's single-face decision is MATCHED.</param>
public readonly record struct FaceObservation(int Frame, string? IdentityId, float Similarity, float Size, float Score, bool Matched);

/// <summary>Settings of <see cref="VideoRecognitionEvaluation"/>.</summary>
public sealed class VideoRecognitionOptions
{
    /// <summary>Gets or sets how many frames each photo is shown. The default value is 3.</summary>
    public int FramesPerPhoto { get; set; } = 3;

    /// <summary>Gets or sets the frame rate the time to identification is counted in. The default value is 10.</summary>
    public double FrameRate { get; set; } = 10;

    /// <summary>Gets or sets the seed of the motion, scale, blur and occlusion.</summary>
    public int Seed { get; set; } = 14;

    /// <summary>
    /// Gets or sets where the camera pipeline looks for faces. The default value, <see cref="FaceSearchMode.Both"/>, is
    /// how a close camera (faces of 45–95 px, as here) is set up: the whole frame finds faces the person detector gives no
    /// box, and they anchor tracks of their own (<see cref="CameraPipelineOptions.FaceAnchoredTracks"/>).
    /// </summary>
    public FaceSearchMode FaceSearch { get; set; } = FaceSearchMode.Both;

    /// <summary>Gets or sets <see cref="CameraPipelineOptions.FaceAnchoredTracks"/> of the camera pipeline. The default value is <see langword="true"/>.</summary>
    public bool FaceAnchoredTracks { get; set; } = true;
}

/// <summary>
/// Recognition on video, built from real data: a person's own photos (LFW) shown one after another as a face moving
/// over a real video background (PETS09 frames), several frames per photo, with scale changes (face about 45–95 px),
/// blur (σ up to 1.5 px) and partial occlusion (a quarter to a third of the head covered on one frame in four); the
/// camera pipeline tracks the person, finds the face per track and decides the track by its vote; the same frames are
/// also decided face by face (the gallery's single-face rule) for comparison. Enrolled customers and strangers.
/// </summary>
public sealed class VideoRecognitionEvaluation
{
    private readonly IPersonDetector _persons;
    private readonly FaceModels _faces;
    private readonly string _videoPath;

    /// <summary>Creates the evaluation.</summary>
    /// <param name="persons">The person detector of the pipeline.</param>
    /// <param name="faces">The face models (their gallery holds the enrolled customers and any distractors).</param>
    /// <param name="videoPath">The background video (frames are read in turn, looping).</param>
    public VideoRecognitionEvaluation(IPersonDetector persons, FaceModels faces, string videoPath)
    {
        ArgumentNullException.ThrowIfNull(persons);
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentException.ThrowIfNullOrWhiteSpace(videoPath);
        _persons = persons;
        _faces = faces;
        _videoPath = videoPath;
    }

    /// <summary>Plays one sequence through a fresh camera pipeline with <paramref name="voting"/>.</summary>
    /// <param name="sequence">The person and photos.</param>
    /// <param name="voting">The track vote's settings.</param>
    /// <param name="options">The settings.</param>
    /// <param name="observations">Receives every frame's face observation (for <see cref="Replay"/>), or null.</param>
    /// <returns>The outcome.</returns>
    public VideoRecognitionTrackResult Run(VideoRecognitionSequence sequence, IdentityVotingOptions voting, VideoRecognitionOptions options, List<FaceObservation>? observations = null)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentNullException.ThrowIfNull(voting);
        ArgumentNullException.ThrowIfNull(options);
        // A seed stable across processes (string hash codes are randomised per process).
        var random = new Random(sequence.Name.Aggregate(options.Seed, (h, ch) => unchecked((h * 31) + ch)));
        var pipelineOptions = new CameraPipelineOptions
        {
            CameraId = "bench",
            FaceInterval = 1,
            FaceSearch = options.FaceSearch,
            FaceAnchoredTracks = options.FaceAnchoredTracks,
            Voting = voting,
            Tracker = new TrackerOptions { FrameRate = options.FrameRate },
        };
        using var pipeline = new CameraPipeline(pipelineOptions, new CameraPipelineModels(_persons, null, _faces), new CrossCameraResolver(), new IdentityTracker());
        using var capture = new VideoCapture(_videoPath);
        var total = sequence.Photos.Count * options.FramesPerPhoto;
        var voteWrong = false;
        var singleWrong = false;
        int? voteFirst = null;
        int? singleFirst = null;
        string? lastVote = null;
        var tracked = 0;
        var trackIds = new HashSet<int>();
        // The person walks across and towards (or away from) the camera: the scale changes smoothly, as a tracker sees it.
        var scaleFrom = 0.45 + (0.5 * random.NextDouble());
        var scaleTo = 0.45 + (0.5 * random.NextDouble());
        var startX = random.NextSingle() * 0.2f;
        var y = 0.1f + (random.NextSingle() * 0.3f);
        var frameIndex = 0;
        using var background = new Mat();
        foreach (var photoPath in sequence.Photos)
        {
            using var photo = Cv2.ImRead(photoPath, ImreadModes.Color);
            if (photo.Empty())
            {
                throw new InvalidDataException($"Cannot read {photoPath}.");
            }

            for (var k = 0; k < options.FramesPerPhoto; k++, frameIndex++)
            {
                if (!capture.Read(background) || background.Empty())
                {
                    capture.Set(VideoCaptureProperties.PosFrames, 0);
                    capture.Read(background);
                }

                using var image = background.Clone();
                var t = (double)frameIndex / Math.Max(1, total - 1);
                var patch = Compose(image, photo, startX + (0.5f * (float)t), y, scaleFrom + ((scaleTo - scaleFrom) * t), random);
                using var frame = new Frame(image.Clone(), "bench", DateTimeOffset.UnixEpoch.AddSeconds(frameIndex / options.FrameRate), frameIndex);
                var update = pipeline.Process(frame);
                var covering = Covering(update.Persons, patch);
                if (covering is { } c)
                {
                    tracked++;
                    trackIds.Add(c.TrackId);
                }
                if (covering?.CustomerId is { } named)
                {
                    lastVote = named;
                    if (!sequence.Enrolled || !string.Equals(named, sequence.Name, StringComparison.Ordinal))
                    {
                        voteWrong = true;
                    }
                    else
                    {
                        voteFirst ??= frameIndex;
                    }
                }

                if (SingleFrame(image, patch, frameIndex) is { } seen)
                {
                    observations?.Add(seen);
                    if (seen.Matched)
                    {
                        if (!sequence.Enrolled || !string.Equals(seen.IdentityId, sequence.Name, StringComparison.Ordinal))
                        {
                            singleWrong = true;
                        }
                        else
                        {
                            singleFirst ??= frameIndex;
                        }
                    }
                }
            }
        }

        var vote = voteWrong ? TrackOutcome.Wrong : lastVote is null ? TrackOutcome.Unnamed : TrackOutcome.Correct;
        var single = singleWrong ? TrackOutcome.Wrong : singleFirst is null ? TrackOutcome.Unnamed : TrackOutcome.Correct;
        return new VideoRecognitionTrackResult(sequence.Name, sequence.Enrolled, vote, voteFirst / options.FrameRate, single, singleFirst / options.FrameRate, total, tracked, trackIds.Count);
    }

    /// <summary>
    /// Replays recorded face observations through a track vote with other settings (to choose settings on one split
    /// without running the pipeline per setting): every observation votes, as every face of an undecided track does.
    /// </summary>
    /// <param name="sequence">The sequence the observations came from.</param>
    /// <param name="observations">Its observations in frame order.</param>
    /// <param name="voting">The settings.</param>
    /// <returns>The outcome by the vote.</returns>
    public static TrackOutcome Replay(VideoRecognitionSequence sequence, IReadOnlyList<FaceObservation> observations, IdentityVotingOptions voting)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentNullException.ThrowIfNull(observations);
        var voter = new TrackIdentityVoter(voting);
        var named = false;
        foreach (var o in observations)
        {
            var d = voter.Add(o.IdentityId, o.Similarity, o.Size, Math.Clamp(o.Score, 0.01f, 1f));
            if (d.Status == TrackIdentityStatus.Known)
            {
                if (!sequence.Enrolled || !string.Equals(d.IdentityId, sequence.Name, StringComparison.Ordinal))
                {
                    return TrackOutcome.Wrong;
                }

                named = true;
            }
        }

        return named ? TrackOutcome.Correct : TrackOutcome.Unnamed;
    }

    // The photo (a head-and-shoulders view) at the given scale, lightly blurred, sometimes partly covered, pasted with its
    // top-left at (x, y) in frame fractions; returns where it went.
    private static Rect Compose(Mat image, Mat photo, float x, float y, double scale, Random random)
    {
        var side = (int)Math.Round(Math.Min(image.Height * 0.8, photo.Height * scale * (image.Height / 576.0)));
        var rect = new Rect((int)(x * (image.Width - side)), (int)(y * (image.Height - side)), side, side).Intersect(new Rect(0, 0, image.Width, image.Height));
        using var scaled = new Mat();
        Cv2.Resize(photo, scaled, rect.Size, 0, 0, InterpolationFlags.Area);
        var sigma = random.NextDouble() * 1.5;
        if (sigma > 0.3)
        {
            Cv2.GaussianBlur(scaled, scaled, new Size(0, 0), sigma);
        }

        if (random.NextDouble() < 0.25)
        {
            // A shelf edge or another shopper: a quarter to a third of the head from one side.
            var w = (int)(side * (0.25 + (0.08 * random.NextDouble())));
            var left = random.Next(2) == 0;
            using var cover = new Mat(scaled, new Rect(left ? (int)(side * 0.2) : side - (int)(side * 0.2) - w, 0, w, side));
            cover.SetTo(new Scalar(90, 90, 90));
        }

        using var target = new Mat(image, rect);
        scaled.CopyTo(target);
        return rect;
    }

    private static TrackedPerson? Covering(IReadOnlyList<TrackedPerson> persons, Rect patch)
    {
        TrackedPerson? best = null;
        var bestIoU = 0.3f;
        var p = new BoundingBox(patch.X, patch.Y, patch.Width, patch.Height);
        foreach (var t in persons)
        {
            var iou = BoundingBox.IoU(t.Box, p);
            if (iou > bestIoU)
            {
                bestIoU = iou;
                best = t;
            }
        }

        return best;
    }

    // The gallery's single-face decision on the best face inside the patch (searched in the patch at native resolution).
    private FaceObservation? SingleFrame(Mat image, Rect patch, int frame)
    {
        using var crop = new Mat(image, patch);
        var faces = _faces.Detector.Detect(crop);
        if (faces.Count == 0)
        {
            return null;
        }

        var recognized = _faces.Recognizer.Analyze(crop, faces[0], identify: false);
        if (recognized.Embedding is null)
        {
            return null;
        }

        var found = _faces.Gallery.Identify(recognized.Embedding, recognized.Quality);
        var size = MathF.Min(faces[0].Box.Width, faces[0].Box.Height);
        return new FaceObservation(frame, found.Best?.IdentityId, found.Best?.Similarity ?? float.NaN, size, faces[0].Score, found.Status == MatchStatus.Matched);
    }
}
