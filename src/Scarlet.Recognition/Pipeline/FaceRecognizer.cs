using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenCvSharp;
using Scarlet.Vision;

namespace Scarlet.Recognition;

/// <summary>One face found by <see cref="FaceRecognizer"/>: where it is, how good it is, its embedding and who it is.</summary>
public sealed class RecognizedFace
{
    internal RecognizedFace(FaceDetection detection, FaceQuality quality, float[]? embedding, IdentifyResult? identity)
    {
        Detection = detection;
        Quality = quality;
        Embedding = embedding;
        Identity = identity;
    }

    /// <summary>Gets the detection: box, score and five landmarks in image pixels.</summary>
    public FaceDetection Detection { get; }

    /// <summary>Gets the face box.</summary>
    public BoundingBox Box => Detection.Box;

    /// <summary>Gets the detector score.</summary>
    public float Score => Detection.Score;

    /// <summary>Gets the landmarks.</summary>
    public FaceLandmarks5 Landmarks => Detection.Landmarks;

    /// <summary>Gets the quality measurements and verdict.</summary>
    public FaceQuality Quality { get; }

    /// <summary>Gets the L2-normalised embedding; <see langword="null"/> when the face failed the quality gate (it is not embedded).</summary>
    public float[]? Embedding { get; }

    /// <summary>Gets the identification against the gallery (<see cref="MatchStatus.Unknown"/> for a poor face); <see langword="null"/> when identification was not asked for.</summary>
    public IdentifyResult? Identity { get; }
}

/// <summary>Thrown when an image holds no face good enough for the operation (for example enrolment); the message says why.</summary>
public sealed class NoUsableFaceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NoUsableFaceException()
        : base("No usable face was found.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">Why no face was usable.</param>
    public NoUsableFaceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">Why no face was usable.</param>
    /// <param name="innerException">The cause.</param>
    public NoUsableFaceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the quality of the best face found, if there was one.</summary>
    public FaceQuality? Quality { get; init; }
}

/// <summary>
/// The recognition pipeline hosts call: detect faces in a BGR image, gate their quality, align, embed, and identify
/// against the gallery. Thread-safe (the detector, embedder and gallery are).
/// </summary>
public sealed class FaceRecognizer
{
    private static readonly Counter<long> s_faces = RecognitionDiagnostics.Meter.CreateCounter<long>("scarlet.recognition.faces", "{face}", "Faces recognised, by status.");
    private static readonly Histogram<double> s_latency = RecognitionDiagnostics.Meter.CreateHistogram<double>("scarlet.recognition.duration", "ms", "Time to detect, embed and identify the faces of one image.");
    private static readonly Counter<long> s_refinements = RecognitionDiagnostics.Meter.CreateCounter<long>("scarlet.recognition.refinements", "{face}", "Identified faces by whether their landmarks were refined (refined: true) or the unrefined decision was far enough from the thresholds (refined: false).");

    /// <summary>
    /// The default <see cref="RefinementMargin"/>: the smallest margin whose decisions all agree with always refining, on
    /// LFW's verification pairs (0.075) and on the open-set identification protocol at 1,000 customers (0.125), the larger
    /// of the two; each rule cross-validated (docs/recognition.md).
    /// </summary>
    public const float DefaultRefinementMargin = 0.125f;

    private readonly IFaceDetector _detector;
    private readonly IFaceEmbedder _embedder;
    private readonly FaceAligner _aligner;
    private readonly MirrorLandmarkRefiner? _refiner;
    private readonly float _refinementMargin = DefaultRefinementMargin;

    /// <summary>Creates the pipeline.</summary>
    /// <param name="detector">The face detector.</param>
    /// <param name="embedder">The embedder; its dimension and model must be the gallery's.</param>
    /// <param name="gallery">The gallery identified against.</param>
    /// <param name="qualityGate">The quality gate; defaults when <see langword="null"/>.</param>
    /// <param name="aligner">The aligner; a new one when <see langword="null"/>.</param>
    /// <param name="landmarkRefiner">
    /// Refines the landmarks of faces that pass the quality gate before they are embedded (one more detector run per
    /// face; LFW 99.31 % → 99.43 %, docs/models.md); <see langword="null"/> embeds on the detector's landmarks.
    /// </param>
    /// <exception cref="ArgumentException">The embedder and the gallery disagree on dimension or model.</exception>
    public FaceRecognizer(
        IFaceDetector detector,
        IFaceEmbedder embedder,
        FaceGallery gallery,
        FaceQualityGate? qualityGate = null,
        FaceAligner? aligner = null,
        MirrorLandmarkRefiner? landmarkRefiner = null)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(gallery);
        if (embedder.Dimension != gallery.Dimension || !string.Equals(embedder.ModelId, gallery.ModelId, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                $"The embedder ({embedder.ModelId}, {embedder.Dimension}-d) does not match the gallery ({gallery.ModelId}, {gallery.Dimension}-d).", nameof(gallery));
        }

        _detector = detector;
        _embedder = embedder;
        Gallery = gallery;
        QualityGate = qualityGate ?? new FaceQualityGate();
        _aligner = aligner ?? new FaceAligner();
        _refiner = landmarkRefiner;
    }

    /// <summary>Gets the gallery.</summary>
    public FaceGallery Gallery { get; }

    /// <summary>Gets the face detector.</summary>
    public IFaceDetector Detector => _detector;

    /// <summary>Gets the quality gate.</summary>
    public FaceQualityGate QualityGate { get; }

    /// <summary>
    /// Gets how close (in cosine similarity) an identification made on the detector's own landmarks must come to a
    /// decision boundary for the face to be refined and identified again: its best similarity within this of
    /// <see cref="FaceGalleryOptions.MatchThreshold"/>, or its lead over the runner-up within this of
    /// <see cref="FaceGalleryOptions.Margin"/>. Farther faces keep the unrefined decision and save the landmark refiner's
    /// detector run (about a third of a request). Enrolment (<see cref="LargestFace"/>, <see cref="Enroll"/>) and
    /// <see cref="Analyze"/> without identification always refine: a stored template is worth the run. 0 never refines an
    /// identified face, 2 always does. The default value is <see cref="DefaultRefinementMargin"/>; no effect without a
    /// landmark refiner.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 2].</exception>
    public float RefinementMargin
    {
        get => _refinementMargin;
        init
        {
            if (!(value >= 0f && value <= 2f))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The refinement margin is a cosine similarity difference, 0 to 2.");
            }

            _refinementMargin = value;
        }
    }

    /// <summary>Detects, gates, embeds and identifies every face of a frame.</summary>
    /// <param name="frame">The frame; not disposed.</param>
    /// <returns>
    /// One entry per detected face, best detector score first; detections the gate takes for something that is not a
    /// face (<see cref="FaceQualityGate.IsFace"/>) are left out.
    /// </returns>
    public IReadOnlyList<RecognizedFace> Recognize(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return Recognize(frame.Image);
    }

    /// <summary>Detects, gates, embeds and identifies every face of an image.</summary>
    /// <param name="image">An 8-bit BGR image; not modified, not disposed.</param>
    /// <param name="identify">Whether to identify against the gallery (else only embed).</param>
    /// <returns>
    /// One entry per detected face, best detector score first. Detections below
    /// <see cref="FaceQualityOptions.MinDetectionScore"/> are left out: they are probably not faces (a painting, a
    /// pattern), and reporting them, even as unknown, would show callers a person who is not there. Real faces that fail
    /// the other checks (size, pose, blur) are kept, with <see cref="MatchStatus.Unknown"/> and no embedding.
    /// </returns>
    /// <exception cref="ArgumentException">The image is empty, disposed or not 8-bit BGR.</exception>
    public IReadOnlyList<RecognizedFace> Recognize(Mat image, bool identify = true) => Recognize(image, identify ? Gallery : null);

    /// <summary>
    /// Detects, gates, embeds and identifies every face of an image against <paramref name="gallery"/> (a host's
    /// per-organisation gallery rather than <see cref="Gallery"/>); faces are refined only near a decision boundary
    /// (<see cref="RefinementMargin"/>).
    /// </summary>
    /// <param name="image">An 8-bit BGR image; not modified, not disposed.</param>
    /// <param name="gallery">The gallery identified against (same model and dimension as the embedder); <see langword="null"/> only embeds (always refined).</param>
    /// <returns>As <see cref="Recognize(Mat, bool)"/>.</returns>
    /// <exception cref="ArgumentException">The image is empty, disposed or not 8-bit BGR.</exception>
    public IReadOnlyList<RecognizedFace> Recognize(Mat image, FaceGallery? gallery)
    {
        var start = Stopwatch.GetTimestamp();
        var faces = _detector.Detect(image);
        var result = new List<RecognizedFace>(faces.Count);
        foreach (var face in faces)
        {
            if (QualityGate.IsFace(face))
            {
                result.Add(AnalyzeFor(image, face, gallery));
            }
        }

        s_latency.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        return result;
    }

    /// <summary>Gates, embeds and identifies one face already detected in <paramref name="image"/> (trackers call this once per track).</summary>
    /// <param name="image">The image the face was detected in.</param>
    /// <param name="face">The detection.</param>
    /// <param name="identify">Whether to identify against the gallery.</param>
    /// <returns>The recognised face.</returns>
    public RecognizedFace Analyze(Mat image, in FaceDetection face, bool identify = true) => AnalyzeFor(image, face, identify ? Gallery : null);

    private RecognizedFace AnalyzeFor(Mat image, in FaceDetection face, FaceGallery? gallery)
    {
        var identify = gallery is not null;
        using var crop = Align(image, face.Landmarks);
        FaceQuality quality;
        using (RecognitionDiagnostics.Source.StartActivity("face.quality"))
        {
            quality = QualityGate.Evaluate(face, crop);
        }

        if (!quality.IsAcceptable)
        {
            var unknown = identify ? IdentifyResult.UnknownFace : null;
            Count(MatchStatus.Unknown);
            return new RecognizedFace(face, quality, null, unknown);
        }

        float[] embedding;
        IdentifyResult? identity = null;
        if (_refiner is null)
        {
            embedding = _embedder.Embed(crop);
            identity = gallery?.Identify(embedding, quality);
        }
        else if (gallery is not null && _refinementMargin < 2f)
        {
            // Identify on the detector's landmarks first; refinement moves a similarity by a few hundredths, so only a
            // decision that close to a boundary can change (the margin is chosen on held-out folds).
            embedding = _embedder.Embed(crop);
            identity = gallery.Identify(embedding, quality);
            var refine = IsNearDecision(identity, gallery.Options, _refinementMargin);
            s_refinements.Add(1, new KeyValuePair<string, object?>("refined", refine));
            if (refine)
            {
                using var refined = Align(image, _refiner.Refine(image, face));
                embedding = _embedder.Embed(refined);
                identity = gallery.Identify(embedding, quality);
            }
        }
        else
        {
            // Refined only after the gate: a rejected face is not worth the extra detector run.
            using var refined = Align(image, _refiner.Refine(image, face));
            embedding = _embedder.Embed(refined);
            identity = gallery?.Identify(embedding, quality);
            if (identity is not null)
            {
                s_refinements.Add(1, new KeyValuePair<string, object?>("refined", true));
            }
        }

        if (identity is not null)
        {
            Count(identity.Status);
        }

        return new RecognizedFace(face, quality, embedding, identity);
    }

    /// <summary>The largest face of an image that passes the quality gate, embedded (for enrolment and 1:1 checks).</summary>
    /// <param name="image">An 8-bit BGR image.</param>
    /// <returns>The face, with its embedding.</returns>
    /// <exception cref="NoUsableFaceException">
    /// No face was found (detections below <see cref="FaceQualityOptions.MinDetectionScore"/> do not count), or the
    /// largest fails the gate (the message gives the reason).
    /// </exception>
    public RecognizedFace LargestFace(Mat image)
    {
        // Only detections that are faces compete: a large painted face behind the person must not be enrolled.
        var faces = _detector.Detect(image);
        var largest = -1;
        for (var i = 0; i < faces.Count; i++)
        {
            if (QualityGate.IsFace(faces[i]) && (largest < 0 || faces[i].Box.Area > faces[largest].Box.Area))
            {
                largest = i;
            }
        }

        if (largest < 0)
        {
            throw new NoUsableFaceException("No face was found in the image.");
        }

        var face = Analyze(image, faces[largest], identify: false);
        if (face.Embedding is null)
        {
            throw new NoUsableFaceException($"The face is not usable: {face.Quality.Reason}.") { Quality = face.Quality };
        }

        return face;
    }

    /// <summary>Enrols the largest usable face of each image for an identity.</summary>
    /// <param name="identityId">The identity.</param>
    /// <param name="images">One or more 8-bit BGR images, each showing the person.</param>
    /// <returns>The enrolment result (faces matching another identity are reported as duplicates, not added).</returns>
    /// <exception cref="NoUsableFaceException">An image has no usable face; nothing is enrolled then.</exception>
    public EnrollResult Enroll(string identityId, IReadOnlyList<Mat> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var embeddings = new float[images.Count][];
        for (var i = 0; i < images.Count; i++)
        {
            embeddings[i] = LargestFace(images[i]).Embedding!;
        }

        return Gallery.Enroll(identityId, embeddings);
    }

    /// <summary>
    /// Whether an identification lies within <paramref name="margin"/> of a boundary of <see cref="FaceGallery.Decide"/>:
    /// the best similarity near the match threshold, or, at or above it, the lead over the runner-up near the gallery's margin.
    /// This is the rule that decides when a face is refined (<see cref="RefinementMargin"/>); evaluations use it to score
    /// the conditional path.
    /// </summary>
    /// <param name="identity">The identification on the unrefined embedding.</param>
    /// <param name="options">The gallery's options (match threshold, margin).</param>
    /// <param name="margin">The refinement margin.</param>
    /// <returns>Whether refining could change the decision.</returns>
    public static bool IsNearDecision(IdentifyResult identity, FaceGalleryOptions options, float margin)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(options);
        if (identity.Best is not { } best)
        {
            return false; // an empty gallery: nothing to decide
        }

        if (Math.Abs(best.Similarity - options.MatchThreshold) < margin)
        {
            return true;
        }

        return best.Similarity >= options.MatchThreshold && identity.RunnerUp is { } runnerUp
            && Math.Abs(best.Similarity - runnerUp.Similarity - options.Margin) < margin;
    }

    private Mat Align(Mat image, FaceLandmarks5 landmarks)
    {
        using var activity = RecognitionDiagnostics.Source.StartActivity("face.align");
        return _aligner.Align(image, landmarks);
    }

    private static void Count(MatchStatus status) =>
        s_faces.Add(1, new KeyValuePair<string, object?>("status", status.ToString()));
}
