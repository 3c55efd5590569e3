using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Scarlet.Retail;
using Scarlet.Retail.Events.Redis;
using Scarlet.Vision;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the whole SDK (<see cref="AddScarlet"/>) and the face-to-retail glue (<see cref="AddScarletFaceIdentity"/>).</summary>
public static class ScarletServiceCollectionExtensions
{
    /// <summary>
    /// Adds all four layers: Vision (<c>AddScarletVision</c>), Recognition (<c>AddScarletRecognition</c>), Tracking
    /// (<c>AddScarletTracking</c>) and Retail (<c>AddScarletRetail</c>), plus <see cref="FaceIdentityService"/> which
    /// connects recognition to the retail pipeline. Every layer's options are validated at start.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the per-layer configuration actions; <see cref="ScarletOptions.Retail"/> is required.</param>
    /// <returns>The Scarlet builder (for further <c>Add…</c> calls).</returns>
    /// <exception cref="ArgumentException"><see cref="ScarletOptions.Retail"/> was not set.</exception>
    public static IScarletBuilder AddScarlet(this IServiceCollection services, Action<ScarletOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var o = new ScarletOptions();
        configure(o);
        if (o.Retail is null && o.PostgresConnectionString is null)
        {
            throw new ArgumentException("ScarletOptions.Retail must be set (at least RetailOptions.DatabasePath), or UsePostgres called.", nameof(configure));
        }

        var retail = o.Retail;
        if (o.PostgresConnectionString is { } postgres)
        {
            retail = r =>
            {
                o.Retail?.Invoke(r);
                r.StorageProvider = StorageProvider.Postgres;
                r.PostgresConnectionString = postgres;
            };
        }

        // Vision first: its detector and model locator (configured by VisionOptions) win over the recognition defaults.
        var builder = services.AddScarletVision(o.Vision);
        services.AddScarletRecognition(o.Recognition);
        services.AddScarletTracking(o.Tracking);
        services.AddScarletRetail(retail!);
        services.AddScarletFaceIdentity(o.FaceIdentity);
        if (o.RedisBus is { } bus)
        {
            services.AddScarletRedisStreams(bus);
        }

        return builder;
    }

    /// <summary>
    /// Adds the Redis Streams event bus (<see cref="RedisStreamBus"/>, singleton) and the hosted
    /// <see cref="RedisEventBridge"/> that joins this host's event stream to it. Redis must answer at start.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Options (at least <see cref="RedisBusOptions.Configuration"/>).</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddScarletRedisStreams(this IServiceCollection services, Action<RedisBusOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<RedisBusOptions>().Configure(configure).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<RedisStreamBus>();
        services.TryAddSingleton<RedisEventBridge>();
        services.AddHostedService(sp => sp.GetRequiredService<RedisEventBridge>());
        return services;
    }

    /// <summary>
    /// Adds <see cref="FaceIdentityService"/> (singleton) and a hosted service that builds every organisation's gallery
    /// at start. Needs <c>AddScarletRecognition</c> and <c>AddScarletRetail</c> (<c>AddScarlet</c> adds all).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes the options; may be <see langword="null"/>.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddScarletFaceIdentity(this IServiceCollection services, Action<FaceIdentityOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<FaceIdentityOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.TryAddSingleton(sp => new ImageDecoder(ImageDecoderOptions.Default, sp.GetService<TimeProvider>(), sp.GetService<ImageMemoryBudget>()));
        services.TryAddSingleton<FaceIdentityService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, FaceIdentityHostedService>());
        return services;
    }
}

/// <summary>Builds the galleries at start (when <see cref="FaceIdentityOptions.RebuildAtStart"/>).</summary>
/// <param name="service">The service.</param>
/// <param name="options">Options.</param>
internal sealed class FaceIdentityHostedService(FaceIdentityService service, IOptions<FaceIdentityOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        options.Value.RebuildAtStart ? service.StartAsync(cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
