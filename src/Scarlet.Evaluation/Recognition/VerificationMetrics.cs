namespace Scarlet.Evaluation.Recognition;

/// <summary>The result of a k-fold verification evaluation (the LFW protocol).</summary>
public sealed class VerificationReport
{
    internal VerificationReport(double[] foldAccuracies, float[] foldThresholds, double tar, float farThreshold, double far, int positives, int negatives)
    {
        FoldAccuracies = foldAccuracies;
        FoldThresholds = foldThresholds;
        var mean = 0.0;
        foreach (var a in foldAccuracies)
        {
            mean += a;
        }

        mean /= foldAccuracies.Length;
        var variance = 0.0;
        foreach (var a in foldAccuracies)
        {
            variance += (a - mean) * (a - mean);
        }

        MeanAccuracy = mean;

        // Population standard deviation over folds, as the usual LFW scripts (numpy std) report it.
        StdAccuracy = Math.Sqrt(variance / foldAccuracies.Length);
        var t = 0.0;
        foreach (var x in foldThresholds)
        {
            t += x;
        }

        Threshold = (float)(t / foldThresholds.Length);
        TarAtFar = tar;
        FarThreshold = farThreshold;
        TargetFar = far;
        Positives = positives;
        Negatives = negatives;
    }

    /// <summary>Gets the accuracy on each fold with the threshold chosen on the other folds.</summary>
    public IReadOnlyList<double> FoldAccuracies { get; }

    /// <summary>Gets the threshold chosen for each fold (on the other folds).</summary>
    public IReadOnlyList<float> FoldThresholds { get; }

    /// <summary>Gets the mean of <see cref="FoldAccuracies"/>.</summary>
    public double MeanAccuracy { get; }

    /// <summary>Gets the (population) standard deviation of <see cref="FoldAccuracies"/>.</summary>
    public double StdAccuracy { get; }

    /// <summary>Gets the mean of <see cref="FoldThresholds"/>: the cosine threshold to use.</summary>
    public float Threshold { get; }

    /// <summary>Gets the true accept rate at <see cref="TargetFar"/> over all pairs.</summary>
    public double TarAtFar { get; }

    /// <summary>Gets the cosine threshold that gives <see cref="TargetFar"/> (pairs above it are accepted).</summary>
    public float FarThreshold { get; }

    /// <summary>Gets the false accept rate <see cref="TarAtFar"/> was measured at.</summary>
    public double TargetFar { get; }

    /// <summary>Gets the number of same-person pairs.</summary>
    public int Positives { get; }

    /// <summary>Gets the number of different-person pairs.</summary>
    public int Negatives { get; }
}

/// <summary>K-fold verification metrics: per-fold accuracy with the threshold chosen on the other folds, and TAR at a fixed FAR.</summary>
public static class VerificationMetrics
{
    /// <summary>Evaluates similarity scores of labelled pairs.</summary>
    /// <param name="scores">The similarity of each pair (higher = more alike).</param>
    /// <param name="same">Whether each pair is the same person.</param>
    /// <param name="folds">The fold of each pair, 0 to <paramref name="foldCount"/> - 1.</param>
    /// <param name="foldCount">The number of folds, 2 or more.</param>
    /// <param name="targetFar">The false accept rate for the TAR figure; the default is 1e-3.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentException">The spans differ in length, a fold is out of range or lacks a class, or a score is not finite.</exception>
    public static VerificationReport Evaluate(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same, ReadOnlySpan<int> folds, int foldCount, double targetFar = 1e-3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(foldCount, 2);
        if (scores.Length != same.Length || scores.Length != folds.Length)
        {
            throw new ArgumentException($"scores ({scores.Length}), labels ({same.Length}) and folds ({folds.Length}) must have the same length.");
        }

        if (!(targetFar > 0 && targetFar < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(targetFar), targetFar, "The target FAR is in (0, 1).");
        }

        var n = scores.Length;
        var pos = 0;
        for (var i = 0; i < n; i++)
        {
            if (!float.IsFinite(scores[i]))
            {
                throw new ArgumentException($"Score {i} is not finite ({scores[i]}).", nameof(scores));
            }

            if ((uint)folds[i] >= (uint)foldCount)
            {
                throw new ArgumentException($"Pair {i} is in fold {folds[i]}; folds are 0 to {foldCount - 1}.", nameof(folds));
            }

            if (same[i])
            {
                pos++;
            }
        }

        var neg = n - pos;
        if (pos == 0 || neg == 0)
        {
            throw new ArgumentException("Both same-person and different-person pairs are needed.", nameof(same));
        }

        var accuracies = new double[foldCount];
        var thresholds = new float[foldCount];
        var trainScores = new float[n];
        var trainSame = new bool[n];
        for (var f = 0; f < foldCount; f++)
        {
            var m = 0;
            for (var i = 0; i < n; i++)
            {
                if (folds[i] != f)
                {
                    trainScores[m] = scores[i];
                    trainSame[m] = same[i];
                    m++;
                }
            }

            var t = BestThreshold(trainScores.AsSpan(0, m), trainSame.AsSpan(0, m));
            thresholds[f] = t;
            int correct = 0, total = 0;
            for (var i = 0; i < n; i++)
            {
                if (folds[i] == f)
                {
                    total++;
                    if ((scores[i] > t) == same[i])
                    {
                        correct++;
                    }
                }
            }

            if (total == 0)
            {
                throw new ArgumentException($"Fold {f} has no pairs.", nameof(folds));
            }

            accuracies[f] = (double)correct / total;
        }

        var (tar, farThreshold) = TarAtFar(scores, same, targetFar);
        return new VerificationReport(accuracies, thresholds, tar, farThreshold, targetFar, pos, neg);
    }

    /// <summary>The threshold that classifies the most pairs right (same when score &gt; threshold), halfway between two scores.</summary>
    /// <param name="scores">The scores.</param>
    /// <param name="same">The labels.</param>
    /// <returns>The threshold.</returns>
    public static float BestThreshold(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same)
    {
        var n = scores.Length;
        if (n == 0 || same.Length != n)
        {
            throw new ArgumentException("Scores and labels must be non-empty and of the same length.", nameof(scores));
        }

        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        var keys = scores.ToArray();
        Array.Sort(keys, order);
        var totalPos = 0;
        foreach (var s in same)
        {
            if (s)
            {
                totalPos++;
            }
        }

        // Threshold below every score: all accepted, so the positives are right.
        var best = totalPos;
        var bestThreshold = keys[0] - 1e-4f;
        var negBelow = 0;
        var posBelow = 0;
        for (var i = 0; i < n; i++)
        {
            if (same[order[i]])
            {
                posBelow++;
            }
            else
            {
                negBelow++;
            }

            if (i + 1 < n && keys[i + 1] == keys[i])
            {
                continue;
            }

            var correct = negBelow + (totalPos - posBelow);
            if (correct > best)
            {
                best = correct;
                bestThreshold = i + 1 < n ? (keys[i] + keys[i + 1]) / 2 : keys[i] + 1e-4f;
            }
        }

        return bestThreshold;
    }

    /// <summary>The true accept rate at a false accept rate: the threshold lets at most <c>floor(far * negatives)</c> different-person pairs through.</summary>
    /// <param name="scores">The scores.</param>
    /// <param name="same">The labels.</param>
    /// <param name="far">The false accept rate.</param>
    /// <returns>The TAR and the threshold (accept when score &gt; threshold).</returns>
    public static (double Tar, float Threshold) TarAtFar(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same, double far)
    {
        var negatives = new List<float>();
        var positives = new List<float>();
        for (var i = 0; i < scores.Length; i++)
        {
            (same[i] ? positives : negatives).Add(scores[i]);
        }

        if (negatives.Count == 0 || positives.Count == 0)
        {
            throw new ArgumentException("Both same-person and different-person pairs are needed.", nameof(same));
        }

        negatives.Sort((a, b) => b.CompareTo(a));
        var allowed = (int)Math.Floor(far * negatives.Count);
        var threshold = allowed < negatives.Count ? negatives[allowed] : negatives[^1] - 1e-4f;
        var accepted = 0;
        foreach (var p in positives)
        {
            if (p > threshold)
            {
                accepted++;
            }
        }

        return ((double)accepted / positives.Count, threshold);
    }
}
