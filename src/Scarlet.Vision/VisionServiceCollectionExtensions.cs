using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Scarlet vision layer.</summary>
public static class VisionServiceCollectionExtensions
{
    /// <summary>
    /// Adds the vision layer: validated <see cref="VisionOptions"/>, the <see cref="ModelLocator"/>, one shared
    /// <see cref="InferenceSessionCache"/>, <see cref="IFaceDetector"/> (YuNet), <see cref="IPersonDetector"/> (YOLOX) and the
    /// <see cref="FaceAligner"/>, the <see cref="ImageMemoryBudget"/> (<see cref="VisionOptions.Images"/>), the
    /// <see cref="ImageDecoder"/> (default limits, sharing that budget; register your own first to change them) and the
    /// <see cref="OverlayRenderer"/>, all singletons.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adjusts the options.</param>
    /// <returns>A builder the other Scarlet layers add themselves to.</returns>
    public static IScarletBuilder AddScarletVision(this IServiceCollection services, Action<VisionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var optionsBuilder = services.AddOptions<VisionOptions>();
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        optionsBuilder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VisionOptions>, VisionOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ModelLocator(
            sp.GetRequiredService<IOptions<VisionOptions>>().Value.Models,
            sp.GetService<ILogger<ModelLocator>>()));
        services.TryAddSingleton(sp => new InferenceSessionCache(
            sp.GetRequiredService<IOptions<VisionOptions>>().Value.Inference,
            sp.GetService<ILogger<InferenceSessionCache>>()));
        services.TryAddSingleton<IFaceDetector>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<VisionOptions>>().Value;
            var path = sp.GetRequiredService<ModelLocator>().Resolve(o.FaceDetectorModel);
            return new YuNetFaceDetector(sp.GetRequiredService<InferenceSessionCache>().Get(path), o.FaceDetector);
        });
        services.TryAddSingleton<IPersonDetector>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<VisionOptions>>().Value;
            var path = sp.GetRequiredService<ModelLocator>().Resolve(o.PersonDetectorModel);
            return new YoloxPersonDetector(sp.GetRequiredService<InferenceSessionCache>().Get(path), o.PersonDetector);
        });
        services.TryAddSingleton<FaceAligner>();
        services.TryAddSingleton(sp => new ImageMemoryBudget(sp.GetRequiredService<IOptions<VisionOptions>>().Value.Images));
        services.TryAddSingleton(sp => new ImageDecoder(ImageDecoderOptions.Default, sp.GetService<TimeProvider>(), sp.GetRequiredService<ImageMemoryBudget>()));
        services.TryAddSingleton<OverlayRenderer>();
        return new ScarletBuilder(services);
    }
}
