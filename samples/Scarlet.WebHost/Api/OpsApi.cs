using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Scarlet.Retail;
using Scarlet.Retail.Events;
using Scarlet.Retail.Sinks;
using Scarlet.Retail.Storage;
using Scarlet.WebHost.Live;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost.Api;

internal sealed record AddCameraRequest(string? Id, string? Name, string? Source, string? Location, string? Zone, bool? Loop, bool? Start);

internal sealed record ProcessingTaskRequest(string[]? CameraIds, string? EnvironmentId);

internal sealed record StopTaskRequest(string? TaskId);

/// <summary>One person present now (the library's live registry): who, where, since when.</summary>
internal sealed record PresentPersonView(string PersonId, string? CustomerId, string? Name, LoyaltyStatus? LoyaltyStatus, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, string CameraId, string? Zone);

/// <summary><c>GET /api/analytics/active-persons</c>: people in open visits, and the people present now.</summary>
internal sealed record ActivePersonsView(int ActivePersons, IReadOnlyList<PresentPersonView> Present);

/// <summary>A processing task; <c>organization_id</c> is <see langword="null"/> in rows from before organisations (the default one's).</summary>
internal sealed record ProcessingTask(string TaskId, IReadOnlyList<string> CameraIds, string Status, DateTimeOffset StartedAt, DateTimeOffset? StoppedAt, string? OrganizationId = null);

internal sealed record ExportRequest(string? Format, string? CameraId, DateTimeOffset? StartTime, DateTimeOffset? EndTime, string? Status);

internal sealed record VideoExportRequest(string? CameraId, int? Seconds);

internal sealed record WebhookRequest(string? Url, string? Secret, string[]? Topics);

/// <summary>The useful endpoints of the other reference systems, under <c>/api</c> (admin).</summary>
internal static class OpsApi
{
    public static void MapOpsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        var cams = api.MapGroup("/cameras").Require(ScarletPolicies.Operator).WithTags("Cameras");
        cams.MapPost("/", AddCameraAsync).WithSummary("Add a camera by RTSP/HTTP-MJPEG URL, video file or image folder");
        cams.MapGet("/", GatewayApi.Cameras).WithSummary("The cameras with their health (state, fps, drops, reconnects, last frame age, last error)");
        cams.MapGet("/{camera_id}", (string camera_id, HttpContext http, HostContext ctx, CameraManager m) => TypedResults.Ok(CameraView.From(m.Require(camera_id, ctx.Org), http)));
        cams.MapPost("/{camera_id}/start", (string camera_id, HttpContext http, HostContext ctx, CameraManager m) => Control(m.Require(camera_id, ctx.Org), http, m.Start));
        cams.MapPost("/{camera_id}/pause", (string camera_id, HttpContext http, HostContext ctx, CameraManager m) => Control(m.Require(camera_id, ctx.Org), http, c => c.Pause()));
        cams.MapPost("/{camera_id}/resume", (string camera_id, HttpContext http, HostContext ctx, CameraManager m) => Control(m.Require(camera_id, ctx.Org), http, m.Start));
        cams.MapPost("/{camera_id}/stop", async (string camera_id, HttpContext http, HostContext ctx, CameraManager m) =>
        {
            var c = m.Require(camera_id, ctx.Org);
            await c.StopAsync();
            return TypedResults.Ok(CameraView.From(c, http));
        });
        cams.MapDelete("/{camera_id}", async (string camera_id, HostContext ctx, CameraManager m) => await m.RemoveAsync(camera_id, ctx.Org) ? TypedResults.NoContent() : throw ApiException.NotFound("Camera not found"));

        var tasks = api.MapGroup("/processing-tasks").Require(ScarletPolicies.Operator).WithTags("Processing tasks");
        tasks.MapPost("/start", StartTaskAsync);
        tasks.MapGet("/{task_id}", (string task_id, HostContext ctx, ProcessingTasks t) => TypedResults.Ok(t.Get(task_id, ctx.Org) ?? throw ApiException.NotFound("Task not found")));
        tasks.MapPost("/stop", StopTaskAsync);

        api.MapGet("/detections", DetectionsAsync).Require(ScarletPolicies.Read).WithTags("Detections").WithSummary("Detection events with status MATCHED / NEW_FACE / MULTIPLE_MATCHES / UNKNOWN, filters and paging");
        api.MapGet("/analytics/active-persons", ActivePersonsAsync).Require(ScarletPolicies.Read).WithTags("Analytics");
        api.MapGet("/alerts", ZonesAndAlertRulesApi.ListAlertsAsync).Require(ScarletPolicies.Staff).WithTags("Alerts").WithSummary("Alerts, newest first; filters level, camera_id, acknowledged, from, to; total in X-Total-Count");
        api.MapPost("/alerts/{alert_id}/acknowledge", async (string alert_id, HttpContext http, HostContext ctx, CancellationToken ct) => TypedResults.Ok(await ctx.Alerts.AcknowledgeAsync(ctx.Org, alert_id, http.Name(), ct))).Require(ScarletPolicies.Operator).WithTags("Alerts");

        var export = api.MapGroup("/export").Require(ScarletPolicies.Operator).WithTags("Exports");
        export.MapPost("/tracking-data", ExportTrackingAsync).WithSummary("Export detection events as CSV or JSON (background job)");
        export.MapPost("/video-with-overlays", ExportVideoAsync).WithSummary("Record a camera's overlay frames to an AVI (background job)");
        export.MapGet("/jobs/{job_id}/status", (string job_id, HostContext ctx, ExportJobs jobs) => TypedResults.Ok(jobs.Get(job_id, ctx.Org)?.View() ?? throw ApiException.NotFound("Job not found")));
        export.MapGet("/jobs/{job_id}/download", Download);

        var hooks = api.MapGroup("/webhooks").Require(ScarletPolicies.Webhooks).WithTags("Webhooks");
        hooks.MapPost("/", AddWebhookAsync).WithSummary("Subscribe a URL to signed event deliveries (HMAC-SHA256)");
        hooks.MapGet("/", (HostContext ctx, WebhookSubscriptions w) => TypedResults.Ok(w.List(ctx.Org)));
        hooks.MapDelete("/{webhook_id}", async (string webhook_id, HostContext ctx, WebhookSubscriptions w, CancellationToken ct) => await w.RemoveAsync(ctx.Org, webhook_id, ct) ? TypedResults.NoContent() : throw ApiException.NotFound("Webhook not found"));
    }

    private static IResult Control(StoreCamera c, HttpContext http, Action<StoreCamera> action)
    {
        action(c);
        return TypedResults.Ok(CameraView.From(c, http));
    }

    public static async Task<IResult> AddCameraAsync(AddCameraRequest? body, HttpContext http, HostContext ctx, CameraManager m, MediaRoots media, CancellationToken ct)
    {
        if (body is null)
        {
            throw ApiException.BadRequest("body is required");
        }

        media.Validate(body.Source);

        var c = await m.AddAsync(new CameraConfig { Id = body.Id ?? Guid.NewGuid().ToString("N")[..8], Name = body.Name, Source = body.Source ?? string.Empty, Location = body.Location, Zone = body.Zone, Loop = body.Loop ?? true }, ctx.Org, body.Start ?? true, ct);
        return TypedResults.Created($"/api/cameras/{c.Id}", CameraView.From(c, http));
    }

    public static async Task<IResult> StartTaskAsync(ProcessingTaskRequest? body, HostContext ctx, CameraManager m, ProcessingTasks tasks, CancellationToken ct)
    {
        if (body?.CameraIds is not { Length: > 0 } ids)
        {
            throw ApiException.BadRequest("camera_ids is required", "camera_ids");
        }

        var org = ctx.Org;
        var cameras = ids.Select(id => m.Require(id ?? string.Empty, org)).ToList();
        foreach (var c in cameras)
        {
            m.Start(c);
        }

        return TypedResults.Ok(await tasks.StartAsync(org, ids, ct));
    }

    public static async Task<IResult> StopTaskAsync(StopTaskRequest? body, HostContext ctx, CameraManager m, ProcessingTasks tasks, CancellationToken ct)
    {
        var org = ctx.Org;
        var t = tasks.Get(body?.TaskId ?? throw ApiException.BadRequest("task_id is required", "task_id"), org) ?? throw ApiException.NotFound("Task not found");

        // A camera another running task still uses keeps running; stopping a stopped task stops nothing.
        foreach (var id in tasks.CamerasOnlyIn(t))
        {
            if (m.Get(id, org) is { } c)
            {
                await c.StopAsync();
            }
        }

        return TypedResults.Ok(await tasks.StopAsync(t.TaskId, ct));
    }

    private static RecognitionStatus? ParseStatus(string? s) => s switch
    {
        null or "" => null,
        _ when s.Equals("MATCHED", StringComparison.OrdinalIgnoreCase) => RecognitionStatus.Matched,
        _ when s.Equals("NEW_FACE", StringComparison.OrdinalIgnoreCase) => RecognitionStatus.NewFace,
        _ when s.Equals("MULTIPLE_MATCHES", StringComparison.OrdinalIgnoreCase) => RecognitionStatus.MultipleMatches,
        _ when s.Equals("UNKNOWN", StringComparison.OrdinalIgnoreCase) => RecognitionStatus.Unknown,
        _ => throw ApiException.BadRequest("status must be MATCHED, NEW_FACE, MULTIPLE_MATCHES or UNKNOWN"),
    };

    public static async Task<IResult> DetectionsAsync(HostContext ctx, string? camera_id, string? customer_id, string? status, DateTimeOffset? start_date, DateTimeOffset? end_date, int? limit, int? offset, CancellationToken ct)
    {
        var page = await ctx.Events.QueryDetectionsAsync(new DetectionQuery
        {
            OrganizationId = ctx.Org,
            CameraId = camera_id,
            CustomerId = customer_id,
            Status = ParseStatus(status),
            From = start_date,
            To = end_date,
            Limit = Paging.Limit(limit, 100, 1000),
            Offset = Paging.Offset(offset),
        }, ct);
        return TypedResults.Ok(new Page<DetectionView>(page.Items.Select(DetectionView.From).ToList(), page.Total));
    }

    public static async Task<IResult> ActivePersonsAsync(HostContext ctx, LivePeople people, CameraManager cameras, CancellationToken ct)
    {
        var org = ctx.Org;
        var present = new List<PresentPersonView>();
        foreach (var p in people.Present(org))
        {
            // Where: the camera of the person's latest position, and that camera's zone; who: the customer's record.
            var camera = p.LastPosition.CameraId;
            var customer = p.CustomerId is { } id ? await ctx.Customers.GetAsync(org, id, ct) : null;
            present.Add(new PresentPersonView(p.PersonId, p.CustomerId, customer?.Name, customer?.LoyaltyStatus, p.FirstSeen, p.LastSeen, camera, cameras.Get(camera, org)?.Zone));
        }

        // One count: the live registry's (open visits lag it by the visit timeout and count tracks the registry has dropped).
        return TypedResults.Ok(new ActivePersonsView(present.Count, present));
    }

    public static async Task<IResult> ExportTrackingAsync(ExportRequest? body, ExportJobs jobs, HostContext ctx)
    {
        var format = (body?.Format ?? "csv").ToLowerInvariant();
        if (format is not ("csv" or "json"))
        {
            throw ApiException.BadRequest("format must be csv or json");
        }

        var status = ParseStatus(body?.Status);

        // The job outlives the request: it takes the organisation along.
        var org = ctx.Org;
        var query = new DetectionQuery { OrganizationId = org, CameraId = body?.CameraId, Status = status, From = body?.StartTime, To = body?.EndTime, Limit = ExportPageSize };
        var job = await jobs.StartAsync(org, "tracking-data", format == "csv" ? "text/csv" : "application/json", $"tracking-data.{format}", (output, ct) =>
            format == "json" ? WriteDetectionsJsonAsync(ctx.Events, query, output, ct) : WriteDetectionsCsvAsync(ctx.Events, query, output, ct));
        return TypedResults.Accepted($"/api/export/jobs/{job.Id}/status", job.View());
    }

    private const int ExportPageSize = 1000;
    private const int ExportMaxRows = 1_000_000;

    /// <summary>The detections of a query, page by page (never all in memory), at most <see cref="ExportMaxRows"/>.</summary>
    private static async IAsyncEnumerable<DetectionRecord> PagesAsync(Scarlet.Retail.Storage.IEventStore events, DetectionQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        for (var offset = 0; offset < ExportMaxRows; offset += ExportPageSize)
        {
            var page = await events.QueryDetectionsAsync(query with { Offset = offset }, ct);
            foreach (var d in page.Items)
            {
                yield return d;
            }

            if (page.Items.Count < ExportPageSize)
            {
                yield break;
            }
        }
    }

    /// <summary>RFC 4180 CSV by CsvHelper: fields with commas, quotes or line breaks are quoted and round-trip.</summary>
    private static async Task WriteDetectionsCsvAsync(Scarlet.Retail.Storage.IEventStore events, DetectionQuery query, Stream output, CancellationToken ct)
    {
        // Escape = formula-looking text (=, +, -, @ ...) is defused: camera ids come from devices, and exports open in spreadsheets.
        await using var csv = CsvHelper.CsvWriter.Create(output, new CsvHelper.CsvWriterOptions { Injection = CsvHelper.CsvInjection.Escape }, leaveOpen: true);
        csv.WriteHeader(["id", "timestamp", "camera_id", "status", "customer_id", "visitor_id", "confidence", "x1", "y1", "x2", "y2"]);
        await foreach (var d in PagesAsync(events, query, ct))
        {
            var b = d.Box is { } box ? FaceApi.Xyxy(box) : [0, 0, 0, 0];
            csv.WriteField(d.Id, default);
            csv.WriteField(d.Timestamp, "O");
            csv.WriteField(d.CameraId);
            csv.WriteField(FaceApi.StatusText(d.Status));
            csv.WriteField(d.CustomerId);
            csv.WriteField(d.VisitorId);
            csv.WriteField(d.Confidence, default);
            foreach (var v in b)
            {
                csv.WriteField(v, default);
            }

            await csv.EndRecordAsync(ct);
        }

        await csv.FlushAsync(ct);
    }

    private static async Task WriteDetectionsJsonAsync(Scarlet.Retail.Storage.IEventStore events, DetectionQuery query, Stream output, CancellationToken ct)
    {
        await using var json = new Utf8JsonWriter(output);
        json.WriteStartArray();
        await foreach (var d in PagesAsync(events, query, ct))
        {
            JsonSerializer.Serialize(json, DetectionView.From(d), ApiJson.Options);
            if (json.BytesPending > 32 * 1024)
            {
                await json.FlushAsync(ct);
            }
        }

        json.WriteEndArray();
        await json.FlushAsync(ct);
    }

    public static async Task<IResult> ExportVideoAsync(VideoExportRequest? body, HostContext ctx, ExportJobs jobs, CameraManager cameras, IOptions<StoreCameraOptions> options)
    {
        var camera = cameras.Require(body?.CameraId ?? throw ApiException.BadRequest("camera_id is required"), ctx.Org);
        var seconds = body.Seconds ?? 10;
        if (seconds is < 1 or > 600)
        {
            throw ApiException.BadRequest("seconds must be 1 to 600");
        }

        var job = await jobs.StartAsync(camera.OrganizationId, "video-with-overlays", VideoExport.ContentType, $"{camera.Id}-overlays.mp4", (output, ct) => VideoExport.RecordAsync(camera, TimeSpan.FromSeconds(seconds), options.Value.ProcessingFps, output, ct));
        return TypedResults.Accepted($"/api/export/jobs/{job.Id}/status", job.View());
    }

    public static IResult Download(string job_id, HostContext ctx, ExportJobs jobs)
    {
        var job = jobs.Get(job_id, ctx.Org) ?? throw ApiException.NotFound("Job not found");
        return job.Status == ExportJob.Completed && File.Exists(jobs.PathOf(job))
            ? TypedResults.PhysicalFile(jobs.PathOf(job), job.ContentType, job.FileName)
            : throw ApiException.BadRequest($"Job is {job.Status}; download when completed");
    }

    public static async Task<IResult> AddWebhookAsync(WebhookRequest? body, HostContext ctx, WebhookSubscriptions hooks, WebhookTargets targets, CancellationToken ct)
    {
        if (body is null || !Uri.TryCreate(body.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw ApiException.BadRequest("url must be an absolute http(s) URL");
        }

        if (string.IsNullOrEmpty(body.Secret) || body.Secret.Length < 16)
        {
            throw ApiException.BadRequest("secret must be at least 16 characters");
        }

        await targets.ValidateAsync(url, ct);

        var created = await hooks.AddAsync(ctx.Org, url, body.Secret, body.Topics ?? [], ct);
        return TypedResults.Created($"/api/webhooks/{created.Id}", created);
    }
}

/// <summary>Processing tasks: a named set of cameras started together (SpotOn's tasks), kept in <see cref="HostStateStore"/>.</summary>
internal sealed class ProcessingTasks(HostStateStore state, TimeProvider time, Microsoft.Extensions.Options.IOptions<ScarletHostOptions> options)
{
    private readonly Lazy<ConcurrentDictionary<string, ProcessingTask>> _tasks = new(() => new(state.List<ProcessingTask>(HostStateKinds.ProcessingTask).Select(t => KeyValuePair.Create(t.TaskId, t)), StringComparer.Ordinal));

    public async Task<ProcessingTask> StartAsync(string organizationId, IReadOnlyList<string> cameraIds, CancellationToken ct)
    {
        var t = new ProcessingTask(Guid.NewGuid().ToString("N"), cameraIds, "running", time.GetUtcNow(), null, organizationId);
        await state.PutAsync(HostStateKinds.ProcessingTask, t.TaskId, t, ct);
        _tasks.Value[t.TaskId] = t;
        return t;
    }

    /// <summary>Gets an organisation's task; another organisation's is not found.</summary>
    public ProcessingTask? Get(string id, string organizationId) =>
        _tasks.Value.GetValueOrDefault(id) is { } t && (t.OrganizationId ?? options.Value.Organization) == organizationId ? t : null;

    /// <summary>
    /// The cameras of a running task that no other running task of its organisation uses: what stopping it may stop
    /// (none when it is stopped already).
    /// </summary>
    public IReadOnlyList<string> CamerasOnlyIn(ProcessingTask task)
    {
        if (task.Status != "running")
        {
            return [];
        }

        var org = task.OrganizationId ?? options.Value.Organization;
        var shared = _tasks.Value.Values
            .Where(t => t.TaskId != task.TaskId && t.Status == "running" && (t.OrganizationId ?? options.Value.Organization) == org)
            .SelectMany(t => t.CameraIds)
            .ToHashSet(StringComparer.Ordinal);
        return [.. task.CameraIds.Where(id => !shared.Contains(id)).Distinct(StringComparer.Ordinal)];
    }

    public async Task<ProcessingTask> StopAsync(string id, CancellationToken ct)
    {
        var t = _tasks.Value.AddOrUpdate(id, _ => throw ApiException.NotFound("Task not found"), (_, t) => t with { Status = "stopped", StoppedAt = time.GetUtcNow() });
        await state.PutAsync(HostStateKinds.ProcessingTask, t.TaskId, t, ct);
        return t;
    }
}

/// <summary>A webhook subscription as listed (never the secret).</summary>
internal sealed record WebhookView(string Id, Uri Url, IReadOnlyList<string> Topics, [property: System.Text.Json.Serialization.JsonIgnore] string OrganizationId);

/// <summary>
/// A webhook subscription as stored: the secret signs every delivery, so the host keeps it (never lists it). It receives
/// its organisation's events only (<see langword="null"/> in rows from before organisations: the default one).
/// </summary>
internal sealed record StoredWebhook(string Id, Uri Url, string Secret, IReadOnlyList<string> Topics, string? OrganizationId = null);

/// <summary>
/// Webhook subscriptions added at run time, kept in <see cref="HostStateStore"/> and subscribed again at start (configured
/// ones live in <c>Scarlet:Retail</c> options).
/// </summary>
internal sealed class WebhookSubscriptions(ScarletEventStream stream, IEventStore events, HostStateStore state, TimeProvider time, ILoggerFactory loggers, IHttpClientFactory clients, Microsoft.Extensions.Options.IOptions<ScarletHostOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<string, (WebhookView View, IDisposable Subscription, WebhookSink Sink)> _hooks = new(StringComparer.Ordinal);

    /// <summary>Subscribes the stored webhooks again (at start).</summary>
    public void Load()
    {
        foreach (var hook in state.List<StoredWebhook>(HostStateKinds.Webhook))
        {
            Subscribe(hook);
        }
    }

    public async Task<WebhookView> AddAsync(string organizationId, Uri url, string secret, IReadOnlyList<string> topics, CancellationToken ct)
    {
        var hook = new StoredWebhook(Guid.NewGuid().ToString("N")[..12], url, secret, topics, organizationId);
        await state.PutAsync(HostStateKinds.Webhook, hook.Id, hook, ct);
        return Subscribe(hook);
    }

    private WebhookView Subscribe(StoredWebhook hook)
    {
        var webhook = new WebhookOptions { Url = hook.Url, Secret = hook.Secret };
        foreach (var t in hook.Topics)
        {
            webhook.Topics.Add(t);
        }

        // The host's client: no redirects, no non-public addresses (WebhookTargets).
        var sink = new WebhookSink(webhook, events, time, clients.CreateClient(WebhookTargets.HttpClientName), loggers.CreateLogger<WebhookSink>());
        var view = new WebhookView(hook.Id, hook.Url, hook.Topics, hook.OrganizationId ?? options.Value.Organization);
        _hooks[view.Id] = (view, stream.AddSink(new OrganizationSink(view.OrganizationId, sink)), sink);
        return view;
    }

    public IReadOnlyList<WebhookView> List(string organizationId) => [.. _hooks.Values.Select(h => h.View).Where(v => v.OrganizationId == organizationId)];

    public async Task<bool> RemoveAsync(string organizationId, string id, CancellationToken ct)
    {
        if (!_hooks.TryGetValue(id, out var h) || h.View.OrganizationId != organizationId)
        {
            return false;
        }

        await state.DeleteAsync(HostStateKinds.Webhook, id, ct);
        return Unsubscribe(id);
    }

    private bool Unsubscribe(string id)
    {
        if (!_hooks.TryRemove(id, out var h))
        {
            return false;
        }

        h.Subscription.Dispose();
        h.Sink.Dispose();
        return true;
    }

    public void Dispose()
    {
        // The process ends, the subscriptions stay stored.
        foreach (var id in _hooks.Keys)
        {
            Unsubscribe(id);
        }
    }
}

/// <summary>Lets one organisation's events through to a sink (a webhook subscribed by that organisation).</summary>
internal sealed class OrganizationSink(string organizationId, IEventSink inner) : IEventSink
{
    public string Name => inner.Name;

    public bool Accepts(ScarletEvent evt) => evt.OrganizationId == organizationId && inner.Accepts(evt);

    public Task DeliverAsync(ScarletEvent evt, CancellationToken cancellationToken) => inner.DeliverAsync(evt, cancellationToken);
}
