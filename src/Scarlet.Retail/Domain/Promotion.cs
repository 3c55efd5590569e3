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
    [System.Text.Json.Serialization.JsonConverter(typeof(LoyaltyTargetJsonConverter))]
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

    /// <summary>Gets a value indicating whether it may be shown at all; a disabled promotion keeps its settings but is never chosen.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Gets when it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Which promotions to list (<see cref="Storage.IPromotionStore.ListAsync(PromotionQuery, System.Threading.CancellationToken)"/>).</summary>
public sealed record PromotionQuery
{
    /// <summary>Gets the organisation.</summary>
    public required string OrganizationId { get; init; }

    /// <summary>
    /// Gets the activity filter: <see langword="true"/> for promotions enabled and valid at <see cref="At"/>,
    /// <see langword="false"/> for the others (disabled, expired or not yet valid), <see langword="null"/> for all.
    /// </summary>
    public bool? Active { get; init; }

    /// <summary>Gets the time <see cref="Active"/> refers to.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>Gets a tier: only promotions a customer of that tier may get (targeting it or all tiers); <see langword="null"/> for any.</summary>
    public LoyaltyStatus? Tier { get; init; }

    /// <summary>Gets a zone: only promotions that apply in it (listing it, or zone-free); <see langword="null"/> for any.</summary>
    public string? Zone { get; init; }

    /// <summary>Gets the page size (1 to 1000).</summary>
    public int Limit { get; init; } = 100;

    /// <summary>Gets the rows to skip.</summary>
    public int Offset { get; init; }
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

    /// <summary>Gets a value indicating whether it may be shown (default <see langword="true"/>).</summary>
    public bool Enabled { get; init; } = true;
}

/// <summary>JSON for a loyalty target: a tier name, or <c>"all"</c> for <see langword="null"/>.</summary>
public sealed class LoyaltyTargetJsonConverter : System.Text.Json.Serialization.JsonConverter<LoyaltyStatus?>
{
    /// <inheritdoc/>
    public override bool HandleNull => true;

    /// <summary>Parses <c>all</c> (or null/empty) or a tier name, case-insensitively.</summary>
    /// <param name="value">Text.</param>
    /// <returns>The tier or <see langword="null"/> for all.</returns>
    /// <exception cref="FormatException">Unknown tier.</exception>
    public static LoyaltyStatus? Parse(string? value) =>
        string.IsNullOrWhiteSpace(value) || value.Equals("all", StringComparison.OrdinalIgnoreCase) ? null
        : Enum.TryParse<LoyaltyStatus>(value, ignoreCase: true, out var s) && Enum.IsDefined(s) && !int.TryParse(value, out _) ? s
        : throw new FormatException($"Unknown loyalty status '{value}': expected all, bronze, silver, gold or platinum.");

    /// <inheritdoc/>
    public override LoyaltyStatus? Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options)
    {
        try
        {
            return Parse(reader.TokenType == System.Text.Json.JsonTokenType.Null ? null : reader.GetString());
        }
        catch (FormatException ex)
        {
            throw new System.Text.Json.JsonException(ex.Message, ex);
        }
    }

    /// <inheritdoc/>
    public override void Write(System.Text.Json.Utf8JsonWriter writer, LoyaltyStatus? value, System.Text.Json.JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value is { } v ? v.ToString().ToLowerInvariant() : "all");
    }
}
