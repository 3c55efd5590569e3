using Scarlet.Retail.Storage;

namespace Scarlet.Retail.Tests.Conformance;

/// <summary>Every store of one backend, over one fresh empty database.</summary>
public sealed record StoreSet(
    IOrganizationStore Organizations,
    ICustomerStore Customers,
    ICatalogStore Catalog,
    IVisitorStore Visitors,
    IPromotionStore Promotions,
    IVisitStore Visits,
    IEventStore Events,
    IAlertStore Alerts,
    IPossibleDuplicateStore Duplicates,
    IAdminUserStore AdminUsers,
    ITokenRevocationStore Revocations,
    ILoginLockoutStore Lockouts,
    IApiKeyStore ApiKeys,
    IAsyncDisposable Owner)
{
    /// <summary>Gets the face attribute statistics store (set by each backend).</summary>
    public IAttributeStatisticsStore Attributes { get; init; } = null!;

    /// <summary>Gets the stream ticket store (set by each backend).</summary>
    public IStreamTicketStore Tickets { get; init; } = null!;

    /// <summary>Gets the rate limit store (set by each backend).</summary>
    public IRateLimitStore RateLimits { get; init; } = null!;

    /// <summary>Gets the zone store (set by each backend).</summary>
    public IZoneStore Zones { get; init; } = null!;

    /// <summary>Gets the alert rule store (set by each backend).</summary>
    public IAlertRuleStore AlertRules { get; init; } = null!;

    /// <summary>Gets the video job store (set by each backend).</summary>
    public IVideoJobStore VideoJobs { get; init; } = null!;
}

/// <summary>
/// Base of the store conformance suites: a backend subclasses each suite and supplies <see cref="CreateStoresAsync"/>.
/// Two organisations exist before each test; every suite checks that nothing leaks from one to the other.
/// </summary>
public abstract class StoreConformance : IAsyncLifetime
{
    protected const string OrgA = "org-a";
    protected const string OrgB = "org-b";
    protected static readonly DateTimeOffset T0 = new(2025, 3, 10, 9, 0, 0, TimeSpan.Zero);

    private StoreSet? _stores;

    protected StoreSet S => _stores ?? throw new InvalidOperationException("not initialised");

    /// <summary>Creates every store over a fresh, empty database.</summary>
    protected abstract Task<StoreSet> CreateStoresAsync();

    public async Task InitializeAsync()
    {
        _stores = await CreateStoresAsync();
        await S.Organizations.EnsureAsync(OrgA, "A");
        await S.Organizations.EnsureAsync(OrgB, "B");
    }

    public async Task DisposeAsync()
    {
        if (_stores is not null)
        {
            await _stores.Owner.DisposeAsync();
        }
    }

    protected static Customer NewCustomer(string org, string? id = null, string? email = null) => new()
    {
        Id = id ?? Guid.NewGuid().ToString("N"),
        OrganizationId = org,
        Name = "Ada",
        Email = email,
        CreatedAt = T0,
    };

    protected async Task ProductAsync(string org, string id, string category, params string[] zones) =>
        await S.Catalog.UpsertProductAsync(org, new Product { Id = id, Name = id, Category = category, Zones = zones });
}
