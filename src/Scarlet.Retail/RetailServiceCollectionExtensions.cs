using System.Reactive.Concurrency;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Scarlet.Retail;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Storage.Sqlite;
using Scarlet.Vision;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Scarlet.Retail.</summary>
public static class RetailServiceCollectionExtensions
{
    /// <summary>
    /// Adds the retail services on SQLite (options validated at start), the event stream, and a hosted service that
    /// starts the <see cref="RetailPipeline"/>. <see cref="TimeProvider"/> and <see cref="IScheduler"/> default to the
    /// system ones unless registered before.
    /// </summary>
    /// <param name="services">Services.</param>
    /// <param name="configure">Options setup (at least <see cref="RetailOptions.DatabasePath"/>).</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddScarletRetail(this IServiceCollection services, Action<RetailOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<RetailOptions>().Configure(configure).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RetailOptions>, RetailOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IScheduler>(DefaultScheduler.Instance);
        services.TryAddSingleton(sp => new SqliteDatabase(sp.GetRequiredService<IOptions<RetailOptions>>().Value.DatabasePath));
        services.TryAddSingleton<IOrganizationStore>(sp => new SqliteOrganizationStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ICustomerStore>(sp => new SqliteCustomerStore(sp.GetRequiredService<SqliteDatabase>()));
        services.TryAddSingleton<ICatalogStore>(sp => new SqliteCatalogStore(sp.GetRequiredService<SqliteDatabase>()));
        services.TryAddSingleton<IVisitorStore>(sp => new SqliteVisitorStore(sp.GetRequiredService<SqliteDatabase>()));
        services.TryAddSingleton<IPromotionStore>(sp => new SqlitePromotionStore(sp.GetRequiredService<SqliteDatabase>()));
        services.TryAddSingleton<IVisitStore>(sp => new SqliteVisitStore(sp.GetRequiredService<SqliteDatabase>()));
        services.TryAddSingleton<IEventStore>(sp => new SqliteEventStore(sp.GetRequiredService<SqliteDatabase>()));
        services.TryAddSingleton<IAlertStore>(sp => new SqliteAlertStore(sp.GetRequiredService<SqliteDatabase>()));
        services.TryAddSingleton<IPossibleDuplicateStore>(sp => new SqlitePossibleDuplicateStore(sp.GetRequiredService<SqliteDatabase>()));
        services.TryAddSingleton<ScarletEventStream>();
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
        return services;
    }

    /// <summary>Adds Scarlet.Retail to a Scarlet builder.</summary>
    /// <param name="builder">The builder from <c>AddScarletVision</c>.</param>
    /// <param name="configure">Options setup.</param>
    /// <returns>The builder.</returns>
    public static IScarletBuilder AddRetail(this IScarletBuilder builder, Action<RetailOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddScarletRetail(configure);
        return builder;
    }
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
