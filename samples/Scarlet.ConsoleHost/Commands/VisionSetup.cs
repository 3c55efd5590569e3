using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// Builds the vision models for console verbs from the common options <c>--models DIR</c>, <c>--face-model ID|PATH</c>,
/// <c>--person-model ID|PATH</c>, <c>--threads N</c>, <c>--provider cpu|cuda</c>, <c>--allow-cpu-fallback</c>.
/// </summary>
internal sealed class VisionSetup : IDisposable
{
    private readonly InferenceSessionCache _sessions;
    private readonly Lazy<YuNetFaceDetector> _faces;
    private readonly Lazy<YoloxPersonDetector> _persons;

    public VisionSetup(CliArgs args, float? personScoreThreshold = null)
    {
        var locatorOptions = new ModelLocatorOptions { ModelsDirectory = args.Optional("models") };
        Locator = new ModelLocator(locatorOptions);
        Inference = new InferenceOptions
        {
            IntraOpThreads = args.Int("threads", 0),
            ExecutionProvider = (args.Optional("provider") ?? "cpu").ToLowerInvariant() switch
            {
                "cpu" => ExecutionProviderKind.Cpu,
                "cuda" => ExecutionProviderKind.Cuda,
                var other => throw new UsageException($"--provider takes cpu or cuda, got '{other}'"),
            },
            AllowCpuFallback = args.Flag("allow-cpu-fallback"),
        };
        _sessions = new InferenceSessionCache(Inference);
        var faceModel = args.Optional("face-model") ?? ModelCatalog.YuNet2023Mar.Id;
        var personModel = args.Optional("person-model") ?? ModelCatalog.YoloxNano.Id;
        var personOptions = new PersonDetectorOptions();
        if (personScoreThreshold is { } t)
        {
            personOptions.ScoreThreshold = t;
        }

        FaceModelPath = Locator.Resolve(faceModel);
        PersonModelPath = Locator.Resolve(personModel);
        _faces = new(() => new YuNetFaceDetector(_sessions.Get(FaceModelPath)));
        _persons = new(() => new YoloxPersonDetector(_sessions.Get(PersonModelPath), personOptions));
    }

    public ModelLocator Locator { get; }

    public InferenceOptions Inference { get; }

    public string FaceModelPath { get; }

    public string PersonModelPath { get; }

    public YuNetFaceDetector Faces => _faces.Value;

    public YoloxPersonDetector Persons => _persons.Value;

    public InferenceSessionCache Sessions => _sessions;

    public void Dispose() => _sessions.Dispose();
}
