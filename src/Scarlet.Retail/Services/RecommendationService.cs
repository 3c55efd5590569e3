using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;

namespace Scarlet.Retail;

/// <summary>
/// The seed's recommendation service: on <c>customer-identified-events</c>, combines the customer's purchase history
/// with the products of the zone the customer stands in and publishes an <c>action-events</c> message.
/// </summary>
/// <remarks>
/// Scoring of a zone product: 2 per earlier purchase in its category plus 1 per earlier purchase of the product itself;
/// ties by product id. Without a zone (or an empty one), the most bought products are recommended again. A customer
/// gets at most one recommendation per zone per <see cref="RetailOptions.RecommendationCooldown"/> (by event time), so
/// the per-frame identifications of one visit do not flood the displays.
/// </remarks>
public sealed class RecommendationService
{
    private readonly ICustomerStore _customers;
    private readonly ICatalogStore _catalog;
    private readonly ScarletEventStream _stream;
    private readonly RetailOptions _options;
    private readonly ConcurrentDictionary<(string Org, string Customer), string> _lastZone = new();
    private readonly ConcurrentDictionary<(string Org, string Customer, string Zone), DateTimeOffset> _lastSent = new();

    /// <summary>Initializes a new instance of the <see cref="RecommendationService"/> class.</summary>
    /// <param name="customers">Customer store (purchase history).</param>
    /// <param name="catalog">Catalogue (zone products).</param>
    /// <param name="stream">Event stream.</param>
    /// <param name="options">Options.</param>
    public RecommendationService(ICustomerStore customers, ICatalogStore catalog, ScarletEventStream stream, IOptions<RetailOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _customers = customers;
        _catalog = catalog;
        _stream = stream;
        _options = options.Value;
    }

    /// <summary>Recommends products for a customer in a zone.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="zone">Zone, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Product ids, best first, at most <see cref="RetailOptions.RecommendationCount"/>.</returns>
    public async Task<IReadOnlyList<string>> RecommendAsync(string organizationId, string customerId, string? zone, CancellationToken cancellationToken = default)
    {
        var purchases = await _customers.GetPurchasesAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false);
        var byProduct = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in purchases)
        {
            byProduct[p.ProductId] = byProduct.GetValueOrDefault(p.ProductId) + p.Quantity;
        }

        var byCategory = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (productId, count) in byProduct)
        {
            if (await _catalog.GetProductAsync(organizationId, productId, cancellationToken).ConfigureAwait(false) is { Category.Length: > 0 } product)
            {
                byCategory[product.Category] = byCategory.GetValueOrDefault(product.Category) + count;
            }
        }

        var zoneProducts = zone is null ? [] : await _catalog.ListProductsInZoneAsync(organizationId, zone, cancellationToken).ConfigureAwait(false);
        if (zoneProducts.Count == 0)
        {
            return [.. byProduct.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(_options.RecommendationCount).Select(kv => kv.Key)];
        }

        return
        [
            .. zoneProducts
                .Select(p => (p.Id, Score: (2 * byCategory.GetValueOrDefault(p.Category)) + byProduct.GetValueOrDefault(p.Id)))
                .OrderByDescending(x => x.Score)
                .ThenBy(x => x.Id, StringComparer.Ordinal)
                .Take(_options.RecommendationCount)
                .Select(x => x.Id),
        ];
    }

    /// <summary>Handles a customer-identified event: recommends and publishes an <see cref="ActionEvent"/> unless in cooldown.</summary>
    /// <param name="identified">The event.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The action published, or <see langword="null"/> (cooldown, or nothing to recommend).</returns>
    public async Task<ActionEvent?> HandleAsync(CustomerIdentifiedEvent identified, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identified);
        var org = identified.OrganizationId;
        var zone = identified.StoreZone ?? _lastZone.GetValueOrDefault((org, identified.CustomerId));
        var key = (org, identified.CustomerId, zone ?? string.Empty);
        if (_lastSent.TryGetValue(key, out var last) && identified.Timestamp - last < _options.RecommendationCooldown && identified.Timestamp >= last)
        {
            return null;
        }

        var products = await RecommendAsync(org, identified.CustomerId, zone, cancellationToken).ConfigureAwait(false);
        if (products.Count == 0)
        {
            return null;
        }

        _lastSent[key] = identified.Timestamp;
        var action = new ActionEvent { OrganizationId = org, Timestamp = identified.Timestamp, CustomerId = identified.CustomerId, StoreZone = zone, RecommendedProducts = products };
        _stream.Publish(action);
        return action;
    }

    /// <summary>Remembers the zone an identified customer entered, for identifications that carry no zone.</summary>
    /// <param name="entered">The zone event.</param>
    public void ObserveZone(ZoneEnteredEvent entered)
    {
        ArgumentNullException.ThrowIfNull(entered);
        if (entered.CustomerId is { } c)
        {
            _lastZone[(entered.OrganizationId, c)] = entered.Zone;
        }
    }

    /// <summary>Forgets an erased customer.</summary>
    /// <param name="erased">The erasure.</param>
    public void Forget(CustomerErasedEvent erased)
    {
        ArgumentNullException.ThrowIfNull(erased);
        _lastZone.TryRemove((erased.OrganizationId, erased.CustomerId), out _);
        foreach (var key in _lastSent.Keys.Where(k => k.Org == erased.OrganizationId && k.Customer == erased.CustomerId))
        {
            _lastSent.TryRemove(key, out _);
        }
    }
}
