using Microsoft.Extensions.Configuration;
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
    /// Adds the vision layer with default <see cref="VisionOptions"/>: the <see cref="ModelLocator"/>, one shared
    /// <see cref="InferenceSessionCache"/>, <see cref="IFaceDetector"/> (YuNet) and <see cref="IPersonDetector"/> (YOLOX), the
    /// <see cref="FaceAligner"/>, the <see cref="ImageMemoryBudget"/> (<see cref="VisionOptions.Images"/>), the
    /// <see cref="ImageDecoder"/> (default limits, sharing that budget; register your own first to change them) and the
    /// <see cref="OverlayRenderer"/>, all singletons; the options are validated when the host starts.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>A builder the other Scarlet layers add themselves to.</returns>
    public static IScarletBuilder AddScarletVision(this IServiceCollection services) => AddVision(services, null, null);

    /// <summary>Adds the vision layer (<see cref="AddScarletVision(IServiceCollection)"/>) with its options bound from a configuration section.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The section whose keys are <see cref="VisionOptions"/>' properties (for example <c>Models:Directory</c>, <c>Inference:IntraOpThreads</c>, <c>Images:MaxConcurrentDecodes</c>).</param>
    /// <returns>A builder the other Scarlet layers add themselves to.</returns>
    public static IScarletBuilder AddScarletVision(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return AddVision(services, section, null);
    }

    /// <summary>Adds the vision layer (<see cref="AddScarletVision(IServiceCollection)"/>) with its options set by an action.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adjusts the options.</param>
    /// <returns>A builder the other Scarlet layers add themselves to.</returns>
    public static IScarletBuilder AddScarletVision(this IServiceCollection services, Action<VisionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddVision(services, null, configure);
    }

    private static ScarletBuilder AddVision(IServiceCollection services, IConfiguration? section, Action<VisionOptions>? configure)
    {
        services.AddScarletOptions<VisionOptions, VisionOptionsValidator>(section, configure);
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
