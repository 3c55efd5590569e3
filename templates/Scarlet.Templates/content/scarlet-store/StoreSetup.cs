using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Scarlet.Retail;
using Scarlet.Retail.Storage;
using Scarlet.Tracking.Pipeline;

namespace ScarletStore;

/// <summary>The store's own settings (section <c>Store</c> of appsettings.json).</summary>
public sealed class StoreOptions
{
    /// <summary>Gets or sets the organisation (tenant) id every request works in.</summary>
    public string Organization { get; set; } = "my-store";

    /// <summary>Gets or sets the API key every request must send as <c>X-Api-Key</c> (at least 32 characters).</summary>
    [System.ComponentModel.DataAnnotations.MinLength(32)]
    public string ApiKey { get; set; } = string.Empty;

    /// <summary>Gets or sets the store's display name.</summary>
    public string Name { get; set; } = "My Store";

    /// <summary>Gets or sets a promotion for every customer, created at the first start (none when the title is empty).</summary>
    public PromotionSeed WelcomePromotion { get; set; } = new();
}

/// <summary>A promotion created at the first start.</summary>
public sealed class PromotionSeed
{
    /// <summary>Gets or sets the title.</summary>
    public string Title { get; set; } = string.Empty;

    /// <summary>Gets or sets the discount text, e.g. "10%".</summary>
    public string Discount { get; set; } = string.Empty;

    /// <summary>Gets or sets how many days it runs.</summary>
    public int Days { get; set; } = 30;
}

/// <summary>Wires Scarlet from configuration: every option is in appsettings.json under <c>Scarlet</c> and <c>Store</c>.</summary>
public static class StoreSetup
{
    /// <summary>Adds Scarlet (all four layers), one camera pipeline and the store's start-up work.</summary>
    /// <param name="builder">The web application builder.</param>
    /// <returns>The builder.</returns>
    public static WebApplicationBuilder AddStore(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        builder.Services.AddOptions<StoreOptions>().Bind(config.GetSection("Store")).ValidateDataAnnotations().ValidateOnStart();

        // Every endpoint needs the key (a fallback policy): enrolling and looking up faces is never anonymous.
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder().SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });
        builder.Services.AddProblemDetails();

        // Each layer's options bind from its own section, with the names of the option classes (docs in the packages).
        builder.Services.AddScarlet(config.GetSection("Scarlet")).AddCameraPipelines(o =>
        {
            // One camera; add more entries the same way (each needs its own CameraId).
            var camera = new CameraPipelineOptions();
            config.GetSection("Scarlet:Camera").Bind(camera);
            if (!string.IsNullOrWhiteSpace(camera.Source))
            {
                o.Cameras.Add(camera);
            }
        });

        builder.Services.AddHostedService<StoreStartup>();
        builder.Services.AddSingleton<StoreCamera>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StoreCamera>());
        return builder;
    }
}

/// <summary>First start: the organisation and the welcome promotion.</summary>
internal sealed class StoreStartup(IOrganizationStore organizations, PromotionEngine promotions, IPromotionStore promotionStore, TimeProvider time, IOptions<StoreOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        await organizations.EnsureAsync(o.Organization, o.Name, cancellationToken);
        if (!string.IsNullOrWhiteSpace(o.WelcomePromotion.Title) && (await promotionStore.ListValidAsync(o.Organization, time.GetUtcNow(), cancellationToken)).Count == 0)
        {
            var now = time.GetUtcNow();
            await promotions.CreateAsync(o.Organization, new PromotionDraft
            {
                Title = o.WelcomePromotion.Title,
                Discount = o.WelcomePromotion.Discount,
                ValidFrom = now,
                ValidTo = now.AddDays(o.WelcomePromotion.Days),
            }, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Runs the configured camera with the app and keeps its latest people count.</summary>
internal sealed class StoreCamera(CameraPipelineHost cameras) : IHostedService, IDisposable
{
    private IDisposable? _updates;

    public TrackingUpdate? Latest { get; private set; }

    public IReadOnlyList<CameraPipelineStatus> Status => cameras.GetStatus();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _updates = cameras.Updates.Subscribe(u => Latest = u);
        cameras.StartAll();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => cameras.StopAllAsync();

    public void Dispose() => _updates?.Dispose();
}
