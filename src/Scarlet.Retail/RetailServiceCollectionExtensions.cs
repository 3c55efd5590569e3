using System.Reactive.Concurrency;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scarlet.Retail;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Storage.Postgres;
using Scarlet.Retail.Storage.Sql;
using Scarlet.Retail.Storage.Sqlite;
using Scarlet.Vision;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Scarlet.Retail.</summary>
public static class RetailServiceCollectionExtensions
{
    /// <summary>
    /// Adds the retail services with default <see cref="RetailOptions"/> (validated when the host starts, so
    /// <see cref="RetailOptions.DatabasePath"/> must then be set by another <c>AddScarletRetail</c> call or a
    /// <c>Configure&lt;RetailOptions&gt;</c>), the event stream, and a hosted service that starts the
    /// <see cref="RetailPipeline"/>. <see cref="TimeProvider"/> and <see cref="IScheduler"/> default to the system ones
    /// unless registered before.
    /// </summary>
    /// <param name="services">Services.</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletRetail(this IServiceCollection services) => AddRetailCore(services, null, null);

    /// <summary>Adds the retail services (<see cref="AddScarletRetail(IServiceCollection)"/>) with their options bound from a configuration section.</summary>
    /// <param name="services">Services.</param>
    /// <param name="section">The section whose keys are <see cref="RetailOptions"/>' properties (at least <c>DatabasePath</c>).</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletRetail(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return AddRetailCore(services, section, null);
    }

    /// <summary>Adds the retail services (<see cref="AddScarletRetail(IServiceCollection)"/>) with their options set by an action.</summary>
    /// <param name="services">Services.</param>
    /// <param name="configure">Options setup (at least <see cref="RetailOptions.DatabasePath"/>).</param>
    /// <returns>The Scarlet builder.</returns>
    public static IScarletBuilder AddScarletRetail(this IServiceCollection services, Action<RetailOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddRetailCore(services, null, configure);
    }

    /// <summary>Adds Scarlet.Retail to a Scarlet builder with default options.</summary>
    /// <param name="builder">The builder from another <c>AddScarletX</c>.</param>
    /// <returns>The builder.</returns>
    public static IScarletBuilder AddRetail(this IScarletBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services.AddScarletRetail();
    }

    /// <summary>Adds Scarlet.Retail to a Scarlet builder, its options bound from a configuration section.</summary>
    /// <param name="builder">The builder from another <c>AddScarletX</c>.</param>
    /// <param name="section">The options' configuration section.</param>
    /// <returns>The builder.</returns>
    public static IScarletBuilder AddRetail(this IScarletBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services.AddScarletRetail(section);
    }

    /// <summary>Adds Scarlet.Retail to a Scarlet builder, its options set by an action.</summary>
    /// <param name="builder">The builder from another <c>AddScarletX</c>.</param>
    /// <param name="configure">Options setup.</param>
    /// <returns>The builder.</returns>
    public static IScarletBuilder AddRetail(this IScarletBuilder builder, Action<RetailOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services.AddScarletRetail(configure);
    }

    private static ScarletBuilder AddRetailCore(IServiceCollection services, IConfiguration? section, Action<RetailOptions>? configure)
    {
        services.AddScarletOptions<RetailOptions, RetailOptionsValidator>(section, configure);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IScheduler>(DefaultScheduler.Instance);
        services.TryAddSingleton<SqlDatabase>(sp => OpenDatabase(sp.GetRequiredService<IOptions<RetailOptions>>().Value));
        services.TryAddSingleton<IOrganizationStore>(sp => new SqlOrganizationStore(sp.GetRequiredService<SqlDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ICustomerStore>(sp => new SqlCustomerStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<ICatalogStore>(sp => new SqlCatalogStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<IVisitorStore>(sp => new SqlVisitorStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<IPromotionStore>(sp => new SqlPromotionStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<IVisitStore>(sp => new SqlVisitStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<IEventStore>(sp => new SqlEventStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<IAlertStore>(sp => new SqlAlertStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<IPossibleDuplicateStore>(sp => new SqlPossibleDuplicateStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<IAttributeStatisticsStore>(sp => new SqlAttributeStatisticsStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<IZoneStore>(sp => new SqlZoneStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<IAlertRuleStore>(sp => new SqlAlertRuleStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<AttributeStatistics>();

        // Admin state in the same database, so every host sharing it sees the same users, logouts, lock-outs and keys.
        services.TryAddSingleton<IAdminUserStore>(sp => new SqlAdminUserStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<ITokenRevocationStore>(sp => new SqlTokenRevocationStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<ILoginLockoutStore>(sp => new SqlLoginLockoutStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<IApiKeyStore>(sp => new SqlApiKeyStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<IStreamTicketStore>(sp => new SqlStreamTicketStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<IRateLimitStore>(sp => new SqlRateLimitStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<IHostStateStore>(sp => new SqlHostStateStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<IVideoJobStore>(sp => new SqlVideoJobStore(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton(sp => new ScarletEventStream(
            sp.GetService<ILogger<ScarletEventStream>>(), sp.GetRequiredService<IOptions<RetailOptions>>().Value.EventHandlerQueueCapacity));
        services.TryAddSingleton<CustomerService>();
        services.TryAddSingleton<PrivacyService>();
        services.TryAddSingleton<CustomerMergeService>();
        services.TryAddSingleton<PromotionEngine>();
        services.TryAddSingleton<RecommendationService>();
        services.TryAddSingleton<VisitAnalytics>();
        services.TryAddSingleton<AlertEngine>();
        services.TryAddSingleton<EventLog>();
        services.TryAddSingleton<TrackingEventPublisher>();
        services.TryAddSingleton<RetailPipeline>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RetailPipelineHostedService>());
        return new ScarletBuilder(services);
    }

    private static SqlDatabase OpenDatabase(RetailOptions options) => options.StorageProvider switch
    {
        StorageProvider.Postgres => new PostgresDatabase(options.PostgresConnectionString!),
        _ => new SqliteDatabase(options.DatabasePath),
    };
}

/// <summary>Starts and stops the <see cref="RetailPipeline"/> with the host.</summary>
/// <param name="pipeline">The pipeline.</param>
internal sealed class RetailPipelineHostedService(RetailPipeline pipeline) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        pipeline.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        pipeline.Stop();
        return Task.CompletedTask;
    }
}
