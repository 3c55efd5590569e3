using Microsoft.Extensions.Options;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;

namespace Scarlet.Retail;

/// <summary>Promotions: create, and choose what applies to a customer in a zone at a time (the seed's GET /promotions/{user_id}).</summary>
public sealed class PromotionEngine
{
    private readonly IPromotionStore _promotions;
    private readonly ICustomerStore _customers;
    private readonly ScarletEventStream _stream;
    private readonly TimeProvider _time;
    private readonly TimeZoneInfo _zone;

    /// <summary>Initializes a new instance of the <see cref="PromotionEngine"/> class.</summary>
    /// <param name="promotions">Promotion store.</param>
    /// <param name="customers">Customer store.</param>
    /// <param name="stream">Event stream.</param>
    /// <param name="options">Options (store time zone).</param>
    /// <param name="time">Clock.</param>
    public PromotionEngine(IPromotionStore promotions, ICustomerStore customers, ScarletEventStream stream, IOptions<RetailOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _promotions = promotions;
        _customers = customers;
        _stream = stream;
        _time = time;
        _zone = options.Value.ResolveTimeZone();
    }

    /// <summary>Creates a promotion.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="draft">Fields.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The promotion.</returns>
    /// <exception cref="ArgumentException">Missing title, empty validity, bad cap.</exception>
    public async Task<Promotion> CreateAsync(string organizationId, PromotionDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        var promotion = Build(Guid.NewGuid().ToString("N"), organizationId, draft, _time.GetUtcNow());
        await _promotions.AddAsync(promotion, cancellationToken).ConfigureAwait(false);
        return promotion;
    }

    /// <summary>Replaces a promotion's fields with a draft's (its id and creation time stay): edit, enable or disable.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="promotionId">Promotion.</param>
    /// <param name="draft">The fields as they are to be.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The promotion as stored, or <see langword="null"/> when the organisation has no such promotion.</returns>
    /// <exception cref="ArgumentException">Missing title, empty validity, bad cap.</exception>
    public async Task<Promotion?> UpdateAsync(string organizationId, string promotionId, PromotionDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        ArgumentException.ThrowIfNullOrWhiteSpace(promotionId);
        if (await _promotions.GetAsync(organizationId, promotionId, cancellationToken).ConfigureAwait(false) is not { } current)
        {
            return null;
        }

        var promotion = Build(promotionId, organizationId, draft, current.CreatedAt);
        return await _promotions.UpdateAsync(promotion, cancellationToken).ConfigureAwait(false) ? promotion : null;
    }

    /// <summary>An organisation's promotions, filtered and paged (<see cref="PromotionQuery"/>), priority first.</summary>
    /// <param name="query">Filters and page; <see cref="PromotionQuery.At"/> left at its default means now.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The page and the total matching.</returns>
    public Task<Page<Promotion>> ListAsync(PromotionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return _promotions.ListAsync(query.At == default ? query with { At = _time.GetUtcNow() } : query, cancellationToken);
    }

    private static Promotion Build(string id, string organizationId, PromotionDraft draft, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentException.ThrowIfNullOrWhiteSpace(draft.Title, nameof(draft));
        if (draft.ValidTo <= draft.ValidFrom)
        {
            throw new ArgumentException("ValidTo must be after ValidFrom.", nameof(draft));
        }

        if (draft.MaxImpressionsPerCustomer is < 1 || draft.FrequencyCapPeriod <= TimeSpan.Zero)
        {
            throw new ArgumentException("The frequency cap needs at least one impression per positive period.", nameof(draft));
        }

        if (draft.TargetLoyaltyStatus is { } t && !Enum.IsDefined(t))
        {
            throw new ArgumentException("Unknown loyalty status.", nameof(draft));
        }

        return new Promotion
        {
            Id = id,
            OrganizationId = organizationId,
            Title = draft.Title.Trim(),
            Description = draft.Description,
            Discount = draft.Discount,
            ValidFrom = draft.ValidFrom,
            ValidTo = draft.ValidTo,
            TargetLoyaltyStatus = draft.TargetLoyaltyStatus,
            Zones = [.. draft.Zones.Where(z => !string.IsNullOrWhiteSpace(z)).Distinct(StringComparer.Ordinal)],
            TimeWindows = [.. draft.TimeWindows],
            Priority = draft.Priority,
            MaxImpressionsPerCustomer = draft.MaxImpressionsPerCustomer,
            FrequencyCapPeriod = draft.FrequencyCapPeriod,
            Enabled = draft.Enabled,
            CreatedAt = createdAt,
        };
    }

    /// <summary>Gets a promotion.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="promotionId">Promotion.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The promotion or <see langword="null"/>.</returns>
    public Task<Promotion?> GetAsync(string organizationId, string promotionId, CancellationToken cancellationToken = default) =>
        _promotions.GetAsync(organizationId, promotionId, cancellationToken);

    /// <summary>The organisation's enabled promotions valid at a time (now by default), priority descending.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="at">Time; now when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Promotions.</returns>
    public Task<IReadOnlyList<Promotion>> ListValidAsync(string organizationId, DateTimeOffset? at = null, CancellationToken cancellationToken = default) =>
        _promotions.ListValidAsync(organizationId, at ?? _time.GetUtcNow(), cancellationToken);

    /// <summary>Deletes a promotion.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="promotionId">Promotion.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Whether it existed.</returns>
    public Task<bool> DeleteAsync(string organizationId, string promotionId, CancellationToken cancellationToken = default) =>
        _promotions.DeleteAsync(organizationId, promotionId, cancellationToken);

    /// <summary>
    /// The promotions that apply to a customer: valid at <paramref name="at"/>, targeting the customer's tier or all,
    /// in the zone (or zone-free), inside a time window (or window-free), under the frequency cap. Ordered by priority
    /// (high first), then tier-targeted before "all", then ending soonest, then oldest.
    /// </summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="zone">Zone the customer is in, or <see langword="null"/> (then zone-restricted promotions do not apply).</param>
    /// <param name="at">Time; now when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Promotions, best first.</returns>
    /// <exception cref="RetailNotFoundException">Unknown customer.</exception>
    public async Task<IReadOnlyList<Promotion>> GetPromotionsForAsync(string organizationId, string customerId, string? zone = null, DateTimeOffset? at = null, CancellationToken cancellationToken = default)
    {
        var customer = await _customers.GetAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false) ?? throw new RetailNotFoundException("customer", customerId);
        var when = at ?? _time.GetUtcNow();
        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(when, _zone).DateTime);
        var result = new List<Promotion>();
        foreach (var p in await _promotions.ListValidAsync(organizationId, when, cancellationToken).ConfigureAwait(false))
        {
            if ((p.TargetLoyaltyStatus is { } tier && tier != customer.LoyaltyStatus)
                || (p.Zones.Count > 0 && (zone is null || !p.Zones.Contains(zone)))
                || (p.TimeWindows.Count > 0 && !p.TimeWindows.Any(w => w.Contains(local))))
            {
                continue;
            }

            if (p.MaxImpressionsPerCustomer is { } cap
                && await _promotions.CountImpressionsAsync(organizationId, p.Id, customerId, when - p.FrequencyCapPeriod, cancellationToken).ConfigureAwait(false) >= cap)
            {
                continue;
            }

            result.Add(p);
        }

        return
        [
            .. result.OrderByDescending(p => p.Priority)
                .ThenBy(p => p.TargetLoyaltyStatus is null ? 1 : 0)
                .ThenBy(p => p.ValidTo)
                .ThenBy(p => p.CreatedAt)
                .ThenBy(p => p.Id, StringComparer.Ordinal),
        ];
    }

    /// <summary>Chooses the promotions for a customer, records an impression of each and publishes <see cref="PromotionShownEvent"/>s.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="zone">Zone.</param>
    /// <param name="max">Most promotions to show.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The promotions shown.</returns>
    public async Task<IReadOnlyList<Promotion>> ShowAsync(string organizationId, string customerId, string? zone, int max = 3, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var now = _time.GetUtcNow();
        var chosen = (await GetPromotionsForAsync(organizationId, customerId, zone, now, cancellationToken).ConfigureAwait(false)).Take(max).ToList();
        foreach (var p in chosen)
        {
            await _promotions.RecordImpressionAsync(organizationId, new PromotionImpression(p.Id, customerId, zone, now), cancellationToken).ConfigureAwait(false);
            _stream.Publish(new PromotionShownEvent { OrganizationId = organizationId, Timestamp = now, PromotionId = p.Id, Title = p.Title, CustomerId = customerId, StoreZone = zone });
        }

        return chosen;
    }
}
