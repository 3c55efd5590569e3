using System.Collections.Concurrent;
using OpenCvSharp;
using Scarlet.Vision;

namespace Scarlet.Evaluation.Recognition;

/// <summary>One held-out fold of <see cref="RefinementMarginEvaluation"/>.</summary>
/// <param name="Fold">The fold scored (0-based).</param>
/// <param name="Margin">The margin chosen on the other folds.</param>
/// <param name="Threshold">The verification threshold chosen on the other folds (always-refined scores).</param>
/// <param name="Agreement">Share of the fold's pairs whose conditional decision equals the always-refined one.</param>
/// <param name="Skipped">Share of the fold's pairs decided without refinement.</param>
/// <param name="ConditionalAccuracy">Accuracy of the conditional decisions.</param>
/// <param name="RefinedAccuracy">Accuracy of the always-refined decisions.</param>
/// <param name="UnrefinedAccuracy">Accuracy of the never-refined decisions.</param>
/// <param name="ConditionalFalseMatches">Different-person pairs accepted by the conditional decisions.</param>
/// <param name="RefinedFalseMatches">Different-person pairs accepted by the always-refined decisions.</param>
/// <param name="MatchThresholdAgreement">Agreement at the gallery's 1:N match threshold instead of the fold's threshold.</param>
/// <param name="MatchThresholdSkipped">Share skipped at the 1:N match threshold.</param>
public readonly record struct RefinementMarginFold(
    int Fold,
    float Margin,
    float Threshold,
    double Agreement,
    double Skipped,
    double ConditionalAccuracy,
    double RefinedAccuracy,
    double UnrefinedAccuracy,
    int ConditionalFalseMatches,
    int RefinedFalseMatches,
    double MatchThresholdAgreement,
    double MatchThresholdSkipped);

/// <summary>The result of <see cref="RefinementMarginEvaluation.Run"/>.</summary>
/// <param name="Folds">One entry per held-out fold.</param>
/// <param name="Margin">The margin chosen on all folds (the value to configure).</param>
/// <param name="Images">Images embedded.</param>
/// <param name="Elapsed">Time to embed them.</param>
/// <param name="Curve">Over all pairs, per margin tried: the decisions that differ from the always-refined ones at the all-pairs threshold and at the match threshold, and the share skipped at each.</param>
public sealed record RefinementMarginReport(IReadOnlyList<RefinementMarginFold> Folds, float Margin, int Images, TimeSpan Elapsed, IReadOnlyList<RefinementMarginPoint> Curve);

/// <summary>One margin of <see cref="RefinementMarginReport.Curve"/>.</summary>
/// <param name="Margin">The margin.</param>
/// <param name="Disagreements">Pairs decided otherwise than always refining, at the verification threshold of all pairs.</param>
/// <param name="Skipped">Share of pairs decided without refinement there.</param>
/// <param name="MatchThresholdDisagreements">The same at the 1:N match threshold.</param>
/// <param name="MatchThresholdSkipped">The share skipped at the match threshold.</param>
public readonly record struct RefinementMarginPoint(float Margin, int Disagreements, double Skipped, int MatchThresholdDisagreements, double MatchThresholdSkipped);

/// <summary>
/// Chooses <see cref="FaceRecognizer.RefinementMargin"/> by cross-validation on LFW's folds, as the request path uses it:
/// the first photo of a pair is the stored template (always refined, as enrolment does), the second the request's face,
/// scored first on unrefined landmarks and, within the margin of the threshold, again on refined ones. For each fold the
/// threshold and the margin are chosen on the other folds (the smallest margin whose decisions disagree with the
/// always-refined ones on at most <c>maxDisagreement</c> of the training pairs); the fold itself is only scored.
/// </summary>
public static class RefinementMarginEvaluation
{
    /// <summary>The margins tried: 0 to 0.2 in steps of 0.005.</summary>
    private const int Steps = 40;
    private const float Step = 0.005f;

    /// <summary>Runs the evaluation.</summary>
    /// <param name="pairs">The pairs.</param>
    /// <param name="imagesDirectory">The LFW <c>images/</c> folder.</param>
    /// <param name="detector">The face detector (thread-safe).</param>
    /// <param name="aligner">The aligner.</param>
    /// <param name="embedder">The embedder (thread-safe).</param>
    /// <param name="refiner">The landmark refiner.</param>
    /// <param name="matchThreshold">The gallery's 1:N match threshold, at which agreement is also reported.</param>
    /// <param name="maxDisagreement">The largest share of training pairs whose decision may differ from the always-refined one.</param>
    /// <param name="degreeOfParallelism">Images embedded at the same time.</param>
    /// <param name="progress">Receives the count of images done now and then; may be <see langword="null"/>.</param>
    /// <returns>The report.</returns>
    /// <exception cref="FileNotFoundException">An image named by a pair is missing.</exception>
    /// <exception cref="InvalidImageException">An image cannot be decoded.</exception>
    public static RefinementMarginReport Run(
        LfwPairs pairs,
        string imagesDirectory,
        IFaceDetector detector,
        FaceAligner aligner,
        IFaceEmbedder embedder,
        MirrorLandmarkRefiner refiner,
        float matchThreshold,
        double maxDisagreement = 0,
        int degreeOfParallelism = 2,
        IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(aligner);
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(refiner);
        ArgumentOutOfRangeException.ThrowIfLessThan(degreeOfParallelism, 1);
        var files = pairs.Pairs.SelectMany(p => new[] { p.ImageA, p.ImageB }).Distinct(StringComparer.Ordinal).ToArray();
        var unrefined = new ConcurrentDictionary<string, float[]>(StringComparer.Ordinal);
        var refined = new ConcurrentDictionary<string, float[]>(StringComparer.Ordinal);
        var done = 0;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism }, file =>
        {
            var full = Path.Combine(imagesDirectory, file);
            if (!File.Exists(full))
            {
                throw new FileNotFoundException($"LFW image named in the pairs file is missing: {full}", full);
            }

            using var image = Cv2.ImRead(full, ImreadModes.Color);
            if (image.Empty())
            {
                throw new InvalidImageException($"Cannot decode LFW image {file}.");
            }

            using (var crop = LfwEvaluation.CentralFaceCrop(image, detector, aligner, out _))
            {
                unrefined[file] = embedder.Embed(crop);
            }

            using (var crop = LfwEvaluation.CentralFaceCrop(image, detector, aligner, out _, refiner))
            {
                refined[file] = embedder.Embed(crop);
            }

            var d = Interlocked.Increment(ref done);
            if (progress is not null && d % 500 == 0)
            {
                progress.Report(d);
            }
        });
        sw.Stop();

        var n = pairs.Pairs.Count;
        var u = new float[n];
        var r = new float[n];
        var same = new bool[n];
        var fold = new int[n];
        for (var i = 0; i < n; i++)
        {
            var p = pairs.Pairs[i];
            u[i] = EmbeddingMath.Cosine(refined[p.ImageA], unrefined[p.ImageB]);
            r[i] = EmbeddingMath.Cosine(refined[p.ImageA], refined[p.ImageB]);
            same[i] = p.Same;
            fold[i] = p.Fold;
        }

        var folds = new List<RefinementMarginFold>(pairs.Folds);
        for (var f = 0; f < pairs.Folds; f++)
        {
            var train = Enumerable.Range(0, n).Where(i => fold[i] != f).ToArray();
            var test = Enumerable.Range(0, n).Where(i => fold[i] == f).ToArray();
            var t = VerificationMetrics.BestThreshold(train.Select(i => r[i]).ToArray(), train.Select(i => same[i]).ToArray());
            var m = Math.Max(ChooseMargin(train, u, r, t, maxDisagreement), ChooseMargin(train, u, r, matchThreshold, maxDisagreement));
            var agree = 0;
            var skipped = 0;
            int condRight = 0, refRight = 0, unrefRight = 0, condFalse = 0, refFalse = 0, agreeAtMatch = 0, skippedAtMatch = 0;
            foreach (var i in test)
            {
                var skip = Math.Abs(u[i] - t) >= m;
                var cond = (skip ? u[i] : r[i]) > t;
                var always = r[i] > t;
                agree += cond == always ? 1 : 0;
                skipped += skip ? 1 : 0;
                condRight += cond == same[i] ? 1 : 0;
                refRight += always == same[i] ? 1 : 0;
                unrefRight += (u[i] > t) == same[i] ? 1 : 0;
                condFalse += cond && !same[i] ? 1 : 0;
                refFalse += always && !same[i] ? 1 : 0;
                var skipAtMatch = Math.Abs(u[i] - matchThreshold) >= m;
                agreeAtMatch += ((skipAtMatch ? u[i] : r[i]) >= matchThreshold) == (r[i] >= matchThreshold) ? 1 : 0;
                skippedAtMatch += skipAtMatch ? 1 : 0;
            }

            double k = test.Length;
            folds.Add(new RefinementMarginFold(f, m, t, agree / k, skipped / k, condRight / k, refRight / k, unrefRight / k, condFalse, refFalse, agreeAtMatch / k, skippedAtMatch / k));
        }

        var all = Enumerable.Range(0, n).ToArray();
        var tAll = VerificationMetrics.BestThreshold(r, same);
        var curve = new List<RefinementMarginPoint>(Steps + 1);
        for (var step = 0; step <= Steps; step++)
        {
            var m = step * Step;
            var (d, k) = Disagreements(all, u, r, tAll, m);
            var (dm, km) = Disagreements(all, u, r, matchThreshold, m);
            curve.Add(new RefinementMarginPoint(m, d, (double)k / n, dm, (double)km / n));
        }

        var chosen = Math.Max(ChooseMargin(all, u, r, tAll, maxDisagreement), ChooseMargin(all, u, r, matchThreshold, maxDisagreement));
        return new RefinementMarginReport(folds, chosen, files.Length, sw.Elapsed, curve);
    }

    /// <summary>The smallest margin of the grid whose decisions on <paramref name="pairs"/> disagree with the always-refined ones on at most the given share.</summary>
    private static float ChooseMargin(int[] pairs, float[] u, float[] r, float threshold, double maxDisagreement)
    {
        for (var step = 0; step <= Steps; step++)
        {
            var m = step * Step;
            if (Disagreements(pairs, u, r, threshold, m).Disagree <= maxDisagreement * pairs.Length)
            {
                return m;
            }
        }

        return Steps * Step;
    }

    /// <summary>How many of <paramref name="pairs"/> the conditional decision gets otherwise than always refining, and how many it skips.</summary>
    private static (int Disagree, int Skipped) Disagreements(int[] pairs, float[] u, float[] r, float threshold, float margin)
    {
        int disagree = 0, skipped = 0;
        foreach (var i in pairs)
        {
            var skip = Math.Abs(u[i] - threshold) >= margin;
            skipped += skip ? 1 : 0;
            disagree += ((skip ? u[i] : r[i]) > threshold) != (r[i] > threshold) ? 1 : 0;
        }

        return (disagree, skipped);
    }
}
