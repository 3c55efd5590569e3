using Scarlet.WebHost.Live;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost.Api;

/// <summary>The editable fields of a camera: <c>PUT</c> replaces them (source required), <c>PATCH</c> changes those given.</summary>
internal sealed record UpdateCameraRequest(string? Name, string? Source, string? Location, string? Zone, bool? Loop, bool? Enabled);

/// <summary>The answer of <c>POST /api/cameras/stop-all</c>.</summary>
internal sealed record StopAllView(int Stopped, IReadOnlyList<CameraView> Cameras);

/// <summary>Camera edits and the emergency stop (issue 16); the rest of <c>/api/cameras</c> is in <see cref="OpsApi"/>.</summary>
internal static class CameraApi
{
    public static void MapCameraApi(this IEndpointRouteBuilder app)
    {
        var cams = app.MapGroup("/api/cameras").WithTags("Cameras");
        cams.MapPost("/stop-all", StopAllAsync).RequireAdmin().WithSummary("Emergency stop: stop every camera of the organisation (they stay stopped after a restart)");
        cams.MapPut("/{camera_id}", (string camera_id, UpdateCameraRequest? body, HttpContext http, HostContext ctx, CameraManager m, MediaRoots media, CancellationToken ct) => UpdateAsync(camera_id, body, replace: true, http, ctx, m, media, ct))
            .Require(ScarletPolicies.Operator).WithSummary("Replace a camera's name, source, location, zone, loop and enabled; a changed source restarts it");
        cams.MapPatch("/{camera_id}", (string camera_id, UpdateCameraRequest? body, HttpContext http, HostContext ctx, CameraManager m, MediaRoots media, CancellationToken ct) => UpdateAsync(camera_id, body, replace: false, http, ctx, m, media, ct))
            .Require(ScarletPolicies.Operator).WithSummary("Change some of a camera's name, source, location, zone, loop and enabled");
    }

    public static async Task<IResult> UpdateAsync(string camera_id, UpdateCameraRequest? body, bool replace, HttpContext http, HostContext ctx, CameraManager m, MediaRoots media, CancellationToken ct)
    {
        var current = m.Require(camera_id, ctx.Org);
        if (body is null)
        {
            throw ApiException.BadRequest("body is required");
        }

        if (replace && string.IsNullOrWhiteSpace(body.Source))
        {
            throw ApiException.BadRequest("source is required (PATCH changes some fields only)");
        }

        var old = CameraManager.ConfigOf(current);
        var config = replace
            ? new CameraConfig { Name = body.Name, Source = body.Source!, Location = body.Location, Zone = body.Zone, Loop = body.Loop ?? true }
            : new CameraConfig { Name = body.Name ?? old.Name, Source = body.Source ?? old.Source, Location = body.Location ?? old.Location, Zone = body.Zone ?? old.Zone, Loop = body.Loop ?? old.Loop };
        if (config.Name is { Length: > 200 } || config.Location is { Length: > 200 } || config.Zone is { Length: > 100 })
        {
            throw ApiException.BadRequest("name and location are at most 200 characters, zone at most 100");
        }

        if (body.Source is not null)
        {
            media.Validate(body.Source);
        }

        // Enabled by default on PUT; PATCH keeps the camera's state when not given.
        var enabled = body.Enabled ?? (replace || current.IsRunning);
        try
        {
            return TypedResults.Ok(CameraView.From(await m.UpdateAsync(camera_id, ctx.Org, config, enabled, ct), http));
        }
        catch (ArgumentException ex)
        {
            throw ApiException.BadRequest(ex.Message);
        }
    }

    public static async Task<IResult> StopAllAsync(HttpContext http, HostContext ctx, CameraManager m, ILoggerFactory loggers, CancellationToken ct)
    {
        var stopped = await m.StopAllAsync(ctx.Org, ct);
        loggers.CreateLogger("Scarlet.WebHost.Cameras").LogWarning("Emergency stop of {Count} cameras by {User}", stopped.Count, http.Name());
        return TypedResults.Ok(new StopAllView(stopped.Count, [.. stopped.Select(c => CameraView.From(c, http))]));
    }
}
