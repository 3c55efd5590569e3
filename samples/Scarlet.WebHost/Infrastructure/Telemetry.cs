using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Scarlet.Vision;

namespace Scarlet.WebHost;

/// <summary>The host's <c>Scarlet:Telemetry</c> section.</summary>
public sealed class TelemetryOptions
{
    /// <summary>
    /// Gets or sets an OTLP collector (e.g. <c>http://collector:4317</c>) that receives the metrics and traces as well;
    /// none by default (metrics are still scraped at <c>/metrics</c>).
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>Gets or sets the service name reported to collectors.</summary>
    public string ServiceName { get; set; } = "scarlet-webhost";

    /// <summary>
    /// Gets or sets whether the face endpoints answer with a <c>Server-Timing</c> header of their stage times (decode,
    /// detect, refine, align, quality, embed, identify, ...; see <see cref="ServerTiming"/>). Off by default; the
    /// <c>scarlet bench requests</c> verb turns it on for the host it starts.
    /// </summary>
    public bool ServerTiming { get; set; }
}

/// <summary>
/// OpenTelemetry for the host: the Scarlet meters (<c>Scarlet.*</c>: one per library and the host's), ASP.NET Core and runtime instrumentation, exported in the
/// Prometheus text format at <c>/metrics</c> and, when <see cref="TelemetryOptions.OtlpEndpoint"/> is set, over OTLP
/// with traces (Scarlet's activity sources and the HTTP requests). Log lines carry the request's trace id (the
/// hosting default <c>ActivityTrackingOptions</c>), so a slow request's spans and logs can be found together.
/// </summary>
internal static class Telemetry
{
    public static void AddScarletTelemetry(this IServiceCollection services, TelemetryOptions options)
    {
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName))
            .WithMetrics(m =>
            {
                m.AddMeter(ScarletDiagnostics.MeterPrefix + "*")
                    .AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation()
                    // No response cache: a scrape right after an action sees it (tests and humans alike).
                    .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                if (options.OtlpEndpoint is { } endpoint)
                {
                    m.AddOtlpExporter(o => o.Endpoint = endpoint);
                }
            });
        if (options.OtlpEndpoint is { } traces)
        {
            otel.WithTracing(t => t
                .AddSource(ScarletDiagnostics.ActivitySourcePrefix + "*")
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter(o => o.Endpoint = traces));
        }
    }

    /// <summary>Maps the Prometheus scrape endpoint; anonymous unless <c>Scarlet:Security:MetricsRequireKey</c>.</summary>
    public static void MapScarletMetrics(this IEndpointRouteBuilder app, bool requirePrincipal)
    {
        var metrics = app.MapPrometheusScrapingEndpoint("/metrics");
        if (!requirePrincipal)
        {
            metrics.AllowAnonymous();
        }
    }
}
