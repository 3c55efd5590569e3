using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scarlet.Recognition;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the recognition layer: embedder, quality gate, gallery and the <see cref="FaceRecognizer"/> pipeline.</summary>
public static class RecognitionServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IFaceEmbedder"/>, <see cref="FaceQualityGate"/>, <see cref="FaceGallery"/> and <see cref="FaceRecognizer"/>
    /// (all singletons), with <see cref="RecognitionOptions"/> validated at start. A <see cref="ModelLocator"/>,
    /// <see cref="InferenceSessionCache"/>, <see cref="FaceAligner"/> and an <see cref="IFaceDetector"/> (YuNet) are added
    /// only when not registered already (for example by <c>AddScarletVision</c>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes the options; may be <see langword="null"/>.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddScarletRecognition(this IServiceCollection services, Action<RecognitionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<RecognitionOptions>().ValidateOnStart();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RecognitionOptions>, RecognitionOptionsValidator>());
        services.TryAddSingleton(_ => new ModelLocator());
        services.TryAddSingleton(_ => new InferenceSessionCache());
        services.TryAddSingleton<FaceAligner>();
        services.TryAddSingleton<IFaceDetector>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<RecognitionOptions>>().Value;
            var path = sp.GetRequiredService<ModelLocator>().Resolve(o.FaceDetectorModel);
            return new YuNetFaceDetector(sp.GetRequiredService<InferenceSessionCache>().Get(path));
        });
        services.TryAddSingleton<IFaceEmbedder>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<RecognitionOptions>>().Value;
            var path = sp.GetRequiredService<ModelLocator>().Resolve(o.EmbeddingModel);
            var id = File.Exists(o.EmbeddingModel) ? Path.GetFileNameWithoutExtension(path) : ModelCatalog.Get(o.EmbeddingModel).Id;
            return new OnnxFaceEmbedder(
                sp.GetRequiredService<InferenceSessionCache>().Get(path),
                id,
                FaceEmbedderOptions.For(o.EmbeddingNormalization, o.FlipAugmentation));
        });
        services.TryAddSingleton(sp => new FaceQualityGate(sp.GetRequiredService<IOptions<RecognitionOptions>>().Value.Quality));
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<RecognitionOptions>>().Value;
            var embedder = sp.GetRequiredService<IFaceEmbedder>();
            if (!string.IsNullOrWhiteSpace(o.GallerySnapshotPath) && File.Exists(o.GallerySnapshotPath))
            {
                using var stream = File.OpenRead(o.GallerySnapshotPath);
                return FaceGallery.Load(stream, o.Gallery, embedder.ModelId);
            }

            return new FaceGallery(embedder.Dimension, embedder.ModelId, o.Gallery);
        });
        services.TryAddSingleton(sp =>
        {
            var detector = sp.GetRequiredService<IFaceDetector>();
            var o = sp.GetRequiredService<IOptions<RecognitionOptions>>().Value;
            return new FaceRecognizer(
                detector,
                sp.GetRequiredService<IFaceEmbedder>(),
                sp.GetRequiredService<FaceGallery>(),
                sp.GetRequiredService<FaceQualityGate>(),
                sp.GetRequiredService<FaceAligner>(),
                o.RefineLandmarks ? new MirrorLandmarkRefiner(detector) : null)
            {
                RefinementMargin = o.RefinementMargin,
            };
        });
        return services;
    }

    /// <summary>
    /// Adds <see cref="IFaceAttributeEstimator"/> (<see cref="OnnxFaceAttributeEstimator"/>, a singleton owning its
    /// sessions) with <see cref="FaceAttributeOptions"/> validated at start. The models are the converted human-models
    /// (scripts/models/fetch-human-models.sh), found by the <see cref="ModelLocator"/> (added when none is registered).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes the options; may be <see langword="null"/>.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddScarletFaceAttributes(this IServiceCollection services, Action<FaceAttributeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<FaceAttributeOptions>().ValidateOnStart();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FaceAttributeOptions>, FaceAttributeOptionsValidator>());
        services.TryAddSingleton(_ => new ModelLocator());
        services.TryAddSingleton<IFaceAttributeEstimator>(sp =>
            new OnnxFaceAttributeEstimator(sp.GetRequiredService<ModelLocator>(), sp.GetRequiredService<IOptions<FaceAttributeOptions>>().Value));
        return services;
    }

    /// <summary>Adds the recognition layer to a Scarlet builder (see <see cref="AddScarletRecognition(IServiceCollection, Action{RecognitionOptions}?)"/>).</summary>
    /// <param name="builder">The builder returned by <c>AddScarletVision</c>.</param>
    /// <param name="configure">Changes the options; may be <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static IScarletBuilder AddRecognition(this IScarletBuilder builder, Action<RecognitionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddScarletRecognition(configure);
        return builder;
    }
}
