using System.Globalization;
using OpenCvSharp;
using Scarlet.Recognition;
using Scarlet.Retail;
using Scarlet.Vision;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost.Api;

/// <summary>One value of a statistic: its count and share of the total (percent, one decimal).</summary>
internal sealed record StatisticsEntry(string Value, long Count, double Percentage);

/// <summary>A statistic over a period: every value (zeros included), the total, the period.</summary>
internal sealed record StatisticsResponse(AttributeKind Attribute, DateTimeOffset DateFrom, DateTimeOffset DateTo, long Total, IReadOnlyList<StatisticsEntry> Results);

/// <summary>
/// Nome.ai's demographic statistics, <c>GET /api/client/statistics/{gender,age,emotion}/</c>, over the face attribute
/// aggregates of the caller's organisation (counted per hour, camera and zone; docs/privacy.md).
/// </summary>
internal static class StatisticsApi
{
    private static readonly TimeSpan MaxSpan = TimeSpan.FromDays(800);

    public static void MapStatisticsApi(this IEndpointRouteBuilder app)
    {
        var stats = app.MapGroup("/api/client/statistics").Require(ScarletPolicies.Read).WithTags("Statistics");
        stats.MapGet("/gender/", (HostContext ctx, AttributeStatistics s, TimeProvider time, string? date_from, string? date_to, string? camera_id, string? zone, CancellationToken ct) => GetAsync(AttributeKind.Gender, ctx, s, time, date_from, date_to, camera_id, zone, ct))
            .WithSummary("Gender distribution of the people seen (female, male, unknown)");
        stats.MapGet("/age/", (HostContext ctx, AttributeStatistics s, TimeProvider time, string? date_from, string? date_to, string? camera_id, string? zone, CancellationToken ct) => GetAsync(AttributeKind.AgeGroup, ctx, s, time, date_from, date_to, camera_id, zone, ct))
            .WithSummary("Age groups of the people seen (0-18, 19-30, 31-50, 51+)");
        stats.MapGet("/emotion/", (HostContext ctx, AttributeStatistics s, TimeProvider time, string? date_from, string? date_to, string? camera_id, string? zone, CancellationToken ct) => GetAsync(AttributeKind.Emotion, ctx, s, time, date_from, date_to, camera_id, zone, ct))
            .WithSummary("Emotions of the people seen (FER-2013 classes)");
    }

    public static async Task<IResult> GetAsync(AttributeKind kind, HostContext ctx, AttributeStatistics statistics, TimeProvider time, string? dateFrom, string? dateTo, string? cameraId, string? zone, CancellationToken ct)
    {
        var to = ParseDate(dateTo, "date_to", endOfDay: true) ?? time.GetUtcNow();
        var from = ParseDate(dateFrom, "date_from", endOfDay: false) ?? to.AddDays(-30);
        if (from >= to || to - from > MaxSpan)
        {
            throw ApiException.BadRequest("date_from must be before date_to, at most 800 days apart");
        }

        var counts = await statistics.GetAsync(ctx.Org, kind, from, to, NullIfBlank(cameraId), NullIfBlank(zone), ct);
        var total = counts.Sum(c => c.Count);
        var results = counts.Select(c => new StatisticsEntry(c.Value, c.Count, total == 0 ? 0 : Math.Round(100.0 * c.Count / total, 1))).ToList();
        // The attribute's wire name ("age_group") comes from the API's snake_case enum converter.
        return TypedResults.Ok(new StatisticsResponse(kind, from, to, total, results));
    }

    /// <summary>
    /// Counts the attributes of the faces of one <c>/process-frame</c> frame that passed the quality gate (a poor face's
    /// estimate is not counted); nothing when attributes are off. An edge device's frame is its sighting of a visitor,
    /// so each face sent is counted once.
    /// </summary>
    public static async Task RecordFrameAsync(FaceAttributesFeature feature, AttributeStatistics statistics, string org, Mat image, IReadOnlyList<FaceSighting> sightings, string cameraId, string? zone, DateTimeOffset at, CancellationToken ct)
    {
        if (!feature.OnProcessFrame || feature.Estimator is not { } estimator)
        {
            return;
        }

        var usable = sightings.Where(s => !s.Embedding.IsEmpty).ToList();
        if (usable.Count == 0)
        {
            return;
        }

        var attributes = estimator.Estimate(image, [.. usable.Select(s => s.Landmarks)]);
        for (var i = 0; i < usable.Count; i++)
        {
            await statistics.RecordAsync(org, at, cameraId, zone, attributes[i], usable[i].CustomerId, ct);
        }
    }

    // A date alone (2026-12-06) is a whole UTC day: as date_to it means up to the end of that day.
    private static DateTimeOffset? ParseDate(string? value, string field, bool endOfDay)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return endOfDay ? start.AddDays(1) : start;
        }

        return DateTimeOffset.TryParse(value.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : throw ApiException.BadRequest($"{field} must be a date (YYYY-MM-DD) or an ISO 8601 time");
    }

    private static string? NullIfBlank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
