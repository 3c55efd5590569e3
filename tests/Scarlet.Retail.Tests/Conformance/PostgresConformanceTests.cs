using Microsoft.Extensions.Time.Testing;
using Scarlet.Retail.Storage.Postgres;
using Scarlet.Retail.Storage.Sql;
using Scarlet.Testing.Servers;

namespace Scarlet.Retail.Tests.Conformance;

/// <summary>The PostgreSQL backend: a fresh database per test on the private server of this test run.</summary>
internal static class PostgresStores
{
    public static Task<StoreSet> CreateAsync()
    {
        var db = new PostgresDatabase(PostgresServer.Shared.CreateDatabase());
        return Task.FromResult(new StoreSet(
            new SqlOrganizationStore(db, new FakeTimeProvider()),
            new SqlCustomerStore(db),
            new SqlCatalogStore(db),
            new SqlVisitorStore(db),
            new SqlPromotionStore(db),
            new SqlVisitStore(db),
            new SqlEventStore(db),
            new SqlAlertStore(db),
            new SqlPossibleDuplicateStore(db),
            new SqlAdminUserStore(db),
            new SqlTokenRevocationStore(db),
            new SqlLoginLockoutStore(db),
            new SqlApiKeyStore(db),
            new Owner(db))
        {
            Attributes = new SqlAttributeStatisticsStore(db),
            Tickets = new SqlStreamTicketStore(db),
            RateLimits = new SqlRateLimitStore(db),
            Zones = new SqlZoneStore(db),
            AlertRules = new SqlAlertRuleStore(db),
            VideoJobs = new SqlVideoJobStore(db),
        });
    }

    private sealed class Owner(PostgresDatabase db) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            db.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

public sealed class PostgresCustomerStoreTests : CustomerStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => PostgresStores.CreateAsync();
}

public sealed class PostgresPromotionStoreTests : PromotionStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => PostgresStores.CreateAsync();
}

public sealed class PostgresVisitStoreTests : VisitStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => PostgresStores.CreateAsync();
}

public sealed class PostgresEventStoreTests : EventStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => PostgresStores.CreateAsync();
}

public sealed class PostgresAlertStoreTests : AlertStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => PostgresStores.CreateAsync();
}

public sealed class PostgresVisitorAndCatalogStoreTests : VisitorAndCatalogStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => PostgresStores.CreateAsync();
}

public sealed class PostgresPossibleDuplicateStoreTests : PossibleDuplicateStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => PostgresStores.CreateAsync();
}

public sealed class PostgresCustomerMergeTests : CustomerMergeConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => PostgresStores.CreateAsync();
}

public sealed class PostgresAdminStateStoreTests : AdminStateStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => PostgresStores.CreateAsync();
}

public sealed class PostgresAttributeStatisticsStoreTests : AttributeStatisticsStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => PostgresStores.CreateAsync();
}

public sealed class PostgresZoneAndAlertRuleStoreTests : ZoneAndAlertRuleStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => PostgresStores.CreateAsync();
}

public sealed class PostgresVideoJobStoreTests : VideoJobStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => PostgresStores.CreateAsync();
}
