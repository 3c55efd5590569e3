using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scarlet.Tracking;
using Scarlet.Vision;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Scarlet tracking layer.</summary>
public static class TrackingServiceCollectionExtensions
{
    /// <summary>
    /// Registers default <see cref="TrackerOptions"/> (validated when the host starts) and <see cref="MultiObjectTracker"/>
    /// as a transient service built from them: trackers hold one camera's state, so each resolve is a new tracker.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletTracking(this IServiceCollection services) => AddTrackingCore(services, null, null);

    /// <summary>Registers the tracking layer (<see cref="AddScarletTracking(IServiceCollection)"/>) with its options bound from a configuration section.</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section whose keys are <see cref="TrackerOptions"/>' properties (for example <c>FrameRate</c>).</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletTracking(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return AddTrackingCore(services, section, null);
    }

    /// <summary>Registers the tracking layer (<see cref="AddScarletTracking(IServiceCollection)"/>) with its options set by an action.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes the defaults.</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletTracking(this IServiceCollection services, Action<TrackerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddTrackingCore(services, null, configure);
    }

    /// <summary>Registers the tracking layer on a Scarlet builder with default options.</summary>
    /// <param name="builder">The builder returned by another <c>AddScarletX</c>.</param>
    /// <returns>The builder.</returns>
    public static IScarletBuilder AddTracking(this IScarletBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services.AddScarletTracking();
    }

    /// <summary>Registers the tracking layer on a Scarlet builder, its options bound from a configuration section.</summary>
    /// <param name="builder">The builder returned by another <c>AddScarletX</c>.</param>
    /// <param name="section">The options' configuration section.</param>
    /// <returns>The builder.</returns>
    public static IScarletBuilder AddTracking(this IScarletBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services.AddScarletTracking(section);
    }

    /// <summary>Registers the tracking layer on a Scarlet builder, its options set by an action.</summary>
    /// <param name="builder">The builder returned by another <c>AddScarletX</c>.</param>
    /// <param name="configure">Changes the defaults.</param>
    /// <returns>The builder.</returns>
    public static IScarletBuilder AddTracking(this IScarletBuilder builder, Action<TrackerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services.AddScarletTracking(configure);
    }

    private static ScarletBuilder AddTrackingCore(IServiceCollection services, IConfiguration? section, Action<TrackerOptions>? configure)
    {
        services.AddScarletOptions<TrackerOptions, TrackerOptionsValidator>(section, configure);
        services.TryAddTransient(sp => new MultiObjectTracker(sp.GetRequiredService<IOptions<TrackerOptions>>().Value));
        return new ScarletBuilder(services);
    }
}
