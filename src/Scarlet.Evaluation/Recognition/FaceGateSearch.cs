namespace Scarlet.Evaluation.Recognition;

/// <summary>Gate limits chosen on a set of samples, with how they scored there.</summary>
/// <param name="MinDetectionScore">The chosen <see cref="FaceQualityOptions.MinDetectionScore"/>.</param>
/// <param name="MinFaceSize">The chosen <see cref="FaceQualityOptions.MinFaceSize"/>.</param>
/// <param name="MinSharpness">The chosen <see cref="FaceQualityOptions.MinSharpness"/>.</param>
/// <param name="Tuning">The counts on the samples it was chosen on.</param>
public sealed record FaceGateChoice(float MinDetectionScore, float MinFaceSize, double MinSharpness, FaceGateCounts Tuning)
{
    /// <summary>The options of this choice; pose limits are the defaults (they are not searched).</summary>
    /// <returns>New options.</returns>
    public FaceQualityOptions ToOptions() => new()
    {
        MinDetectionScore = MinDetectionScore,
        MinFaceSize = MinFaceSize,
        MinSharpness = MinSharpness,
    };
}

/// <summary>One fold of the cross-validation: the gate chosen on the other folds and its counts on this one.</summary>
/// <param name="Fold">The held-out fold.</param>
/// <param name="Choice">The gate chosen without this fold.</param>
/// <param name="HeldOut">Its counts on this fold.</param>
public sealed record FaceGateFold(int Fold, FaceGateChoice Choice, FaceGateCounts HeldOut);

/// <summary>The outcome of <see cref="FaceGateSearch.CrossValidate"/>.</summary>
/// <param name="Folds">Per held-out fold.</param>
/// <param name="HeldOut">The held-out counts of all folds added up (every sample is counted once, by a gate not chosen on it).</param>
/// <param name="Final">The gate chosen on all samples (the one to ship).</param>
public sealed record FaceGateCrossValidation(IReadOnlyList<FaceGateFold> Folds, FaceGateCounts HeldOut, FaceGateChoice Final);

/// <summary>
/// Chooses the face gate on labelled detections. Objective: the highest recall (faces passing every check, among all
/// labelled faces) whose precision (faces among the passed detections) is at least <c>minPrecision</c>; a false face
/// becomes a stranger or a false match, a rejected real face only a missed sighting of someone the camera sees again.
/// Ties go to the higher precision, then the smaller face size and sharpness limits; the detector score is the middle
/// of the run of grid scores that sort the samples identically (the largest margin on both sides).
/// </summary>
public static class FaceGateSearch
{
    /// <summary>The default lowest precision accepted: at most one false face per 200 faces passed.</summary>
    public const double DefaultMinPrecision = 0.995;

    /// <summary>Gets the detector scores tried: 0.30 to 0.95 in steps of 0.01.</summary>
    public static IReadOnlyList<float> ScoreGrid { get; } = [.. Enumerable.Range(30, 66).Select(i => i / 100f)];

    /// <summary>
    /// Gets the face sizes tried, in pixels. They start at the 40 px below which recognition degrades
    /// (<see cref="FaceQualityOptions.MinFaceSize"/>), so the search can only make that limit stricter.
    /// </summary>
    public static IReadOnlyList<float> FaceSizeGrid { get; } = [40f, 48f, 56f, 64f, 80f];

    /// <summary>Gets the sharpness limits tried. They start at the LFW-derived 25 (<see cref="FaceQualityOptions.MinSharpness"/>), for the same reason.</summary>
    public static IReadOnlyList<double> SharpnessGrid { get; } = [25.0, 40.0, 60.0, 80.0, 100.0];

    /// <summary>Chooses the gate on samples.</summary>
    /// <param name="samples">The measured samples.</param>
    /// <param name="minPrecision">The lowest precision accepted.</param>
    /// <returns>The chosen limits and their counts on <paramref name="samples"/>.</returns>
    public static FaceGateChoice Choose(IReadOnlyList<FaceGateSample> samples, double minPrecision = DefaultMinPrecision)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfLessThan(minPrecision, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minPrecision, 1.0);
        FaceGateChoice? best = null;
        foreach (var size in FaceSizeGrid)
        {
            foreach (var sharpness in SharpnessGrid)
            {
                var counts = ScoreGrid.Select(t => FaceGateEvaluation.Count(samples, new FaceQualityGate(new FaceQualityOptions
                {
                    MinDetectionScore = t,
                    MinFaceSize = size,
                    MinSharpness = sharpness,
                }))).ToArray();
                for (var start = 0; start < counts.Length;)
                {
                    var end = start;
                    while (end + 1 < counts.Length && counts[end + 1] == counts[start])
                    {
                        end++;
                    }

                    var score = MathF.Round((ScoreGrid[start] + ScoreGrid[end]) / 2, 3);
                    var candidate = new FaceGateChoice(score, size, sharpness, counts[start]);
                    if (best is null || Better(candidate.Tuning, best.Tuning, minPrecision))
                    {
                        best = candidate;
                    }

                    start = end + 1;
                }
            }
        }

        return best!;
    }

    /// <summary>
    /// Cross-validates the choice: for each fold, the gate is chosen on the other folds and counted on this one; then
    /// the gate is chosen once more on all samples.
    /// </summary>
    /// <param name="samples">The measured samples (their folds from <see cref="FaceGateEvaluation.AssignFolds"/>).</param>
    /// <param name="minPrecision">The lowest precision accepted.</param>
    /// <returns>The per-fold and pooled held-out counts and the final gate.</returns>
    public static FaceGateCrossValidation CrossValidate(IReadOnlyList<FaceGateSample> samples, double minPrecision = DefaultMinPrecision)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var folds = new List<FaceGateFold>();
        var pooled = default(FaceGateCounts);
        foreach (var k in samples.Select(s => s.Fold).Distinct().Order())
        {
            var choice = Choose([.. samples.Where(s => s.Fold != k)], minPrecision);
            var heldOut = FaceGateEvaluation.Count(samples.Where(s => s.Fold == k), new FaceQualityGate(choice.ToOptions()));
            folds.Add(new FaceGateFold(k, choice, heldOut));
            pooled += heldOut;
        }

        return new FaceGateCrossValidation(folds, pooled, Choose(samples, minPrecision));
    }

    private static bool Better(in FaceGateCounts a, in FaceGateCounts b, double minPrecision)
    {
        var aMeets = a.Precision >= minPrecision;
        var bMeets = b.Precision >= minPrecision;
        if (aMeets != bMeets)
        {
            return aMeets;
        }

        // Both meet the target: recall decides; neither does: get as close to it as possible first.
        var (first, second) = aMeets ? (a.Recall.CompareTo(b.Recall), a.Precision.CompareTo(b.Precision)) : (a.Precision.CompareTo(b.Precision), a.Recall.CompareTo(b.Recall));
        return first > 0 || (first == 0 && second > 0);
    }
}
