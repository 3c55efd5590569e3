using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scarlet.Recognition;
using Scarlet.Retail;
using Scarlet.Retail.Events;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the store cameras.</summary>
public static class StoreCameraServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="StoreCameraRegistry"/> (singleton) with default <see cref="StoreCameraOptions"/>, validated at
    /// start. Needs the camera pipelines (<c>AddCameraPipelines</c>) and the face identity service (<c>AddScarlet</c>);
    /// face attributes are estimated when an <see cref="IFaceAttributeEstimator"/> is registered (<c>AddScarletFaceAttributes</c>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletStoreCameras(this IServiceCollection services) => AddStoreCamerasCore(services, null, null);

    /// <summary>Adds the store cameras (<see cref="AddScarletStoreCameras(IServiceCollection)"/>), their options bound from a configuration section.</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section whose keys are <see cref="StoreCameraOptions"/>' properties.</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletStoreCameras(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return AddStoreCamerasCore(services, section, null);
    }

    /// <summary>Adds the store cameras (<see cref="AddScarletStoreCameras(IServiceCollection)"/>), their options set by an action.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletStoreCameras(this IServiceCollection services, Action<StoreCameraOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddStoreCamerasCore(services, null, configure);
    }

    private static ScarletBuilder AddStoreCamerasCore(IServiceCollection services, IConfiguration? section, Action<StoreCameraOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddScarletOptions<StoreCameraOptions, StoreCameraOptionsValidator>(section, configure);
        services.TryAddSingleton(sp => new StoreCameraRegistry(
            sp.GetRequiredService<CameraPipelineHost>(),
            sp.GetRequiredService<FaceIdentityService>(),
            sp.GetRequiredService<ScarletEventStream>(),
            sp.GetRequiredService<TrackingEventPublisher>(),
            sp.GetRequiredService<AttributeStatistics>(),
            sp.GetRequiredService<IOptions<StoreCameraOptions>>(),
            sp.GetService<IFaceAttributeEstimator>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()));
        return new ScarletBuilder(services);
    }
}
