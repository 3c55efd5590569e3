using Microsoft.Extensions.Configuration;
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
    /// (all singletons) with default <see cref="RecognitionOptions"/>, validated when the host starts, on top of the
    /// vision layer (<c>AddScarletVision</c>, added when missing): the face detector, model locator and sessions are
    /// the vision layer's, configured by <c>VisionOptions</c> alone.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletRecognition(this IServiceCollection services) => AddRecognitionCore(services, null, null);

    /// <summary>Adds the recognition layer (<see cref="AddScarletRecognition(IServiceCollection)"/>) with its options bound from a configuration section.</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section whose keys are <see cref="RecognitionOptions"/>' properties (for example <c>Gallery:MatchThreshold</c>).</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletRecognition(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return AddRecognitionCore(services, section, null);
    }

    /// <summary>Adds the recognition layer (<see cref="AddScarletRecognition(IServiceCollection)"/>) with its options set by an action.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletRecognition(this IServiceCollection services, Action<RecognitionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddRecognitionCore(services, null, configure);
    }

    private static IScarletBuilder AddRecognitionCore(IServiceCollection services, IConfiguration? section, Action<RecognitionOptions>? configure)
    {
        services.AddScarletOptions<RecognitionOptions, RecognitionOptionsValidator>(section, configure);
        var builder = services.AddScarletVision();
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
                return FaceGallerySnapshot.Read(stream, o.Gallery, embedder.ModelId);
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
        return builder;
    }

    /// <summary>
    /// Adds <see cref="IFaceAttributeEstimator"/> (<see cref="OnnxFaceAttributeEstimator"/>, a singleton owning its
    /// sessions) with default <see cref="FaceAttributeOptions"/>, validated when the host starts. The models are the
    /// converted human-models (scripts/models/fetch-human-models.sh), found by the vision layer's <see cref="ModelLocator"/>
    /// (<c>AddScarletVision</c>, added when missing).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletFaceAttributes(this IServiceCollection services) => AddFaceAttributesCore(services, null, null);

    /// <summary>Adds the face attributes (<see cref="AddScarletFaceAttributes(IServiceCollection)"/>) with their options bound from a configuration section.</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section whose keys are <see cref="FaceAttributeOptions"/>' properties.</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletFaceAttributes(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return AddFaceAttributesCore(services, section, null);
    }

    /// <summary>Adds the face attributes (<see cref="AddScarletFaceAttributes(IServiceCollection)"/>) with their options set by an action.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletFaceAttributes(this IServiceCollection services, Action<FaceAttributeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddFaceAttributesCore(services, null, configure);
    }

    private static IScarletBuilder AddFaceAttributesCore(IServiceCollection services, IConfiguration? section, Action<FaceAttributeOptions>? configure)
    {
        services.AddScarletOptions<FaceAttributeOptions, FaceAttributeOptionsValidator>(section, configure);
        var builder = services.AddScarletVision();
        services.TryAddSingleton<IFaceAttributeEstimator>(sp =>
            new OnnxFaceAttributeEstimator(sp.GetRequiredService<ModelLocator>(), sp.GetRequiredService<IOptions<FaceAttributeOptions>>().Value));
        return builder;
    }

    /// <summary>Adds the recognition layer to a Scarlet builder with default options (<see cref="AddScarletRecognition(IServiceCollection)"/>).</summary>
    /// <param name="builder">The builder returned by another <c>AddScarletX</c>.</param>
    /// <returns>The builder.</returns>
    public static IScarletBuilder AddRecognition(this IScarletBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services.AddScarletRecognition();
    }

    /// <summary>Adds the recognition layer to a Scarlet builder, its options bound from a configuration section.</summary>
    /// <param name="builder">The builder returned by another <c>AddScarletX</c>.</param>
    /// <param name="section">The options' configuration section.</param>
    /// <returns>The builder.</returns>
    public static IScarletBuilder AddRecognition(this IScarletBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services.AddScarletRecognition(section);
    }

    /// <summary>Adds the recognition layer to a Scarlet builder, its options set by an action.</summary>
    /// <param name="builder">The builder returned by another <c>AddScarletX</c>.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The builder.</returns>
    public static IScarletBuilder AddRecognition(this IScarletBuilder builder, Action<RecognitionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services.AddScarletRecognition(configure);
    }
}
