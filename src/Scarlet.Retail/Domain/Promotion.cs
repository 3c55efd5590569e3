namespace Scarlet.Retail;

/// <summary>A promotion of one organisation. JSON names follow the seed API (<c>title</c>, <c>discount</c>, <c>target_loyalty_status</c>, ...).</summary>
public sealed record Promotion
{
    /// <summary>Gets the promotion id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the owning organisation.</summary>
    public required string OrganizationId { get; init; }

    /// <summary>Gets the title.</summary>
    public required string Title { get; init; }

    /// <summary>Gets the description.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>Gets the discount as shown (e.g. <c>20%</c>, <c>2 for 1</c>).</summary>
    public string Discount { get; init; } = string.Empty;

    /// <summary>Gets the start of validity (inclusive).</summary>
    public DateTimeOffset ValidFrom { get; init; }

    /// <summary>Gets the end of validity (exclusive).</summary>
    public DateTimeOffset ValidTo { get; init; }

    /// <summary>Gets the tier the promotion targets; <see langword="null"/> means all tiers (<c>"all"</c> in JSON).</summary>
    public LoyaltyStatus? TargetLoyaltyStatus { get; init; }

    /// <summary>Gets the zones it applies in; empty means everywhere.</summary>
    public IReadOnlyList<string> Zones { get; init; } = [];

    /// <summary>Gets the daily time windows it applies in (store time); empty means all day.</summary>
    public IReadOnlyList<DailyTimeWindow> TimeWindows { get; init; } = [];

    /// <summary>Gets the priority; higher first.</summary>
    public int Priority { get; init; }

    /// <summary>Gets the most times one customer is shown it within <see cref="FrequencyCapPeriod"/>; <see langword="null"/> for no cap.</summary>
    public int? MaxImpressionsPerCustomer { get; init; }

    /// <summary>Gets the period of the frequency cap (default one day).</summary>
    public TimeSpan FrequencyCapPeriod { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Gets when it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A daily window of store time, <c>[Start, End)</c>; <c>End &lt; Start</c> wraps past midnight.</summary>
/// <param name="Start">Start of day time.</param>
/// <param name="End">End of day time.</param>
public readonly record struct DailyTimeWindow(TimeOnly Start, TimeOnly End)
{
    /// <summary>Whether the time of day lies in the window.</summary>
    /// <param name="time">Time of day.</param>
    /// <returns><see langword="true"/> when inside.</returns>
    public bool Contains(TimeOnly time) => Start <= End ? time >= Start && time < End : time >= Start || time < End;
}

/// <summary>What to create: the fields of POST /promotions plus targeting.</summary>
public sealed record PromotionDraft
{
    /// <summary>Gets the title (required).</summary>
    public required string Title { get; init; }

    /// <summary>Gets the description.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>Gets the discount text.</summary>
    public string Discount { get; init; } = string.Empty;

    /// <summary>Gets the start of validity.</summary>
    public DateTimeOffset ValidFrom { get; init; }

    /// <summary>Gets the end of validity (after <see cref="ValidFrom"/>).</summary>
    public DateTimeOffset ValidTo { get; init; }

    /// <summary>Gets the targeted tier, or <see langword="null"/> for all.</summary>
    public LoyaltyStatus? TargetLoyaltyStatus { get; init; }

    /// <summary>Gets the zones; empty for all.</summary>
    public IReadOnlyList<string> Zones { get; init; } = [];

    /// <summary>Gets the daily windows; empty for all day.</summary>
    public IReadOnlyList<DailyTimeWindow> TimeWindows { get; init; } = [];

    /// <summary>Gets the priority, higher first.</summary>
    public int Priority { get; init; }

    /// <summary>Gets the per-customer cap, or <see langword="null"/>.</summary>
    public int? MaxImpressionsPerCustomer { get; init; }

    /// <summary>Gets the cap period.</summary>
    public TimeSpan FrequencyCapPeriod { get; init; } = TimeSpan.FromDays(1);
}
