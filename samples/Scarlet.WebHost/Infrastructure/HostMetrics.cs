using System.Diagnostics;
using System.Diagnostics.Metrics;
using Scarlet.Vision;

namespace Scarlet.WebHost;

/// <summary>The host's instruments, on its own meter <c>Scarlet.WebHost</c> (the libraries publish on theirs).</summary>
internal static class HostMetrics
{
    private static readonly Meter Meter = new(ScarletDiagnostics.MeterPrefix + "WebHost", "0.1.0");

    public static readonly Counter<long> Requests = Meter.CreateCounter<long>("scarlet.http.requests", description: "HTTP requests by method, endpoint and status");
    public static readonly Histogram<double> RequestDuration = Meter.CreateHistogram<double>("scarlet.http.request.duration", "s", "HTTP request latency by endpoint and status");
    // The same instrument identity (meter name and version, name, unit, description) as the camera pipeline's counter
    // in Scarlet.Tracking, so OpenTelemetry keeps one metric: /process-frame frames and live camera frames in one family
    // by camera (on the host's own meter the scrape would carry two families of one name).
    public static readonly Counter<long> FramesProcessed = new Meter(ScarletDiagnostics.MeterPrefix + "Tracking", "0.1.0").CreateCounter<long>("scarlet.pipeline.frames", "{frame}", "Frames tracked by camera pipelines.");
    public static readonly Counter<long> FacesRecognized = Meter.CreateCounter<long>("scarlet.faces.recognized", description: "Faces identified as a customer");
    public static readonly Counter<long> PipelineDrops = Meter.CreateCounter<long>("scarlet.pipeline.drops", description: "Frames or messages dropped because a consumer was slow");
    public static readonly Counter<long> Events = Meter.CreateCounter<long>("scarlet.events", description: "Events on the in-process stream by type");
    public static readonly UpDownCounter<long> WebSocketClients = Meter.CreateUpDownCounter<long>("scarlet.websocket.clients", description: "Connected WebSocket clients by channel");

    public static readonly ObservableGauge<long> WorkingSet = Meter.CreateObservableGauge("scarlet.process.working_set", () => Environment.WorkingSet, "By", "Process working set");
    public static readonly ObservableGauge<long> ManagedHeap = Meter.CreateObservableGauge("scarlet.process.managed_heap", () => GC.GetTotalMemory(false), "By", "Managed heap in use");
    public static readonly ObservableGauge<long> NativeObjects = Meter.CreateObservableGauge("scarlet.native.live_objects", () => ScarletDiagnostics.LiveNativeObjects, description: "Live native image buffers (frames, mats)");

    public static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);
}

/// <summary>Counts requests and their latency by route pattern (not raw path: ids would explode the series).</summary>
internal sealed class RequestMetricsMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var endpoint = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            var tags = new TagList { { "method", context.Request.Method }, { "endpoint", endpoint }, { "status", context.Response.StatusCode } };
            HostMetrics.Requests.Add(1, tags);
            HostMetrics.RequestDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, tags);
        }
    }
}
