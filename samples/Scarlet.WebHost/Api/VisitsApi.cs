using System.Globalization;
using Microsoft.Extensions.Options;
using Scarlet.Retail;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost.Api;

/// <summary><c>GET /api/analytics/visits</c>: buckets by period and the period's totals.</summary>
internal sealed record VisitStatisticsView(string Granularity, string Period, DateTimeOffset From, DateTimeOffset To, VisitSummary Summary, IReadOnlyList<VisitStatisticsBucket> Buckets);

/// <summary><c>GET /api/analytics/visits/zones</c>: dwell per zone.</summary>
internal sealed record ZoneDwellView(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<ZoneDwell> Zones);

/// <summary><c>GET /api/analytics/visits/occupancy</c>: people present over a store day.</summary>
internal sealed record OccupancyView(string Date, string TimeZone, DateTimeOffset From, DateTimeOffset To, int IntervalMinutes, IReadOnlyList<OccupancyPoint> Points);

/// <summary>Visit analytics (the library's <see cref="VisitAnalytics"/>; the host maps query parameters and DTOs only).</summary>
internal static class VisitsApi
{
    private static readonly TimeSpan MaxSpan = TimeSpan.FromDays(800);

    public static void MapVisitsApi(this IEndpointRouteBuilder app)
    {
        var visits = app.MapGroup("/api/analytics/visits").Require(ScarletPolicies.Read).WithTags("Analytics");
        visits.MapGet(string.Empty, VisitsAsync).WithSummary("Visits by hour, day, week or month: visits, unique, returning and new visitors, dwell");
        visits.MapGet("/zones", ZonesAsync).WithSummary("Dwell per zone: stays, visits, total, mean and longest dwell");
        visits.MapGet("/occupancy", OccupancyAsync).WithSummary("People present over a store day: mean and peak per interval");
    }

    public static async Task<IResult> VisitsAsync(HostContext ctx, TimeProvider time, string? period, string? granularity, DateTimeOffset? from, DateTimeOffset? to, string? store_id, CancellationToken ct)
    {
        // `period` is the name of the routes; `granularity` the older one, still accepted.
        var g = (period ?? granularity)?.Trim().ToLowerInvariant() switch
        {
            null or "" or "hour" => StatisticsGranularity.Hour,
            "day" => StatisticsGranularity.Day,
            "week" => StatisticsGranularity.Week,
            "month" => StatisticsGranularity.Month,
            _ => throw ApiException.BadRequest("period must be hour, day, week or month", period is null ? "granularity" : "period"),
        };
        var (start, end) = Range(from, to, time);
        var store = NullIfBlank(store_id);
        var buckets = await ctx.Visits.GetStatisticsAsync(ctx.Org, store, start, end, g, ct);
        var summary = await ctx.Visits.GetSummaryAsync(ctx.Org, store, start, end, ct);
        var name = g.ToString().ToLowerInvariant();
        return TypedResults.Ok(new VisitStatisticsView(name, name, start, end, summary, buckets));
    }

    public static async Task<IResult> ZonesAsync(HostContext ctx, TimeProvider time, DateTimeOffset? from, DateTimeOffset? to, string? camera_id, string? group_by, CancellationToken ct)
    {
        var byCamera = NullIfBlank(group_by)?.ToLowerInvariant() switch
        {
            null or "zone" => false,
            "camera" => true,
            _ => throw ApiException.BadRequest("group_by must be zone or camera", "group_by"),
        };
        var (start, end) = Range(from, to, time);
        return TypedResults.Ok(new ZoneDwellView(start, end, await ctx.Visits.GetZoneDwellAsync(ctx.Org, start, end, NullIfBlank(camera_id), byCamera, ct)));
    }

    public static async Task<IResult> OccupancyAsync(HostContext ctx, TimeProvider time, IOptions<RetailOptions> retail, string? date, int? interval_minutes, string? store_id, CancellationToken ct)
    {
        var interval = interval_minutes ?? 60;
        if (interval is < 1 or > 1440)
        {
            throw ApiException.BadRequest("interval_minutes must be from 1 to 1440", "interval_minutes");
        }

        // A store day: midnight to midnight in the store's time zone (Scarlet:Retail:StoreTimeZone), default today.
        var zone = retail.Value.ResolveTimeZone();
        var now = time.GetUtcNow();
        DateOnly day;
        if (string.IsNullOrWhiteSpace(date))
        {
            day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        }
        else if (!DateOnly.TryParseExact(date.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
        {
            throw ApiException.BadRequest("date must be a date (YYYY-MM-DD)", "date");
        }

        var from = StartOfDay(day, zone);
        var end = StartOfDay(day.AddDays(1), zone);

        // Today stops at now: a person still in view is present up to now, not to midnight.
        var to = end < now ? end : now;
        var points = to > from
            ? await ctx.Visits.GetOccupancyAsync(ctx.Org, NullIfBlank(store_id), from, to, TimeSpan.FromMinutes(interval), ct)
            : [];
        return TypedResults.Ok(new OccupancyView(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), zone.Id, from, end, interval, points));
    }

    private static DateTimeOffset StartOfDay(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }

    private static (DateTimeOffset From, DateTimeOffset To) Range(DateTimeOffset? from, DateTimeOffset? to, TimeProvider time)
    {
        var end = to ?? time.GetUtcNow();
        var start = from ?? end.AddDays(-1);
        if (start >= end || end - start > MaxSpan)
        {
            throw ApiException.BadRequest("from must be before to, at most 800 days apart");
        }

        return (start, end);
    }

    private static string? NullIfBlank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
