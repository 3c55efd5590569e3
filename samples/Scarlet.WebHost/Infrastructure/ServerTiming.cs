using System.Diagnostics;
using System.Globalization;
using System.Text;
using Scarlet.Vision;

namespace Scarlet.WebHost;

/// <summary>
/// Per-request stage times of the face endpoints as a standard <c>Server-Timing</c> response header (opt-in:
/// <c>Scarlet:Telemetry:ServerTiming</c>; <c>scarlet bench requests</c> turns it on). The stages come from the Scarlet
/// spans the request itself ran (<c>request.queue</c>, <c>image.decode</c>, <c>face.detect</c>, <c>face.refine</c>, <c>face.align</c>,
/// <c>face.quality</c>, <c>face.embed</c>, <c>gallery.search</c>), collected by one <see cref="ActivityListener"/> that
/// samples only while a timed request is in flight, so nothing is recorded for anything else.
/// </summary>
/// <remarks>
/// Header entries, in milliseconds: <c>read</c> (authentication, body read and JSON binding, before the handler),
/// <c>queue</c> (the wait for an <see cref="InferenceGate"/> slot), <c>decode</c>, <c>detect</c> (the detector run on the image), <c>refine</c> (the mirrored detector run, its own
/// detector span included), <c>align</c>, <c>quality</c>, <c>embed</c>, <c>identify</c>, <c>store</c> (the rest of the
/// handler: customer look-up, event publication, audit), <c>serialise</c> (from the handler's return until the
/// response starts), <c>inference</c> (detect + refine + embed + attributes) and <c>total</c>. Off by default: timings of an identity
/// look-up are nobody's business on a production till.
/// </remarks>
internal sealed class ServerTiming : IDisposable
{
    internal const string HeaderName = "Server-Timing";

    private static readonly AsyncLocal<Stages?> s_current = new();
    private readonly ActivityListener _listener;

    public ServerTiming()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name.StartsWith(ScarletDiagnostics.ActivitySourcePrefix, StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => s_current.Value is null ? ActivitySamplingResult.None : ActivitySamplingResult.AllData,
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>Marks the handler's start and end (the endpoint filter of the timed routes).</summary>
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var stages = s_current.Value;
        if (stages is null)
        {
            return await next(context);
        }

        stages.HandlerStart = Stopwatch.GetTimestamp();
        try
        {
            return await next(context);
        }
        finally
        {
            stages.HandlerEnd = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>The middleware: collects the stages of one request and writes the header when the response starts.</summary>
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var stages = new Stages(Stopwatch.GetTimestamp());
        s_current.Value = stages;
        context.Response.OnStarting(static state =>
        {
            var (http, s) = ((HttpContext, Stages))state;
            if (s.HandlerEnd != 0)
            {
                http.Response.Headers[HeaderName] = s.Format(Stopwatch.GetTimestamp());
            }

            return Task.CompletedTask;
        }, (context, stages));
        try
        {
            await next(context);
        }
        finally
        {
            s_current.Value = null;
        }
    }

    private static void OnStopped(Activity activity)
    {
        if (s_current.Value is not { } stages)
        {
            return;
        }

        var stage = activity.OperationName switch
        {
            "request.queue" => Stage.Queue,
            "image.decode" => Stage.Decode,
            // The refiner's own detector run is part of refine.
            "face.detect" => activity.Parent?.OperationName == "face.refine" ? Stage.None : Stage.Detect,
            "face.refine" => Stage.Refine,
            "face.align" => Stage.Align,
            "face.quality" => Stage.Quality,
            "face.embed" => Stage.Embed,
            "gallery.search" => Stage.Identify,
            "face.attributes" => Stage.Attributes,
            _ => Stage.None,
        };
        if (stage != Stage.None)
        {
            stages.Add(stage, activity.Duration.Ticks);
        }
    }

    private enum Stage
    {
        Queue,
        Decode,
        Detect,
        Refine,
        Align,
        Quality,
        Embed,
        Identify,
        Attributes,
        None,
    }

    private sealed class Stages(long start)
    {
        private static readonly string[] Names = ["queue", "decode", "detect", "refine", "align", "quality", "embed", "identify", "attributes"];
        private readonly long[] _ticks = new long[Names.Length];

        public long HandlerStart { get; set; }

        public long HandlerEnd { get; set; }

        public void Add(Stage stage, long timeSpanTicks) => Interlocked.Add(ref _ticks[(int)stage], timeSpanTicks);

        public string Format(long now)
        {
            var sb = new StringBuilder(256);
            Append(sb, "read", Stopwatch.GetElapsedTime(start, HandlerStart).TotalMilliseconds);
            var inHandler = 0.0;
            for (var i = 0; i < Names.Length; i++)
            {
                var ms = TimeSpan.FromTicks(Volatile.Read(ref _ticks[i])).TotalMilliseconds;
                inHandler += ms;
                Append(sb, Names[i], ms);
            }

            Append(sb, "store", Math.Max(0, Stopwatch.GetElapsedTime(HandlerStart, HandlerEnd).TotalMilliseconds - inHandler));
            Append(sb, "serialise", Stopwatch.GetElapsedTime(HandlerEnd, now).TotalMilliseconds);
            // Every model run: the attribute model too, where a request runs it (/process-frame with attributes on).
            var inference = TimeSpan.FromTicks(_ticks[(int)Stage.Detect] + _ticks[(int)Stage.Refine] + _ticks[(int)Stage.Embed] + _ticks[(int)Stage.Attributes]).TotalMilliseconds;
            Append(sb, "inference", inference);
            Append(sb, "total", Stopwatch.GetElapsedTime(start, now).TotalMilliseconds);
            return sb.ToString();
        }

        private static void Append(StringBuilder sb, string name, double ms)
        {
            if (sb.Length > 0)
            {
                sb.Append(", ");
            }

            sb.Append(name).Append(";dur=").Append(ms.ToString("0.###", CultureInfo.InvariantCulture));
        }
    }
}
