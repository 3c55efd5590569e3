using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Scarlet.Recognition;
using Scarlet.Retail;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Storage.Sql;
using Scarlet.Retail.Storage.Sqlite;
using Scarlet.Vision;
using Scarlet.Vision.Models;
using Scarlet.WebHost.Api;
using Scarlet.WebHost.Live;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost;

/// <summary>Composition of the web host: services, security, middleware and endpoints.</summary>
internal static class HostSetup
{
    public const int MinSecretBytes = 32;

    /// <summary>
    /// Default log levels, below every configuration source (appsettings, environment, command line win): ASP.NET Core's
    /// per-request Information lines (endpoint executing/executed, result writing, authorization challenges) cost ~370
    /// bytes per request; at Warning a busy host writes under 20 (docs/hosting.md, "Logs"; LogVolumeTests).
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, string?> HostDefaults = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",

        // A host serves requests in parallel (up to one per core, InferenceGate): one thread per model run and no
        // spinning workers taking the cores the other requests need (docs/benchmarks.md, request level). The library
        // and console default stays 0 (all cores), spinning on.
        ["Scarlet:Inference:IntraOpThreads"] = "1",
        ["Scarlet:Inference:AllowSpinning"] = "false",
    };

    public static WebApplicationBuilder AddScarletHost(this WebApplicationBuilder builder)
    {
        ((IConfigurationBuilder)builder.Configuration).Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = HostDefaults });
        var config = builder.Configuration;
        var services = builder.Services;
        var section = config.GetSection(ScarletHostOptions.Section);
        var host = section.Get<ScarletHostOptions>() ?? new ScarletHostOptions();
        services.AddOptions<ScarletHostOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();

        // DataAnnotations do not recurse: check the nested sections here, before anything starts.
        foreach (var part in new object[] { host, host.Jwt, host.Storage, host.Bus, host.Security, host.Live, host.Exports, host.Videos, host.Telemetry, host.Inference })
        {
            System.ComponentModel.DataAnnotations.Validator.ValidateObject(part, new System.ComponentModel.DataAnnotations.ValidationContext(part), validateAllProperties: true);
        }

        foreach (var camera in host.Cameras)
        {
            System.ComponentModel.DataAnnotations.Validator.ValidateObject(camera, new System.ComponentModel.DataAnnotations.ValidationContext(camera), validateAllProperties: true);
        }

        var secret = ScarletAuthentication.ResolveSecret(host.Jwt.Secret, builder.Environment);
        var storagePath = Path.GetFullPath(host.Storage.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(storagePath)!);

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = host.Security.MaxRequestBodyBytes;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            k.AddServerHeader = false;
        });
        // The hosting layer logs every request's full URL at Information ("Request starting ... ?ticket=..."): a URL may
        // carry a ticket, and older dashboards sent the admin token there. Those lines are dropped whatever the
        // configuration says (a rule added here comes after the configured ones, so it wins); /metrics counts requests.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        services.Configure<JsonOptions>(o => ApiJson.Configure(o.SerializerOptions));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails();
        services.AddExceptionHandler<ErrorMapper>();
        services.AddOpenApi(o =>
        {
            OpenApiSecurity.Configure(o);
            o.AddSchemaTransformer(Base64Image.DescribeAsync);
        });
        services.AddCors(o => o.AddDefaultPolicy(p =>
        {
            if (host.Security.CorsOrigins.Count > 0)
            {
                p.WithOrigins([.. host.Security.CorsOrigins]).AllowAnyHeader().AllowAnyMethod();
            }
        }));

        // The Scarlet libraries on embedded defaults: SQLite file, in-memory HNSW gallery, in-process event stream.
        // FaceIdentityService (added by AddScarlet) keeps one gallery per organisation in step with the customer store.
        // The vision options bind from Scarlet itself (Scarlet:Inference:*, Scarlet:Images:*, Scarlet:Models:*);
        // the host's own defaults for them are in HostDefaults, below any configuration source.
        services.AddScarletVision(config.GetSection(ScarletHostOptions.Section));
        if (config["Scarlet:Models:Directory"] is { Length: > 0 } models)
        {
            // The host's documented key (scripts use it) is shorter than the option's own, Models:ModelsDirectory.
            services.AddScarletVision(v => v.Models.ModelsDirectory = models);
        }

        // Thresholds and every other recognition setting: Scarlet:Recognition (e.g. Scarlet:Recognition:Gallery:MatchThreshold).
        services.AddScarletRecognition(config.GetSection("Scarlet:Recognition"));
        services.AddScarlet(r =>
        {
            // The documented Scarlet:Retail keys (VisitTimeoutMinutes, VisitMinPresenceSeconds, ...); storage comes from Scarlet:Storage.
            config.GetSection("Scarlet:Retail").Bind(r);
            r.DatabasePath = storagePath;

            // Scale-out (docs/scale-out.md): customers in a shared PostgreSQL, events between hosts on Redis Streams.
            if (host.Storage.Provider == StorageProvider.Postgres)
            {
                r.StorageProvider = StorageProvider.Postgres;
                r.PostgresConnectionString = host.Storage.ConnectionString is { Length: > 0 } cs ? cs : throw new InvalidOperationException("Scarlet:Storage:ConnectionString is required when Scarlet:Storage:Provider is Postgres.");
            }
        }).AddCameraPipelines(p => config.GetSection("Scarlet:People").Bind(p.People)); // cameras are added at run time by CameraManager
        if (host.Bus.Provider == BusProvider.Redis)
        {
            var connection = host.Bus.Connection is { Length: > 0 } bus ? bus : throw new InvalidOperationException("Scarlet:Bus:Connection is required when Scarlet:Bus:Provider is Redis.");
            services.AddScarletRedisStreams(b =>
            {
                b.Configuration = connection;
                b.HostId = host.Bus.HostId ?? b.HostId;
            });
        }

        services.AddScarletTelemetry(host.Telemetry);
        services.AddSingleton(new InferenceGate(host.Inference.MaxConcurrentRequests));

        // Each face request runs its models synchronously on a thread-pool thread. A higher floor helped only on a saturated
        // machine (load 40-70); on a quiet one 16 and the runtime's own floor served the same requests/s, and 16 raised the
        // bomb-wave peak RSS by ~100 MB (docs/benchmarks.md): so it is not raised unless configured; it is never lowered.
        var minWorkers = host.Inference.MinWorkerThreads;
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        if (minWorkers > workers)
        {
            ThreadPool.SetMinThreads(minWorkers, completionPorts);
        }
        if (host.Telemetry.ServerTiming)
        {
            services.AddSingleton<ServerTiming>();
        }

        services.AddSingleton<LiveHubs>();
        services.AddSingleton<LivePeople>();
        services.AddSingleton<ZoneAlerts>();
        services.AddHostedService(sp => sp.GetRequiredService<ZoneAlerts>()); // before the cameras and video jobs read zones and rules
        services.AddHostedService<CameraHealthAlerts>();
        services.AddSingleton<FaceAttributesFeature>();

        // The store cameras (library): the shared settings are the host's Scarlet:Live keys; face attributes once per
        // track when the host's estimator is on.
        services.AddSingleton<IFaceAttributeEstimator>(sp => sp.GetRequiredService<FaceAttributesFeature>().Estimator!);
        services.AddScarletStoreCameras(config.GetSection("Scarlet:Live"));
        services.AddHttpContextAccessor();
        services.AddSingleton<HostContext>();
        services.AddSingleton<AuditTrail>();
        services.AddSingleton<ExportJobs>();
        services.AddHostedService(sp => sp.GetRequiredService<ExportJobs>());
        services.AddSingleton<VideoJobs>();
        services.AddHostedService(sp => sp.GetRequiredService<VideoJobs>());
        services.AddSingleton<ProcessingTasks>();
        services.AddSingleton<WebhookSubscriptions>();
        services.AddSingleton<MediaRoots>();
        services.AddSingleton<WebhookTargets>();
        services.AddHttpClient(WebhookTargets.HttpClientName).ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<WebhookTargets>().CreateHandler());

        // The run-time documents belong to one host (its cameras, its export files, its jobs): on PostgreSQL, shared by
        // every host, they stay in this host's own SQLite file, opened through the library (its migrations, its single
        // write connection) like the retail file of a lone host.
        if (host.Storage.Provider == StorageProvider.Postgres)
        {
            services.AddSingleton(_ => new HostLocalDatabase(new SqliteDatabase(storagePath)));
            services.AddSingleton(sp => new HostStateStore(new SqlHostStateStore(sp.GetRequiredService<HostLocalDatabase>().Database), sp.GetRequiredService<TimeProvider>()));
            services.AddSingleton<IVideoJobStore>(sp => new SqlVideoJobStore(sp.GetRequiredService<HostLocalDatabase>().Database)); // replaces the library's (shared) one
        }
        else
        {
            services.AddSingleton<HostStateStore>();
        }
        services.AddSingleton(new PasswordHasher(host.Security.PasswordIterations));

        // Admin users, logouts, lock-outs and API keys: the library's stores on the retail database (shared by hosts on PostgreSQL).
        services.AddSingleton(sp => new LoginGuard(sp.GetRequiredService<ILoginLockoutStore>(), host.Security.MaxLoginFailures, TimeSpan.FromMinutes(host.Security.LockoutMinutes), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ApiKeys>();
        services.AddScarletAuthentication(secret, host.Jwt);
        services.AddScarletAuthorization();
        services.AddSingleton<AdminAccounts>();

        // Start order matters: organisation and admin first, then the cameras (galleries build on first use if not at start).
        services.AddHostedService<HostStartup>();
        services.AddSingleton<DemoFacesCamera>();
        services.AddSingleton<CameraManager>();
        services.AddHostedService(sp => sp.GetRequiredService<CameraManager>());
        services.AddHostedService<DashboardFeed>();
        return builder;
    }

    public static WebApplication UseScarletHost(this WebApplication app)
    {
        _ = HostMetrics.WorkingSet;
        app.UseExceptionHandler();
        app.UseStatusCodePages(StatusBodies.WriteAsync);
        app.UseMiddleware<RequestMetricsMiddleware>();
        if (app.Services.GetService<ServerTiming>() is not null)
        {
            app.Use(ServerTiming.InvokeAsync);
        }

        app.Use(BodyLimit(app.Services.GetRequiredService<IOptions<ScarletHostOptions>>().Value.Security.MaxRequestBodyBytes));
        app.Use(SecurityHeaders);
        app.UseCors();
        app.UseMiddleware<LoginRateLimiter>(); // counted in the shared database: one limit for every host of a cluster
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();

        // Open on purpose (everything else needs a principal, the fallback policy): the API description lists routes and
        // shapes, no data, and the dashboard's static files above are served before authorization.
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapGet("/docs", () => Results.Redirect("/docs.html")).ExcludeFromDescription().AllowAnonymous();
        app.MapGet("/dashboard", () => Results.Redirect("/")).ExcludeFromDescription().AllowAnonymous();
        app.MapAdminApi();
        app.MapGatewayApi();
        app.MapFaceApi();
        app.MapRetailApi();
        app.MapOpsApi();
        app.MapVisitsApi();
        app.MapZonesAndAlertRulesApi();
        app.MapCameraApi();
        app.MapKeysApi();
        app.MapTicketsApi();
        app.MapAuditApi();
        app.MapOrganizationsApi();
        app.MapStatisticsApi();
        app.MapVideosApi();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            if (app.Services.GetRequiredService<IOptions<ScarletHostOptions>>().Value.Security.OpenSeedEndpoints)
            {
                app.Logger.LogWarning("Scarlet:Security:OpenSeedEndpoints is on: registration, face look-ups, frames, customer reads, promotions, cameras, streams, logs and the tracking socket answer anonymous callers. For a lab only, never a store.");
            }

            var urls = string.Join(", ", app.Urls);
            app.Logger.LogInformation("Scarlet web host ready on {Urls}: dashboard at /, API docs at /docs, OpenAPI at /openapi/v1.json, metrics at /metrics.", urls);
        });
        return app;
    }

    /// <summary>Refuses a declared body above the limit up front (Kestrel also enforces it while reading chunked bodies).</summary>
    // An endpoint may raise the limit for itself (video uploads: RequestSizeLimitAttribute metadata).
    private static Func<HttpContext, RequestDelegate, Task> BodyLimit(long max) => (context, next) =>
    {
        if (context.Request.ContentLength > (context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? max))
        {
            return Problems.WriteAsync(context.Response, StatusCodes.Status413PayloadTooLarge, "Request body too large");
        }

        return next(context);
    };

    private static Task SecurityHeaders(HttpContext context, RequestDelegate next)
    {
        var h = context.Response.Headers;
        h.XContentTypeOptions = "nosniff";
        h.XFrameOptions = "DENY";
        h["Referrer-Policy"] = "no-referrer";
        h["Cross-Origin-Opener-Policy"] = "same-origin";
        h["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=()";
        h.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
        return next(context);
    }
}

/// <summary>One-time start work: the organisation, the bootstrap admin, the stored webhooks, a demo catalogue.</summary>
internal sealed class HostStartup(IOrganizationStore organizations, ICatalogStore catalog, AdminAccounts accounts, WebhookSubscriptions webhooks, IOptions<ScarletHostOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        await organizations.EnsureAsync(o.Organization, o.Organization, cancellationToken);
        await accounts.BootstrapAsync(cancellationToken);
        webhooks.Load();
        await SeedCatalogAsync(catalog, o, o.Organization, cancellationToken);
    }

    /// <summary>Gives an organisation with an empty catalogue a few demo products (so recommendations flow), when <c>Scarlet:Demo:SeedCatalog</c>.</summary>
    public static async Task SeedCatalogAsync(ICatalogStore catalog, ScarletHostOptions o, string organizationId, CancellationToken cancellationToken)
    {
        if (o.Demo.SeedCatalog && (await catalog.ListProductsInZoneAsync(organizationId, "entrance", cancellationToken)).Count == 0)
        {
            Product[] demo =
            [
                new() { Id = "sku-coffee", Name = "Espresso beans 1kg", Category = "grocery", Zones = ["entrance", "grocery"] },
                new() { Id = "sku-headphones", Name = "Wireless headphones", Category = "electronics", Zones = ["entrance", "electronics"] },
                new() { Id = "sku-scarf", Name = "Wool scarf", Category = "apparel", Zones = ["entrance", "apparel"] },
                new() { Id = "sku-giftcard", Name = "Gift card", Category = "services", Zones = ["entrance"] },
            ];
            foreach (var p in demo)
            {
                await catalog.UpsertProductAsync(organizationId, p, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
