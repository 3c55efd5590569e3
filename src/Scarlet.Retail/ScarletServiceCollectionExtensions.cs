using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Scarlet.Retail;
using Scarlet.Retail.Events.Redis;
using Scarlet.Vision;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the whole SDK (<see cref="AddScarlet(IServiceCollection)"/>) and the face-to-retail glue (<see cref="AddScarletFaceIdentity(IServiceCollection)"/>).</summary>
public static class ScarletServiceCollectionExtensions
{
    /// <summary>The configuration sections <see cref="AddScarlet(IServiceCollection, IConfiguration)"/> reads, one per layer.</summary>
    private const string VisionSection = "Vision", RecognitionSection = "Recognition", TrackingSection = "Tracking", RetailSection = "Retail", FaceIdentitySection = "FaceIdentity", RedisBusSection = "RedisBus";

    /// <summary>
    /// Adds all four layers with default options: Vision (<c>AddScarletVision</c>), Recognition
    /// (<c>AddScarletRecognition</c>), Tracking (<c>AddScarletTracking</c>) and Retail (<c>AddScarletRetail</c>), plus
    /// <see cref="FaceIdentityService"/> which connects recognition to the retail pipeline. Every layer's options are
    /// validated when the host starts; set them with each layer's own <c>AddScarletX(...)</c> overloads, before or after
    /// this call (at least <see cref="RetailOptions.DatabasePath"/>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The Scarlet builder (for further <c>Add…</c> calls).</returns>
    public static IScarletBuilder AddScarlet(this IServiceCollection services) => AddAll(services, null, null);

    /// <summary>
    /// Adds all four layers (<see cref="AddScarlet(IServiceCollection)"/>), each layer's options bound from its own child
    /// of <paramref name="section"/>: <c>Vision</c>, <c>Recognition</c>, <c>Tracking</c>, <c>Retail</c> and
    /// <c>FaceIdentity</c>; a <c>RedisBus</c> child, when present, adds the Redis Streams bus
    /// (<see cref="AddScarletRedisStreams(IServiceCollection, IConfiguration)"/>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section holding one child per layer.</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarlet(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var builder = AddAll(services, section, null);
        if (section.GetSection(RedisBusSection).Exists())
        {
            services.AddScarletRedisStreams(section.GetSection(RedisBusSection));
        }

        return builder;
    }

    /// <summary>
    /// Adds all four layers (<see cref="AddScarlet(IServiceCollection)"/>) with the retail options, the ones every
    /// application sets (at least <see cref="RetailOptions.DatabasePath"/>, or <see cref="RetailOptions.StorageProvider"/>
    /// <see cref="StorageProvider.Postgres"/> with its connection string), set by an action.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the retail options.</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarlet(this IServiceCollection services, Action<RetailOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddAll(services, null, configure);
    }

    /// <summary>
    /// Adds the Redis Streams event bus (<see cref="RedisStreamBus"/>, singleton) and the hosted
    /// <see cref="RedisEventBridge"/> that joins this host's event stream to it, with default <see cref="RedisBusOptions"/>
    /// (<see cref="RedisBusOptions.Configuration"/> must then be set elsewhere). Redis must answer at start.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletRedisStreams(this IServiceCollection services) => AddRedisStreamsCore(services, null, null);

    /// <summary>Adds the Redis Streams event bus (<see cref="AddScarletRedisStreams(IServiceCollection)"/>), its options bound from a configuration section.</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section whose keys are <see cref="RedisBusOptions"/>' properties (at least <c>Configuration</c>).</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletRedisStreams(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return AddRedisStreamsCore(services, section, null);
    }

    /// <summary>Adds the Redis Streams event bus (<see cref="AddScarletRedisStreams(IServiceCollection)"/>), its options set by an action.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Options (at least <see cref="RedisBusOptions.Configuration"/>; <see cref="RedisBusOptions.HostId"/>: unique per host).</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletRedisStreams(this IServiceCollection services, Action<RedisBusOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddRedisStreamsCore(services, null, configure);
    }

    /// <summary>
    /// Adds <see cref="FaceIdentityService"/> (singleton) and a hosted service that builds every organisation's gallery
    /// at start, with default <see cref="FaceIdentityOptions"/>. Needs <c>AddScarletRecognition</c> and
    /// <c>AddScarletRetail</c> (<c>AddScarlet</c> adds all).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletFaceIdentity(this IServiceCollection services) => AddFaceIdentityCore(services, null, null);

    /// <summary>Adds <see cref="FaceIdentityService"/> (<see cref="AddScarletFaceIdentity(IServiceCollection)"/>), its options bound from a configuration section.</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section whose keys are <see cref="FaceIdentityOptions"/>' properties.</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletFaceIdentity(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return AddFaceIdentityCore(services, section, null);
    }

    /// <summary>Adds <see cref="FaceIdentityService"/> (<see cref="AddScarletFaceIdentity(IServiceCollection)"/>), its options set by an action.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletFaceIdentity(this IServiceCollection services, Action<FaceIdentityOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddFaceIdentityCore(services, null, configure);
    }

    private static IScarletBuilder AddAll(IServiceCollection services, IConfiguration? section, Action<RetailOptions>? configureRetail)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = section is null ? services.AddScarletVision() : services.AddScarletVision(section.GetSection(VisionSection));
        _ = section is null ? services.AddScarletRecognition() : services.AddScarletRecognition(section.GetSection(RecognitionSection));
        _ = section is null ? services.AddScarletTracking() : services.AddScarletTracking(section.GetSection(TrackingSection));
        _ = section is null ? services.AddScarletRetail() : services.AddScarletRetail(section.GetSection(RetailSection));
        if (configureRetail is not null)
        {
            services.AddScarletRetail(configureRetail);
        }

        _ = section is null ? services.AddScarletFaceIdentity() : services.AddScarletFaceIdentity(section.GetSection(FaceIdentitySection));
        return builder;
    }

    private static ScarletBuilder AddRedisStreamsCore(IServiceCollection services, IConfiguration? section, Action<RedisBusOptions>? configure)
    {
        services.AddScarletOptions<RedisBusOptions, RedisBusOptionsValidator>(section, configure);
        services.TryAddSingleton<RedisStreamBus>();
        services.TryAddSingleton<RedisEventBridge>();
        services.AddHostedService(sp => sp.GetRequiredService<RedisEventBridge>());
        return new ScarletBuilder(services);
    }

    private static ScarletBuilder AddFaceIdentityCore(IServiceCollection services, IConfiguration? section, Action<FaceIdentityOptions>? configure)
    {
        services.AddScarletOptions<FaceIdentityOptions, FaceIdentityOptionsValidator>(section, configure);
        services.TryAddSingleton(sp => new ImageDecoder(ImageDecoderOptions.Default, sp.GetService<TimeProvider>(), sp.GetService<ImageMemoryBudget>()));
        services.TryAddSingleton<FaceIdentityService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, FaceIdentityHostedService>());
        return new ScarletBuilder(services);
    }
}

/// <summary>Field rules (DataAnnotations) of <see cref="FaceIdentityOptions"/>, source-generated.</summary>
[OptionsValidator]
internal sealed partial class FaceIdentityOptionsValidator : IValidateOptions<FaceIdentityOptions>;

/// <summary>Field rules (DataAnnotations) of <see cref="RedisBusOptions"/>, source-generated.</summary>
[OptionsValidator]
internal sealed partial class RedisBusOptionsValidator : IValidateOptions<RedisBusOptions>;

/// <summary>Builds the galleries at start (when <see cref="FaceIdentityOptions.RebuildAtStart"/>) and writes their changed snapshots at shutdown.</summary>
/// <param name="service">The service.</param>
/// <param name="options">Options.</param>
internal sealed class FaceIdentityHostedService(FaceIdentityService service, IOptions<FaceIdentityOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        options.Value.RebuildAtStart ? service.StartAsync(cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // The changes of the last snapshot delay: written now, so the next start can use the snapshot.
        service.SaveSnapshots();
        return Task.CompletedTask;
    }
}
