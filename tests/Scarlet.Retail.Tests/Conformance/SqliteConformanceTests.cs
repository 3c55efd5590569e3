using Microsoft.Extensions.Time.Testing;
using Scarlet.Retail.Storage.Sql;
using Scarlet.Retail.Storage.Sqlite;
using Scarlet.Retail.Tests.Support;

namespace Scarlet.Retail.Tests.Conformance;

/// <summary>The SQLite backend, on a real file in a temp folder.</summary>
internal static class SqliteStores
{
    public static Task<StoreSet> CreateAsync()
    {
        var dir = new TempDir();
        var db = new SqliteDatabase(dir.File("conformance.db"));
        var owner = new Owner(db, dir);
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
            owner)
        {
            Attributes = new SqlAttributeStatisticsStore(db),
            Tickets = new SqlStreamTicketStore(db),
            RateLimits = new SqlRateLimitStore(db),
            Zones = new SqlZoneStore(db),
            AlertRules = new SqlAlertRuleStore(db),
            VideoJobs = new SqlVideoJobStore(db),
        });
    }

    private sealed class Owner(SqliteDatabase db, TempDir dir) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            Assert.Equal("ok", db.CheckIntegrity());
            db.Dispose();
            dir.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

public sealed class SqlCustomerStoreTests : CustomerStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}

public sealed class SqlPromotionStoreTests : PromotionStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}

public sealed class SqlVisitStoreTests : VisitStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}

public sealed class SqlEventStoreTests : EventStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}

public sealed class SqlAlertStoreTests : AlertStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}

public sealed class SqliteVisitorAndCatalogStoreTests : VisitorAndCatalogStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}

public sealed class SqlPossibleDuplicateStoreTests : PossibleDuplicateStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}

public sealed class SqliteCustomerMergeTests : CustomerMergeConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}

public sealed class SqliteAdminStateStoreTests : AdminStateStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}

public sealed class SqliteAttributeStatisticsStoreTests : AttributeStatisticsStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}

public sealed class SqliteZoneAndAlertRuleStoreTests : ZoneAndAlertRuleStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}

public sealed class SqliteVideoJobStoreTests : VideoJobStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}
