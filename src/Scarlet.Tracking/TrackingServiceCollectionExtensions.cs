using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scarlet.Tracking;
using Scarlet.Vision;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Scarlet tracking layer.</summary>
public static class TrackingServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TrackerOptions"/> (validated at start). Trackers are per camera, so none is registered as
    /// a service: create one with <c>new MultiObjectTracker(options.Value)</c> per camera.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Optional changes to the defaults.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddScarletTracking(this IServiceCollection services, Action<TrackerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<TrackerOptions>().ValidateOnStart();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TrackerOptions>, TrackerOptionsValidator>());
        return services;
    }

    /// <summary>Registers the tracking layer on a Scarlet builder.</summary>
    /// <param name="builder">The builder returned by <c>AddScarletVision</c>.</param>
    /// <param name="configure">Optional changes to the defaults.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IScarletBuilder AddTracking(this IScarletBuilder builder, Action<TrackerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddScarletTracking(configure);
        return builder;
    }
}
