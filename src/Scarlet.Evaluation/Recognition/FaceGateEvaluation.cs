using OpenCvSharp;
using Scarlet.Vision;

namespace Scarlet.Evaluation.Recognition;

/// <summary>A labelled detection found again by the detector, with its measured quality.</summary>
/// <param name="Label">The label.</param>
/// <param name="Fold">The cross-validation fold of its image (<see cref="FaceGateEvaluation.AssignFolds"/>).</param>
/// <param name="Quality">
/// The measurements (detector score included) of the detection matching the label, or <see langword="null"/> when the
/// detector no longer finds it at the candidate threshold (it then fails every gate).
/// </param>
public sealed record FaceGateSample(FaceGateLabel Label, int Fold, FaceQuality? Quality);

/// <summary>The labelled detections of a set, measured.</summary>
/// <param name="Samples">One per label, in label order.</param>
/// <param name="UnlabelledDetections">Detections at the candidate threshold that match no label (the label file no longer covers the detector's output when this grows).</param>
public sealed record FaceGateMeasurement(IReadOnlyList<FaceGateSample> Samples, int UnlabelledDetections);

/// <summary>How a gate sorts labelled detections: faces passed and rejected, non-faces passed and rejected.</summary>
/// <param name="FacesPassed">Faces the gate passes (true positives).</param>
/// <param name="FacesRejected">Faces the gate rejects (false negatives).</param>
/// <param name="NonFacesPassed">Non-faces the gate passes (false positives).</param>
/// <param name="NonFacesRejected">Non-faces the gate rejects (true negatives).</param>
public readonly record struct FaceGateCounts(int FacesPassed, int FacesRejected, int NonFacesPassed, int NonFacesRejected)
{
    /// <summary>Gets the share of passed detections that are faces (1 when nothing passes).</summary>
    public double Precision => FacesPassed + NonFacesPassed == 0 ? 1.0 : (double)FacesPassed / (FacesPassed + NonFacesPassed);

    /// <summary>Gets the share of faces that pass (1 when there are none).</summary>
    public double Recall => FacesPassed + FacesRejected == 0 ? 1.0 : (double)FacesPassed / (FacesPassed + FacesRejected);

    /// <summary>Adds two counts.</summary>
    /// <param name="a">The first counts.</param>
    /// <param name="b">The second counts.</param>
    /// <returns>The sums.</returns>
    public static FaceGateCounts operator +(FaceGateCounts a, FaceGateCounts b) =>
        new(a.FacesPassed + b.FacesPassed, a.FacesRejected + b.FacesRejected, a.NonFacesPassed + b.NonFacesPassed, a.NonFacesRejected + b.NonFacesRejected);
}

/// <summary>
/// Builds and replays the labelled detection set behind the face gate (<see cref="FaceQualityOptions.MinDetectionScore"/>
/// and the other limits of <see cref="FaceQualityGate"/>): which images, which detections, which folds, and how a gate
/// scores on them. docs/recognition.md, "Face gate", gives the set and the figures.
/// </summary>
public static class FaceGateEvaluation
{
    /// <summary>The detector score threshold of the candidate list: well below any gate tried, so every gate can be replayed.</summary>
    public const float CandidateScoreThreshold = 0.3f;

    /// <summary>The default number of LFW images in the set.</summary>
    public const int DefaultLfwSample = 300;

    /// <summary>The default seed of the LFW sample.</summary>
    public const int DefaultSeed = 12;

    /// <summary>The lowest IoU at which a detection is taken for a labelled one.</summary>
    public const float MatchIoU = 0.5f;

    private static readonly string[] Folders = ["faces/deepface", "faces/face_recognition", "faces/dlib_johns", "faces/faceapi_bbt", "images"];
    private const string LfwFolder = "faces/lfw/images";

    /// <summary>
    /// The images of the set, relative to <paramref name="dataDirectory"/>, sorted: every JPEG and PNG under
    /// <c>faces/deepface</c>, <c>faces/face_recognition</c>, <c>faces/dlib_johns</c>, <c>faces/faceapi_bbt</c> and
    /// <c>images</c>, and a fixed random sample of LFW images (sorted paths shuffled by <see cref="Random"/> with
    /// <paramref name="seed"/>, the first <paramref name="lfwSample"/> taken).
    /// </summary>
    /// <param name="dataDirectory">The shared data folder.</param>
    /// <param name="lfwSample">How many LFW images.</param>
    /// <param name="seed">The seed of the LFW sample.</param>
    /// <returns>The relative paths, with <c>/</c> separators.</returns>
    /// <exception cref="DirectoryNotFoundException">A folder of the set is missing.</exception>
    public static IReadOnlyList<string> CandidateImages(string dataDirectory, int lfwSample = DefaultLfwSample, int seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        ArgumentOutOfRangeException.ThrowIfNegative(lfwSample);
        var result = new List<string>();
        foreach (var folder in Folders)
        {
            result.AddRange(ImagesUnder(dataDirectory, folder));
        }

        var lfw = ImagesUnder(dataDirectory, LfwFolder);

        // Seeded System.Random is the stable legacy generator, so the sample is the same on every runtime.
        var random = new Random(seed);
        for (var i = lfw.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (lfw[i], lfw[j]) = (lfw[j], lfw[i]);
        }

        result.AddRange(lfw.Take(lfwSample));
        result.Sort(StringComparer.Ordinal);
        return result;
    }

    /// <summary>
    /// The group of an image for cross-validation: its identity folder (<c>faces/&lt;set&gt;/&lt;identity&gt;</c>), the whole
    /// <c>faces/face_recognition</c> set (its group photos show its identities), or the image itself (<c>images/</c>).
    /// </summary>
    /// <param name="image">The relative path.</param>
    /// <returns>The group key.</returns>
    public static string GroupOf(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.StartsWith("faces/face_recognition/", StringComparison.Ordinal))
        {
            return "faces/face_recognition";
        }

        var slash = image.LastIndexOf('/');
        return image.StartsWith("faces/", StringComparison.Ordinal) && slash > 0 ? image[..slash] : image;
    }

    /// <summary>
    /// Assigns the groups (<see cref="GroupOf"/>) of a labelled set to folds so that every fold gets about as many
    /// non-faces (the rare class) and detections: groups in order of non-faces, then detections (most first), then
    /// name, each to the fold with the fewest non-faces so far (then fewest detections, then lowest index).
    /// </summary>
    /// <param name="labels">The labelled detections.</param>
    /// <param name="folds">The number of folds.</param>
    /// <returns>The fold of each group.</returns>
    public static IReadOnlyDictionary<string, int> AssignFolds(IReadOnlyList<FaceGateLabel> labels, int folds = 2)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        var groups = labels.GroupBy(l => GroupOf(l.Image), StringComparer.Ordinal)
            .Select(g => (Key: g.Key, NonFaces: g.Count(l => l.IsFace == false), Count: g.Count()))
            .OrderByDescending(g => g.NonFaces).ThenByDescending(g => g.Count).ThenBy(g => g.Key, StringComparer.Ordinal);
        var nonFaces = new int[folds];
        var counts = new int[folds];
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var g in groups)
        {
            var k = 0;
            for (var i = 1; i < folds; i++)
            {
                if (nonFaces[i] < nonFaces[k] || (nonFaces[i] == nonFaces[k] && counts[i] < counts[k]))
                {
                    k = i;
                }
            }

            result[g.Key] = k;
            nonFaces[k] += g.NonFaces;
            counts[k] += g.Count;
        }

        return result;
    }

    /// <summary>
    /// Detects the faces of each image and lists them unlabelled, except the pictured person (<c>subject</c>): in LFW the
    /// face nearest the image centre (as the LFW evaluation picks it), in a portrait folder (<c>faces/&lt;set&gt;/&lt;identity&gt;</c>)
    /// the largest face. The other detections are for a person to label.
    /// </summary>
    /// <param name="dataDirectory">The shared data folder.</param>
    /// <param name="images">The relative image paths (<see cref="CandidateImages"/>).</param>
    /// <param name="detector">A detector at <see cref="CandidateScoreThreshold"/>.</param>
    /// <returns>The detections, image by image, best score first.</returns>
    /// <exception cref="InvalidImageException">An image cannot be decoded.</exception>
    public static IReadOnlyList<FaceGateLabel> Candidates(string dataDirectory, IReadOnlyList<string> images, IFaceDetector detector)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(detector);
        var result = new List<FaceGateLabel>();
        foreach (var image in images)
        {
            using var mat = Read(dataDirectory, image);
            var faces = detector.Detect(mat);
            var subject = SubjectOf(image, faces, mat.Width, mat.Height);
            for (var i = 0; i < faces.Count; i++)
            {
                result.Add(i == subject
                    ? new FaceGateLabel(image, faces[i].Box, true, "subject")
                    : new FaceGateLabel(image, faces[i].Box, null, string.Empty));
            }
        }

        return result;
    }

    /// <summary>
    /// Detects the faces of every labelled image again, matches each label to the detection of highest IoU (at least
    /// <see cref="MatchIoU"/>) and measures it as <see cref="FaceQualityGate"/> does (score, size, pose, sharpness of the aligned crop).
    /// </summary>
    /// <param name="labels">The labelled detections; all must be labelled.</param>
    /// <param name="dataDirectory">The shared data folder.</param>
    /// <param name="detector">A detector at <see cref="CandidateScoreThreshold"/>.</param>
    /// <param name="aligner">The aligner (for the sharpness crop).</param>
    /// <param name="folds">The number of cross-validation folds (<see cref="AssignFolds"/>).</param>
    /// <returns>The measured samples and the count of detections no label covers.</returns>
    /// <exception cref="ArgumentException">A detection is not labelled.</exception>
    /// <exception cref="InvalidImageException">An image cannot be decoded.</exception>
    public static FaceGateMeasurement Measure(IReadOnlyList<FaceGateLabel> labels, string dataDirectory, IFaceDetector detector, FaceAligner aligner, int folds = 2)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(aligner);
        if (labels.FirstOrDefault(l => l.IsFace is null) is { } open)
        {
            throw new ArgumentException($"Not labelled: {open.Image} {open.Box}.", nameof(labels));
        }

        // Measured with no limits: the verdict is applied later by each gate tried (FaceQualityGate.Judge).
        var measuring = new FaceQualityGate(new FaceQualityOptions { MinDetectionScore = 0, MinFaceSize = 0, MinSharpness = 0, MaxYawDegrees = 90, MaxRollDegrees = 180 });
        var foldOf = AssignFolds(labels, folds);
        var samples = new FaceGateSample[labels.Count];
        var unlabelled = 0;
        foreach (var byImage in labels.Select((l, i) => (Label: l, Index: i)).GroupBy(x => x.Label.Image, StringComparer.Ordinal))
        {
            using var mat = Read(dataDirectory, byImage.Key);
            var faces = detector.Detect(mat);
            var used = new bool[faces.Count];
            foreach (var (label, index) in byImage)
            {
                var best = -1;
                var bestIoU = MatchIoU;
                for (var d = 0; d < faces.Count; d++)
                {
                    var iou = BoundingBox.IoU(label.Box, faces[d].Box);
                    if (iou >= bestIoU)
                    {
                        best = d;
                        bestIoU = iou;
                    }
                }

                FaceQuality? quality = null;
                if (best >= 0)
                {
                    used[best] = true;
                    using var crop = aligner.Align(mat, faces[best].Landmarks);
                    quality = measuring.Evaluate(faces[best], crop);
                }

                samples[index] = new FaceGateSample(label, foldOf[GroupOf(label.Image)], quality);
            }

            unlabelled += used.Count(u => !u);
        }

        return new FaceGateMeasurement(samples, unlabelled);
    }

    /// <summary>Counts how a gate sorts the samples; a sample the detector no longer finds is rejected.</summary>
    /// <param name="samples">The measured samples.</param>
    /// <param name="gate">The gate.</param>
    /// <param name="scoreOnly">Apply only the detector-score check (is it a face), not size, pose and blur (can it be recognised).</param>
    /// <returns>The counts.</returns>
    public static FaceGateCounts Count(IEnumerable<FaceGateSample> samples, FaceQualityGate gate, bool scoreOnly = false)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(gate);
        int tp = 0, fn = 0, fp = 0, tn = 0;
        foreach (var s in samples)
        {
            var passed = s.Quality is { } q && (scoreOnly ? q.DetectorScore >= gate.Options.MinDetectionScore : gate.Judge(q).IsAcceptable);
            switch (s.Label.IsFace, passed)
            {
                case (true, true): tp++; break;
                case (true, false): fn++; break;
                case (false, true): fp++; break;
                default: tn++; break;
            }
        }

        return new FaceGateCounts(tp, fn, fp, tn);
    }

    private static int SubjectOf(string image, IReadOnlyList<FaceDetection> faces, int width, int height)
    {
        if (faces.Count == 0 || !image.StartsWith("faces/", StringComparison.Ordinal) || image.Contains("/_", StringComparison.Ordinal))
        {
            return -1;
        }

        var lfw = image.StartsWith(LfwFolder + "/", StringComparison.Ordinal);
        var best = 0;
        for (var i = 1; i < faces.Count; i++)
        {
            var better = lfw
                ? CentreDistance(faces[i].Box, width, height) < CentreDistance(faces[best].Box, width, height)
                : faces[i].Box.Area > faces[best].Box.Area;
            if (better)
            {
                best = i;
            }
        }

        return best;
    }

    private static double CentreDistance(in BoundingBox b, int width, int height)
    {
        var dx = b.CenterX - (width / 2.0);
        var dy = b.CenterY - (height / 2.0);
        return (dx * dx) + (dy * dy);
    }

    private static List<string> ImagesUnder(string dataDirectory, string folder)
    {
        var root = Path.Combine(dataDirectory, folder);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"Face-gate image folder not found: {root}");
        }

        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetExtension(f).ToUpperInvariant() is ".JPG" or ".JPEG" or ".PNG")
            .Select(f => Path.GetRelativePath(dataDirectory, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static Mat Read(string dataDirectory, string image)
    {
        var mat = Cv2.ImRead(Path.Combine(dataDirectory, image), ImreadModes.Color);
        if (mat.Empty())
        {
            mat.Dispose();
            throw new InvalidImageException($"Cannot decode {image}.");
        }

        return mat;
    }
}
