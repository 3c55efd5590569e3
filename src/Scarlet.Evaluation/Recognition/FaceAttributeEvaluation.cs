using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;
using Scarlet.Vision;

namespace Scarlet.Evaluation.Recognition;

/// <summary>One labelled photo of the attribute evaluation: the file and the gender of the person in it.</summary>
/// <param name="Path">The image file.</param>
/// <param name="Person">The person's folder (relative to the faces folder).</param>
/// <param name="Gender">The label.</param>
public readonly record struct GenderLabelledPhoto(string Path, string Person, Gender Gender);

/// <summary>Gender accuracy of an <see cref="IFaceAttributeEstimator"/> on photos labelled by identity.</summary>
/// <param name="Faces">Photos with a detected face, scored.</param>
/// <param name="NoFace">Photos without a face above the detector threshold, not scored.</param>
/// <param name="Accuracy">Share of faces whose gender is right (unknown counts as wrong).</param>
/// <param name="FemaleRecall">Share of women's faces called female.</param>
/// <param name="MaleRecall">Share of men's faces called male.</param>
/// <param name="MedianAge">The median estimated age (a plausibility figure only: the photos carry no age).</param>
/// <param name="MillisecondsPerFace">Mean wall time of <see cref="IFaceAttributeEstimator.Estimate"/> per face (detection excluded).</param>
public sealed record GenderEvaluationResult(int Faces, int NoFace, double Accuracy, double FemaleRecall, double MaleRecall, double? MedianAge, double MillisecondsPerFace)
{
    /// <summary>Gets the mean of the two recalls (robust to the men/women imbalance of the photos).</summary>
    public double BalancedAccuracy => (FemaleRecall + MaleRecall) / 2;
}

/// <summary>One face of the attribute evaluation scored by every estimator.</summary>
/// <param name="Person">The person's folder (the unit of the identity-disjoint folds).</param>
/// <param name="Truth">The label.</param>
/// <param name="MaleProbability">Each estimator's probability that the face is a man's, in the estimators' order.</param>
public sealed record GenderScoredFace(string Person, Gender Truth, IReadOnlyList<float> MaleProbability);

/// <summary>One model's gender figures on one held-out fold, with the decision threshold chosen on the other fold.</summary>
/// <param name="Fold">The fold reported on (0 or 1); the threshold and the chosen model come from the other fold.</param>
/// <param name="Model">The model's name.</param>
/// <param name="Threshold">The probability of male at or above which the face is called male, chosen on the other fold.</param>
/// <param name="Faces">Faces in the reported fold.</param>
/// <param name="Accuracy">Share of the fold's faces whose gender is right.</param>
/// <param name="BalancedAccuracy">The mean of the female and male recalls on the fold.</param>
/// <param name="Chosen">Whether the other fold chose this model (highest balanced accuracy there).</param>
public sealed record HeldOutGenderResult(int Fold, string Model, float Threshold, int Faces, double Accuracy, double BalancedAccuracy, bool Chosen);

/// <summary>
/// The attribute evaluation: photos of people whose gender is known from their identity (tests/data/face-gender-labelled.csv),
/// the largest face of each (YuNet), every estimator on the same faces.
/// </summary>
public static class FaceAttributeEvaluation
{
    /// <summary>Reads the labels file (<c>folder,gender,basis</c>; <c>#</c> comments) and lists up to <paramref name="perPerson"/> photos of each person, sorted by name.</summary>
    /// <param name="labelsPath">The CSV.</param>
    /// <param name="facesDir">The folder the CSV's folders are relative to (shared/data/faces).</param>
    /// <param name="perPerson">Photos per person, 1 or more.</param>
    public static IReadOnlyList<GenderLabelledPhoto> Load(string labelsPath, string facesDir, int perPerson)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perPerson, 1);
        var photos = new List<GenderLabelledPhoto>();
        foreach (var line in File.ReadLines(labelsPath))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var parts = line.Split(',');
            if (parts.Length < 2 || !Enum.TryParse<Gender>(parts[1], ignoreCase: true, out var gender) || gender == Gender.Unknown)
            {
                throw new FormatException($"{labelsPath}: bad line '{line}' (folder,gender,basis with gender female or male)");
            }

            var dir = Path.Combine(facesDir, parts[0]);
            var files = Directory.GetFiles(dir)
                .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).Take(perPerson);
            photos.AddRange(files.Select(f => new GenderLabelledPhoto(f, parts[0], gender)));
        }

        return photos;
    }

    /// <summary>Detects the largest face of each photo once and scores every estimator on it.</summary>
    /// <param name="photos">The labelled photos.</param>
    /// <param name="detector">The face detector.</param>
    /// <param name="estimators">The estimators to compare.</param>
    /// <returns>One result per estimator, in order.</returns>
    public static IReadOnlyList<GenderEvaluationResult> Run(IReadOnlyList<GenderLabelledPhoto> photos, IFaceDetector detector, IReadOnlyList<IFaceAttributeEstimator> estimators)
    {
        ArgumentNullException.ThrowIfNull(photos);
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(estimators);
        var calls = estimators.Select(_ => new List<(Gender Truth, FaceAttributes Got)>()).ToArray();
        var ticks = new long[estimators.Count];
        var noFace = 0;
        foreach (var photo in photos)
        {
            using var image = Cv2.ImRead(photo.Path, ImreadModes.Color);
            if (image.Empty())
            {
                throw new InvalidDataException($"cannot read {photo.Path}");
            }

            var faces = detector.Detect(image);
            if (faces.Count == 0)
            {
                noFace++;
                continue;
            }

            FaceLandmarks5[] landmarks = [faces.MaxBy(f => f.Box.Area).Landmarks];
            for (var e = 0; e < estimators.Count; e++)
            {
                var start = Stopwatch.GetTimestamp();
                var got = estimators[e].Estimate(image, landmarks)[0];
                ticks[e] += Stopwatch.GetTimestamp() - start;
                calls[e].Add((photo.Gender, got));
            }
        }

        var results = new GenderEvaluationResult[estimators.Count];
        for (var e = 0; e < results.Length; e++)
        {
            var c = calls[e];
            var women = c.Where(x => x.Truth == Gender.Female).ToList();
            var men = c.Where(x => x.Truth == Gender.Male).ToList();
            var ages = c.Where(x => x.Got.AgeYears is not null).Select(x => (double)x.Got.AgeYears!.Value).Order().ToList();
            results[e] = new GenderEvaluationResult(
                c.Count,
                noFace,
                c.Count == 0 ? 0 : c.Count(x => x.Got.Gender == x.Truth) / (double)c.Count,
                women.Count == 0 ? 0 : women.Count(x => x.Got.Gender == Gender.Female) / (double)women.Count,
                men.Count == 0 ? 0 : men.Count(x => x.Got.Gender == Gender.Male) / (double)men.Count,
                ages.Count == 0 ? null : ages[ages.Count / 2],
                c.Count == 0 ? 0 : Stopwatch.GetElapsedTime(0, ticks[e]).TotalMilliseconds / c.Count);
        }

        return results;
    }

    /// <summary>Detects the largest face of each photo once and keeps every estimator's probability of male for it (photos without a face are left out).</summary>
    /// <param name="photos">The labelled photos.</param>
    /// <param name="detector">The face detector.</param>
    /// <param name="estimators">The estimators to compare.</param>
    /// <returns>One scored face per photo with a face, in the photos' order.</returns>
    public static IReadOnlyList<GenderScoredFace> Score(IReadOnlyList<GenderLabelledPhoto> photos, IFaceDetector detector, IReadOnlyList<IFaceAttributeEstimator> estimators)
    {
        ArgumentNullException.ThrowIfNull(photos);
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(estimators);
        var scored = new List<GenderScoredFace>(photos.Count);
        foreach (var photo in photos)
        {
            using var image = Cv2.ImRead(photo.Path, ImreadModes.Color);
            if (image.Empty())
            {
                throw new InvalidDataException($"cannot read {photo.Path}");
            }

            var faces = detector.Detect(image);
            if (faces.Count == 0)
            {
                continue;
            }

            FaceLandmarks5[] landmarks = [faces.MaxBy(f => f.Box.Area).Landmarks];
            var p = new float[estimators.Count];
            for (var e = 0; e < estimators.Count; e++)
            {
                p[e] = MaleProbabilityOf(estimators[e].Estimate(image, landmarks)[0]);
            }

            scored.Add(new GenderScoredFace(photo.Person, photo.Gender, p));
        }

        return scored;
    }

    /// <summary>
    /// Two-fold identity-disjoint cross-validation: the people are split in two folds (each gender alternately, in name
    /// order, so both folds hold the same mix), and for each fold every model's threshold, and the best model, are chosen
    /// on the other fold (highest balanced accuracy; ties to the threshold nearest 0.5) and reported on this one.
    /// </summary>
    /// <param name="faces">The scored faces (see <see cref="Score"/>).</param>
    /// <param name="models">The models' names, in the scores' order.</param>
    /// <returns>One result per fold and model.</returns>
    public static IReadOnlyList<HeldOutGenderResult> CrossValidate(IReadOnlyList<GenderScoredFace> faces, IReadOnlyList<string> models)
    {
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(models);
        var fold = FoldsOf(faces);
        var results = new List<HeldOutGenderResult>();
        for (var report = 0; report < 2; report++)
        {
            var tune = faces.Where(f => fold[f.Person] != report).ToList();
            var test = faces.Where(f => fold[f.Person] == report).ToList();
            var thresholds = new float[models.Count];
            var tuned = new double[models.Count];
            for (var m = 0; m < models.Count; m++)
            {
                (thresholds[m], tuned[m]) = BestThreshold(tune, m);
            }

            var chosen = Array.IndexOf(tuned, tuned.Max());
            for (var m = 0; m < models.Count; m++)
            {
                var (accuracy, balanced) = Measure(test, m, thresholds[m]);
                results.Add(new HeldOutGenderResult(report, models[m], thresholds[m], test.Count, accuracy, balanced, m == chosen));
            }
        }

        return results;
    }

    /// <summary>Formats a held-out result as the contract line of <c>scarlet eval attributes</c>.</summary>
    public static string Format(HeldOutGenderResult r) => string.Create(
        CultureInfo.InvariantCulture,
        $"heldout: fold {r.Fold} model: {r.Model} threshold: {r.Threshold:F2} faces: {r.Faces} gender_accuracy: {r.Accuracy:F4} balanced: {r.BalancedAccuracy:F4} chosen: {(r.Chosen ? "yes" : "no")}");

    private static float MaleProbabilityOf(FaceAttributes a) => a.Gender switch
    {
        Gender.Male => a.GenderConfidence,
        Gender.Female => 1f - a.GenderConfidence,
        _ => 0.5f,
    };

    private static Dictionary<string, int> FoldsOf(IReadOnlyList<GenderScoredFace> faces)
    {
        var fold = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var group in faces.DistinctBy(f => f.Person).GroupBy(f => f.Truth))
        {
            var i = 0;
            foreach (var person in group.Select(f => f.Person).Order(StringComparer.Ordinal))
            {
                fold[person] = i++ % 2;
            }
        }

        return fold;
    }

    // Thresholds 0.05 to 0.95 by 0.05: coarse on purpose (a few hundred faces cannot support a finer choice).
    private static (float Threshold, double Balanced) BestThreshold(List<GenderScoredFace> faces, int model)
    {
        var best = (Threshold: 0.5f, Balanced: Measure(faces, model, 0.5f).Balanced);
        for (var step = 1; step < 20; step++)
        {
            var t = step * 0.05f;
            var balanced = Measure(faces, model, t).Balanced;
            if (balanced > best.Balanced + 1e-12 || (Math.Abs(balanced - best.Balanced) <= 1e-12 && Math.Abs(t - 0.5f) < Math.Abs(best.Threshold - 0.5f)))
            {
                best = (t, balanced);
            }
        }

        return best;
    }

    private static (double Accuracy, double Balanced) Measure(List<GenderScoredFace> faces, int model, float threshold)
    {
        int women = 0, men = 0, womenRight = 0, menRight = 0;
        foreach (var f in faces)
        {
            var male = f.MaleProbability[model] >= threshold;
            if (f.Truth == Gender.Female)
            {
                women++;
                womenRight += male ? 0 : 1;
            }
            else
            {
                men++;
                menRight += male ? 1 : 0;
            }
        }

        var total = women + men;
        var accuracy = total == 0 ? 0 : (womenRight + menRight) / (double)total;
        var balanced = ((women == 0 ? 0 : womenRight / (double)women) + (men == 0 ? 0 : menRight / (double)men)) / 2;
        return (accuracy, balanced);
    }

    /// <summary>Formats a result as the contract line of <c>scarlet eval attributes</c>.</summary>
    public static string Format(string model, GenderEvaluationResult r) => string.Create(
        CultureInfo.InvariantCulture,
        $"model: {model} faces: {r.Faces} gender_accuracy: {r.Accuracy:F4} balanced: {r.BalancedAccuracy:F4} female_recall: {r.FemaleRecall:F4} male_recall: {r.MaleRecall:F4} median_age: {r.MedianAge:F1} ms_per_face: {r.MillisecondsPerFace:F1}");
}
