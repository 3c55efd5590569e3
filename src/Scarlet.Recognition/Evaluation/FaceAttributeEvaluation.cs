using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;
using Scarlet.Vision;

namespace Scarlet.Recognition.Evaluation;

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

    /// <summary>Formats a result as the contract line of <c>scarlet eval attributes</c>.</summary>
    public static string Format(string model, GenderEvaluationResult r) => string.Create(
        CultureInfo.InvariantCulture,
        $"model: {model} faces: {r.Faces} gender_accuracy: {r.Accuracy:F4} balanced: {r.BalancedAccuracy:F4} female_recall: {r.FemaleRecall:F4} male_recall: {r.MaleRecall:F4} median_age: {r.MedianAge:F1} ms_per_face: {r.MillisecondsPerFace:F1}");
}
