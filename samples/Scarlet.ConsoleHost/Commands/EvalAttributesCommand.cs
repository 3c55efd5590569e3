using Scarlet.Evaluation.Recognition;
using Scarlet.Recognition;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet eval attributes --labels face-gender-labelled.csv --faces DIR [--per-person N] [--model faceres,faceres-deep,gear,ssrnet] [--held-out]</c>:
/// gender accuracy of each attribute model on photos labelled by identity (the largest face of each photo, YuNet);
/// one line per model: <c>model: M faces: N gender_accuracy: A balanced: B female_recall: F male_recall: M median_age: Y ms_per_face: T</c>;
/// with <c>--held-out</c> also two-fold identity-disjoint figures (threshold and model chosen on the other fold):
/// <c>heldout: fold F model: M threshold: T faces: N gender_accuracy: A balanced: B chosen: yes|no</c> and one
/// <c>heldout_chosen:</c> line for the model each fold chose.
/// </summary>
internal static class EvalAttributesCommand
{
    public static Task<int> RunAsync(CliArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var labels = args.Required("labels");
        var faces = args.Required("faces");
        var perPerson = args.Int("per-person", 4);
        var heldOut = args.Flag("held-out");
        var models = (args.Optional("model") ?? "faceres,faceres-deep,gear,ssrnet").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        using var vision = new VisionSetup(args);
        args.EnsureAllUsed();
        if (perPerson < 1)
        {
            throw new UsageException("--per-person takes 1 or more");
        }

        var kinds = models.Select(m => m.ToLowerInvariant() switch
        {
            "faceres" => FaceAttributeModel.Faceres,
            "faceres-deep" => FaceAttributeModel.FaceresDeep,
            "gear" => FaceAttributeModel.Gear,
            "ssrnet" => FaceAttributeModel.SsrNet,
            _ => throw new UsageException($"--model takes faceres, faceres-deep, gear, ssrnet; got '{m}'"),
        }).ToArray();
        var photos = FaceAttributeEvaluation.Load(labels, faces, perPerson);
        Console.Out.WriteLine($"photos: {photos.Count} of {photos.Select(p => p.Person).Distinct().Count()} people ({photos.Count(p => p.Gender == Gender.Female)} of women)");
        var inference = new InferenceOptions { IntraOpThreads = 1 };
        var estimators = kinds.Select(k => new OnnxFaceAttributeEstimator(vision.Locator, new FaceAttributeOptions { Model = k, Emotion = false }, inference)).ToList();
        try
        {
            using var detector = new YuNetFaceDetector(vision.FaceModelPath, new FaceDetectorOptions(), inference);
            var results = FaceAttributeEvaluation.Run(photos, detector, estimators);
            for (var i = 0; i < results.Count; i++)
            {
                Console.Out.WriteLine(FaceAttributeEvaluation.Format(models[i], results[i]));
            }

            Console.Out.WriteLine($"no face: {results[0].NoFace}");
            if (heldOut)
            {
                // Thresholds and the model chosen on one identity-disjoint fold, reported on the other, both ways.
                var scored = FaceAttributeEvaluation.Score(photos, detector, estimators);
                var folds = FaceAttributeEvaluation.CrossValidate(scored, models);
                foreach (var r in folds)
                {
                    Console.Out.WriteLine(FaceAttributeEvaluation.Format(r));
                }

                var chosen = folds.Where(r => r.Chosen).ToList();
                var total = chosen.Sum(r => r.Faces);
                Console.Out.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"heldout_chosen: models {string.Join('/', chosen.Select(r => r.Model))} faces: {total} gender_accuracy: {chosen.Sum(r => r.Accuracy * r.Faces) / total:F4} balanced: {chosen.Average(r => r.BalancedAccuracy):F4}"));
            }
        }
        finally
        {
            foreach (var e in estimators)
            {
                e.Dispose();
            }
        }

        return Task.FromResult(ExitCodes.Ok);
    }
}
