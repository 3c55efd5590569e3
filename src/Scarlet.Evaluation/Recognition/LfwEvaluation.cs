using System.Collections.Concurrent;
using System.Diagnostics;
using OpenCvSharp;
using Scarlet.Vision;

namespace Scarlet.Evaluation.Recognition;

/// <summary>The outcome of <see cref="LfwEvaluation.Run"/>.</summary>
public sealed class LfwResult
{
    internal LfwResult(VerificationReport report, int images, int noFace, TimeSpan elapsed, float[] scores)
    {
        Report = report;
        Images = images;
        ImagesWithoutFace = noFace;
        Elapsed = elapsed;
        Scores = scores;
    }

    /// <summary>Gets the k-fold accuracy, threshold and TAR@FAR.</summary>
    public VerificationReport Report { get; }

    /// <summary>Gets the number of distinct images embedded.</summary>
    public int Images { get; }

    /// <summary>Gets how many images had no detected face (embedded from the centre crop instead; still counted).</summary>
    public int ImagesWithoutFace { get; }

    /// <summary>Gets the wall time of detection, alignment and embedding.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Gets the cosine similarity of each pair, in the order of the pairs.</summary>
    public IReadOnlyList<float> Scores { get; }
}

/// <summary>
/// LFW verification through Scarlet's own pipeline, from the raw 250x250 images: detect, keep the face nearest the image
/// centre, align to the ArcFace template, embed; then the k-fold protocol of <see cref="VerificationMetrics"/>.
/// </summary>
public static class LfwEvaluation
{
    /// <summary>Runs the evaluation.</summary>
    /// <param name="pairs">The pairs (all or a subset).</param>
    /// <param name="imagesDirectory">The LFW <c>images/</c> folder.</param>
    /// <param name="detector">The face detector (thread-safe).</param>
    /// <param name="aligner">The aligner.</param>
    /// <param name="embedder">The embedder (thread-safe).</param>
    /// <param name="degreeOfParallelism">Images embedded at the same time (the detector and embedder sessions are shared).</param>
    /// <param name="progress">Receives the count of images done, now and then; may be <see langword="null"/>.</param>
    /// <param name="refiner">Refines the landmarks before alignment; <see langword="null"/> aligns on the detector's landmarks.</param>
    /// <returns>The result.</returns>
    /// <exception cref="DirectoryNotFoundException">The images folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">An image named by a pair is missing.</exception>
    /// <exception cref="InvalidImageException">An image cannot be decoded.</exception>
    public static LfwResult Run(
        LfwPairs pairs,
        string imagesDirectory,
        IFaceDetector detector,
        FaceAligner aligner,
        IFaceEmbedder embedder,
        int degreeOfParallelism = 2,
        IProgress<int>? progress = null,
        MirrorLandmarkRefiner? refiner = null)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(aligner);
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentOutOfRangeException.ThrowIfLessThan(degreeOfParallelism, 1);
        if (!Directory.Exists(imagesDirectory))
        {
            throw new DirectoryNotFoundException($"LFW images folder not found: {imagesDirectory}");
        }

        var unique = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in pairs.Pairs)
        {
            unique.Add(p.ImageA);
            unique.Add(p.ImageB);
        }

        var files = unique.ToArray();
        foreach (var f in files)
        {
            var full = Path.Combine(imagesDirectory, f);
            if (!File.Exists(full))
            {
                throw new FileNotFoundException($"LFW image named in the pairs file is missing: {full}", full);
            }
        }

        var embeddings = new ConcurrentDictionary<string, float[]>(StringComparer.Ordinal);
        var noFace = 0;
        var done = 0;
        var sw = Stopwatch.StartNew();
        Parallel.ForEach(
            files,
            new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism },
            file =>
            {
                using var image = Cv2.ImRead(Path.Combine(imagesDirectory, file), ImreadModes.Color);
                if (image.Empty())
                {
                    throw new InvalidImageException($"Cannot decode LFW image {file}.");
                }

                using var crop = CentralFaceCrop(image, detector, aligner, out var found, refiner);
                if (!found)
                {
                    Interlocked.Increment(ref noFace);
                }

                embeddings[file] = embedder.Embed(crop);
                var d = Interlocked.Increment(ref done);
                if (progress is not null && d % 500 == 0)
                {
                    progress.Report(d);
                }
            });
        sw.Stop();

        var n = pairs.Pairs.Count;
        var scores = new float[n];
        var same = new bool[n];
        var folds = new int[n];
        for (var i = 0; i < n; i++)
        {
            var p = pairs.Pairs[i];
            scores[i] = EmbeddingMath.Cosine(embeddings[p.ImageA], embeddings[p.ImageB]);
            same[i] = p.Same;
            folds[i] = p.Fold;
        }

        var report = VerificationMetrics.Evaluate(scores, same, folds, pairs.Folds);
        return new LfwResult(report, files.Length, noFace, sw.Elapsed, scores);
    }

    /// <summary>
    /// The aligned crop of the face nearest the image centre, or, when no face is found, the central square of 56 % of
    /// the shorter side (where an LFW face sits, about the ArcFace template's framing) scaled to the crop size.
    /// </summary>
    /// <param name="image">An 8-bit BGR image.</param>
    /// <param name="detector">The detector.</param>
    /// <param name="aligner">The aligner.</param>
    /// <param name="faceFound">Whether a face was detected.</param>
    /// <param name="refiner">Refines the landmarks before alignment; <see langword="null"/> aligns on the detector's landmarks.</param>
    /// <returns>A new 112x112 crop; the caller disposes it.</returns>
    public static Mat CentralFaceCrop(Mat image, IFaceDetector detector, FaceAligner aligner, out bool faceFound, MirrorLandmarkRefiner? refiner = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(aligner);
        var faces = detector.Detect(image);
        var best = -1;
        var bestDistance = double.MaxValue;
        for (var i = 0; i < faces.Count; i++)
        {
            var dx = faces[i].Box.CenterX - (image.Width / 2.0);
            var dy = faces[i].Box.CenterY - (image.Height / 2.0);
            var d = (dx * dx) + (dy * dy);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = i;
            }
        }

        faceFound = best >= 0;
        if (faceFound)
        {
            var landmarks = refiner is null ? faces[best].Landmarks : refiner.Refine(image, faces[best]);
            return aligner.Align(image, landmarks);
        }

        var side = Math.Max(1, (int)(0.56 * Math.Min(image.Width, image.Height)));
        var rect = new Rect((image.Width - side) / 2, (image.Height - side) / 2, side, side);
        using var centre = new Mat(image, rect);
        var crop = new Mat();
        Cv2.Resize(centre, crop, new Size(FaceAligner.CropSize, FaceAligner.CropSize), 0, 0, InterpolationFlags.Area);
        return crop;
    }
}
