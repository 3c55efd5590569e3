using System.Net.WebSockets;
using System.Text.Json;
using Scarlet.Retail;
using Scarlet.Tracking.Identity;
using Scarlet.Vision;
using Scarlet.Vision.Models;
using Scarlet.WebHost.Live;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost.Api;

internal sealed record CameraView(string Id, string Name, string Status, DateTimeOffset? LastSeen, string Location, string Zone, [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Source, long FramesProcessed, string? LastError, string? LastErrorKind, DateTimeOffset? LastErrorAt, double? Fps, long? FramesCaptured, long? FramesDropped, CameraHealthView Health)
{
    /// <summary>The camera as the caller may see it: the source (a path, a URL, maybe credentials) only for admins.</summary>
    public static CameraView From(StoreCamera c, HttpContext http)
    {
        var error = CameraWire.LastError(c);
        var health = c.Health;
        var status = CameraWire.Status(c);
        return new(c.Id, c.Name, status, c.LastSeen, CameraWire.Location(c), c.Zone, AdminAuth.CanSeeCameraSources(http) ? c.RedactedSource : null, c.FramesProcessed, error?.Text, error?.Kind, error?.At,
            health is null ? null : Math.Round(health.ProcessedFps, 2), health?.FramesCaptured, health?.FramesDropped,
            new CameraHealthView(
                status,
                health is null ? 0 : Math.Round(health.CapturedFps, 2),
                health is null ? 0 : Math.Round(health.ProcessedFps, 2),
                health?.FramesCaptured ?? 0,
                c.FramesProcessed,
                health?.FramesDropped ?? 0,
                health is null ? 0 : Math.Round(health.DropRate, 4),
                health?.Reconnects ?? 0,
                health?.LastFrameAge is { } age ? Math.Round(age.TotalSeconds, 2) : null,
                error is { } e ? new CameraErrorView(e.Text, e.Kind, e.At) : null));
    }
}

/// <summary>
/// A camera's health (issue 19): state, frames per second read from the source and processed (last 2 s), frames read,
/// processed and dropped since start, reconnects, seconds since the source's last frame, and the last error.
/// </summary>
internal sealed record CameraHealthView(string State, double FpsIn, double FpsProcessed, long FramesCaptured, long FramesProcessed, long FramesDropped, double DropRate, long Reconnects, double? LastFrameAgeSeconds, CameraErrorView? LastError);

/// <summary>A camera's last fault in plain words, its kind and time (null when unknown).</summary>
internal sealed record CameraErrorView(string Message, string Kind, DateTimeOffset? At);

/// <summary>The health answer; details only for authenticated callers.</summary>
internal sealed record HealthView(
    string Status,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] bool? OpenEndpoints,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? ExecutionProvider,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] int? Cameras);

internal sealed record TrackingView(string CameraId, IReadOnlyList<TrackedObject> TrackedObjects);

internal sealed record PersonView(string PersonId, string? CustomerId, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, IReadOnlyList<string> Cameras, IReadOnlyList<PositionView> Positions);

internal sealed record PositionView(DateTimeOffset Timestamp, string CameraId, PointView Position);

internal sealed record PointView(float X, float Y);

internal sealed record TrackUpdateRequest(string? CameraId, DateTimeOffset? Timestamp, List<TrackUpdateObject>? Objects);

internal sealed record TrackUpdateObject(string? ObjectId, string? PersonId, float[]? Bbox, string? CustomerId, string? UserId, float? Confidence);

/// <summary>Gateway and edge-processor endpoints: health, metrics, cameras, streams, tracking, logs, alerts count, WebSockets.</summary>
internal static class GatewayApi
{
    public static void MapGatewayApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", Health).WithTags("System").AllowAnonymous().WithSummary("Status; details (provider, cameras) for authenticated callers only");
        app.MapScarletMetrics(app.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ScarletHostOptions>>().Value.Security.MetricsRequireKey);

        var staff = app.MapGroup(string.Empty).Require(ScarletPolicies.Staff);
        staff.MapGet("/cameras", Cameras).SeedOpen(app).WithTags("Cameras").WithSummary("The cameras; sources (paths, URLs) for admins only");
        staff.MapGet("/cameras/{camera_id}/stream", StreamAsync).SeedOpen(app).WithTags("Cameras").WithSummary("Multipart MJPEG with overlays");
        staff.MapGet("/cameras/{camera_id}/snapshot", Snapshot).SeedOpen(app).WithTags("Cameras").WithSummary("The latest overlay frame as JPEG");
        staff.MapGet("/cameras/{camera_id}/tracking", (string camera_id, HostContext ctx, CameraManager cameras) => TypedResults.Ok(new TrackingView(camera_id, CameraWire.TrackedObjects(cameras.Require(camera_id, ctx.Org))))).SeedOpen(app).WithTags("Cameras");
        staff.MapGet("/logs", async (HostContext ctx, int? limit, CancellationToken ct) => TypedResults.Ok(await ctx.Log.GetRecentAsync(ctx.Org, Paging.Limit(limit, 50, 1000), ct))).SeedOpen(app).WithTags("Logs");
        staff.MapGet("/alerts/count", async (HostContext ctx, CancellationToken ct) => TypedResults.Ok(new CountView(await ctx.Alerts.CountActiveAsync(ctx.Org, ct)))).SeedOpen(app).WithTags("Alerts");
        staff.Map("/ws/dashboard", DashboardSocketAsync).ExcludeFromDescription();
        app.MapGet("/persons/{person_id}", GetPerson).SeedOpen(app).WithTags("Tracking").Require(ScarletPolicies.Display);
        app.MapPost("/track", Track).WithTags("Tracking").Require(ScarletPolicies.Device);
        app.Map("/ws/tracking", TrackingSocketAsync).SeedOpen(app).Require(ScarletPolicies.Display).ExcludeFromDescription();
    }

    public static IResult Health(HttpContext http, HostContext ctx, InferenceSessionCache sessions, CameraManager cameras, Microsoft.Extensions.Options.IOptions<ScarletHostOptions> options)
    {
        // open_endpoints only when set: a lab host says so to anyone who looks.
        bool? open = options.Value.Security.OpenSeedEndpoints ? true : null;
        return http.User.Identity?.IsAuthenticated == true
            ? TypedResults.Ok(new HealthView("healthy", open, sessions.ActiveProvider.ToString(), cameras.Of(ctx.Org).Count))
            : TypedResults.Ok(new HealthView("healthy", open, null, null));
    }

    public static IResult Cameras(HttpContext http, HostContext ctx, CameraManager cameras) =>
        TypedResults.Ok(cameras.Of(ctx.Org).Select(c => CameraView.From(c, http)).ToList());

    public static async Task StreamAsync(string camera_id, HttpContext http, HostContext ctx, CameraManager cameras, CancellationToken ct)
    {
        var camera = cameras.Require(camera_id, ctx.Org);
        if (camera.Image is null && !camera.IsRunning)
        {
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, "Service not ready: the camera has no frame yet");
        }

        var writer = new MjpegStreamWriter(http.Response.Body);
        http.Response.ContentType = writer.ContentType;
        http.Response.Headers.CacheControl = "no-store";
        var last = -1L;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                var img = await camera.NextImageAsync(last, timeout.Token);
                last = img.Sequence;
                await writer.WriteJpegAsync(img.Jpeg, ct);
                await http.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public static IResult Snapshot(string camera_id, HostContext ctx, CameraManager cameras)
    {
        var img = cameras.Require(camera_id, ctx.Org).Image ?? throw new ApiException(StatusCodes.Status503ServiceUnavailable, "Service not ready: the camera has no frame yet");
        return TypedResults.File(img.Jpeg, "image/jpeg");
    }

    public static IResult GetPerson(string person_id, HostContext ctx, LivePeople people, CameraManager cameras)
    {
        var p = people.Get(ctx.Org, person_id) ?? throw ApiException.NotFound("Person not found");
        return TypedResults.Ok(new PersonView(p.PersonId, p.CustomerId, p.FirstSeen, p.LastSeen, p.Cameras, p.Trail.Select(x => new PositionView(x.Timestamp, x.CameraId, Normalised(x, cameras.Get(x.CameraId, ctx.Org)))).ToList()));
    }

    /// <summary>A foot point of one of the host's cameras normalised to its frame; a device's (<c>POST /track</c>) as it sent it.</summary>
    private static PointView Normalised(PersonPosition x, StoreCamera? camera) =>
        camera?.FrameSize is (> 0 and var w, > 0 and var h)
            ? new PointView(MathF.Round(x.Image.X / w, 4), MathF.Round(x.Image.Y / h, 4))
            : new PointView(x.Image.X, x.Image.Y);

    public static IResult Track(TrackUpdateRequest? body, HostContext ctx, LivePeople people, TimeProvider time)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.CameraId) || body.Objects is null)
        {
            throw ApiException.BadRequest("camera_id and objects are required");
        }

        if (body.Objects.Count > 1000)
        {
            throw ApiException.BadRequest("at most 1000 objects per update");
        }

        var at = body.Timestamp ?? time.GetUtcNow();
        var org = ctx.Org;
        foreach (var o in body.Objects)
        {
            var id = o.PersonId ?? o.ObjectId;
            if (string.IsNullOrWhiteSpace(id) || o.Bbox is not { Length: 4 } b || b.Any(v => !float.IsFinite(v)))
            {
                throw ApiException.BadRequest("each object needs object_id (or person_id) and bbox [x1, y1, x2, y2]");
            }

            try
            {
                // The foot point (bottom centre of the box), as the camera pipelines record it.
                people.Report(org, id, new PersonPosition(body.CameraId, at, new PointF((b[0] + b[2]) / 2, b[3]), null), (o.CustomerId ?? o.UserId) is { Length: > 0 } customer ? customer : null);
            }
            catch (ArgumentException ex)
            {
                throw ApiException.BadRequest(ex.Message);
            }
        }

        return TypedResults.Ok(new ObjectsUpdatedView("updated", body.Objects.Count));
    }

    public static async Task DashboardSocketAsync(HttpContext http, LiveHubs hubs, HostContext ctx, CameraManager cameras, LivePeople people, IHostApplicationLifetime life)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            throw ApiException.BadRequest("WebSocket upgrade required");
        }

        var org = ctx.Org;
        var stats = await AdminApi.BuildStatsAsync(ctx, org, hubs, cameras, people, http.RequestAborted);
        var hello = JsonSerializer.SerializeToUtf8Bytes(new DashboardStatsMessage(stats, DateTimeOffset.UtcNow), LiveJson.Default.DashboardStatsMessage);
        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, life.ApplicationStopping);
        await hubs.Dashboard.RunAsync(socket, org, hello, cts.Token);
    }

    public static async Task TrackingSocketAsync(HttpContext http, HostContext ctx, LiveHubs hubs, IHostApplicationLifetime life)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            throw ApiException.BadRequest("WebSocket upgrade required");
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, life.ApplicationStopping);
        await hubs.Tracking.RunAsync(socket, ctx.Org, null, cts.Token);
    }
}
