using System.Globalization;
using System.Text.Json;
using Scarlet.Retail;
using Scarlet.Tracking.Geometry;
using Scarlet.WebHost.Live;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost.Api;

/// <summary>A daily window of an alert schedule, store time, <c>HH:mm</c>.</summary>
internal sealed record ScheduleWindowDto(string? Start, string? End);

/// <summary>An alert schedule: days (<c>monday</c> ...) and daily windows; empty lists mean always.</summary>
internal sealed record AlertScheduleDto(string[]? Days, ScheduleWindowDto[]? Windows);

/// <summary>The body of <c>POST /api/alert-rules</c> and <c>PUT /api/alert-rules/{id}</c>, and the rule the routes return.</summary>
internal sealed record AlertRuleDto(
    string? Id,
    string? Name,
    AlertRuleKind? Kind,
    AlertLevel? Level,
    string? CameraId,
    string? Zone,
    double? Threshold,
    double? DurationSeconds,
    double? Radius,
    double? CooldownSeconds,
    AlertScheduleDto? Schedule,
    bool? Enabled)
{
    public static AlertRuleDto From(AlertRule r) => new(
        r.Id, r.Name, r.Kind, r.Level, r.CameraId, r.Zone, r.Threshold, r.Duration.TotalSeconds, r.Radius, r.Cooldown.TotalSeconds,
        r.Schedule is { } s ? new AlertScheduleDto([.. s.Days.Select(d => d.ToString().ToLowerInvariant())], [.. s.Windows.Select(w => new ScheduleWindowDto(w.Start.ToString("HH:mm", CultureInfo.InvariantCulture), w.End.ToString("HH:mm", CultureInfo.InvariantCulture)))]) : null,
        r.Enabled);

    /// <exception cref="ApiException">400 with what is wrong.</exception>
    public AlertRule ToRule(string id)
    {
        if (Kind is null)
        {
            throw ApiException.BadRequest("kind is required: zone_occupancy, zone_dwell, restricted_entry, crowd, loitering, unidentified_in_staff_zone, camera_offline or frame_drops");
        }

        var rule = new AlertRule
        {
            Id = id,
            Name = Name ?? string.Empty,
            Kind = Kind.Value,
            Level = Level ?? AlertLevel.Warning,
            CameraId = string.IsNullOrWhiteSpace(CameraId) ? null : CameraId,
            Zone = string.IsNullOrWhiteSpace(Zone) ? null : Zone,
            Threshold = Threshold ?? 0,
            Duration = Seconds(DurationSeconds, "duration_seconds") ?? TimeSpan.Zero,
            Radius = Radius ?? 0.05,
            Cooldown = Seconds(CooldownSeconds, "cooldown_seconds") ?? TimeSpan.FromMinutes(5),
            Schedule = Schedule is null ? null : new AlertSchedule { Days = [.. (Schedule.Days ?? []).Select(Day)], Windows = [.. (Schedule.Windows ?? []).Select(Window)] },
            Enabled = Enabled ?? true,
        };
        var errors = rule.Validate();
        return errors.Count == 0 ? rule : throw ApiException.BadRequest(string.Join("; ", errors));
    }

    private static TimeSpan? Seconds(double? value, string name) => value switch
    {
        null => null,
        { } v when double.IsFinite(v) && v >= 0 && v <= 86_400 => TimeSpan.FromSeconds(v),
        _ => throw ApiException.BadRequest($"{name} must be 0 to 86400"),
    };

    private static DayOfWeek Day(string? day) =>
        Enum.TryParse<DayOfWeek>(day, ignoreCase: true, out var d) && Enum.IsDefined(d) && !int.TryParse(day, out _) ? d : throw ApiException.BadRequest($"schedule.days: '{day}' is not a day of the week");

    private static DailyTimeWindow Window(ScheduleWindowDto? w) =>
        TimeOnly.TryParseExact(w?.Start, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start) && TimeOnly.TryParseExact(w?.End, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var end)
            ? new DailyTimeWindow(start, end)
            : throw ApiException.BadRequest("schedule.windows need start and end as HH:mm");
}

/// <summary>
/// Zones per camera (<c>/api/cameras/{id}/zones</c>), alert rules (<c>/api/alert-rules</c>) and the alert list with
/// filters and acknowledgement (<c>/api/alerts</c>).
/// </summary>
internal static class ZonesAndAlertRulesApi
{
    public static void MapZonesAndAlertRulesApi(this IEndpointRouteBuilder app)
    {
        var cams = app.MapGroup("/api/cameras").WithTags("Cameras");
        cams.MapGet("/{camera_id}/zones", (string camera_id, HostContext ctx, CameraManager cameras, ZoneAlerts zones) =>
        {
            cameras.Require(camera_id, ctx.Org);
            return Results.Text(CameraZone.ToJson(zones.ZonesOf(camera_id, ctx.Org)), "application/json");
        }).Require(ScarletPolicies.Staff).WithSummary("The camera's zones: named polygons normalised to the frame (0..1) with a kind");
        cams.MapPut("/{camera_id}/zones", PutZonesAsync).Require(ScarletPolicies.Operator)
            .WithSummary("Replace the camera's zones (kinds: entrance, checkout, aisle, restricted, staff); applied to the running pipeline at once");

        var rules = app.MapGroup("/api/alert-rules").Require(ScarletPolicies.Operator).WithTags("Alerts");
        rules.MapGet("/", (HostContext ctx, ZoneAlerts z) => TypedResults.Ok(z.RulesOf(ctx.Org).Select(AlertRuleDto.From).ToList()));
        rules.MapGet("/{rule_id}", (string rule_id, HostContext ctx, ZoneAlerts z) => TypedResults.Ok(AlertRuleDto.From(z.GetRule(rule_id, ctx.Org) ?? throw ApiException.NotFound("Alert rule not found"))));
        rules.MapPost("/", async (AlertRuleDto body, HostContext ctx, ZoneAlerts z, CancellationToken ct) =>
        {
            var id = string.IsNullOrWhiteSpace(body.Id) ? Guid.NewGuid().ToString("N")[..12] : body.Id;
            if (z.GetRule(id, ctx.Org) is not null)
            {
                throw new ApiException(StatusCodes.Status409Conflict, $"Alert rule '{id}' exists; PUT /api/alert-rules/{id} replaces it");
            }

            var rule = body.ToRule(id);
            await z.PutRuleAsync(rule, ctx.Org, ct);
            return TypedResults.Created($"/api/alert-rules/{rule.Id}", AlertRuleDto.From(rule));
        }).WithSummary("Create an alert rule: kind, level, camera, zone, threshold, duration, cool-down, schedule");
        rules.MapPut("/{rule_id}", async (string rule_id, AlertRuleDto body, HostContext ctx, ZoneAlerts z, CancellationToken ct) =>
        {
            if (body.Id is { } bodyId && bodyId != rule_id)
            {
                throw ApiException.BadRequest("id in the body differs from the route");
            }

            var existed = z.GetRule(rule_id, ctx.Org) is not null;
            var rule = body.ToRule(rule_id);
            await z.PutRuleAsync(rule, ctx.Org, ct);
            return existed ? Results.Ok(AlertRuleDto.From(rule)) : Results.Created($"/api/alert-rules/{rule.Id}", AlertRuleDto.From(rule));
        }).WithSummary("Replace (or create) an alert rule");
        rules.MapDelete("/{rule_id}", async (string rule_id, HostContext ctx, ZoneAlerts z, CancellationToken ct) =>
            await z.DeleteRuleAsync(rule_id, ctx.Org, ct) ? Results.NoContent() : throw ApiException.NotFound("Alert rule not found"));

        app.MapPost("/api/alerts/{alert_id}/ack", async (string alert_id, HttpContext http, HostContext ctx, CancellationToken ct) => TypedResults.Ok(await ctx.Alerts.AcknowledgeAsync(ctx.Org, alert_id, http.Name(), ct)))
            .Require(ScarletPolicies.Operator).WithTags("Alerts").WithSummary("Acknowledge an alert (the first acknowledgement is kept)");
    }

    /// <summary>
    /// <c>GET /api/alerts</c>: newest first, filtered by <c>level</c>, <c>camera_id</c>, <c>acknowledged</c> (or the older
    /// <c>active_only</c>), <c>from</c>/<c>to</c> (raise time); paged by <c>limit</c>/<c>offset</c>, the total in
    /// <c>X-Total-Count</c>. The body stays the array it always was.
    /// </summary>
    public static async Task<IResult> ListAlertsAsync(HttpContext http, HostContext ctx, bool? active_only, string? level, string? camera_id, bool? acknowledged, DateTimeOffset? from, DateTimeOffset? to, int? limit, int? offset, CancellationToken ct)
    {
        AlertLevel? lvl = level switch
        {
            null => null,
            "info" => AlertLevel.Info,
            "warning" => AlertLevel.Warning,
            "critical" => AlertLevel.Critical,
            _ => throw ApiException.BadRequest("level must be info, warning or critical"),
        };
        if (active_only == true && acknowledged == true)
        {
            throw ApiException.BadRequest("active_only and acknowledged=true exclude each other");
        }

        if (from is { } f && to is { } t && t <= f)
        {
            throw ApiException.BadRequest("'to' must be after 'from'");
        }

        var page = await ctx.Alerts.QueryAsync(
            new AlertQuery
            {
                OrganizationId = ctx.Org,
                Level = lvl,
                CameraId = camera_id,
                Acknowledged = active_only == true ? false : acknowledged,
                From = from,
                To = to,
                Limit = Paging.Limit(limit, 100, 1000),
                Offset = Paging.Offset(offset),
            },
            ct);
        http.Response.Headers["X-Total-Count"] = page.Total.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Ok(page.Items);
    }

    private static async Task<IResult> PutZonesAsync(string camera_id, HttpRequest request, HostContext ctx, CameraManager cameras, ZoneAlerts zones, CancellationToken ct)
    {
        var camera = cameras.Require(camera_id, ctx.Org);
        IReadOnlyList<CameraZone> parsed;
        try
        {
            using var doc = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 8 }, ct);
            parsed = CameraZone.Parse(doc.RootElement);
        }
        catch (JsonException)
        {
            throw ApiException.BadRequest("zones: the body is not valid JSON");
        }
        catch (ArgumentException ex)
        {
            throw ApiException.BadRequest(ex.Message);
        }

        await zones.SetZonesAsync(camera_id, ctx.Org, parsed, ct);
        camera.SetZones(parsed);
        return Results.Text(CameraZone.ToJson(parsed), "application/json");
    }
}
