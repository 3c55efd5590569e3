using Microsoft.Extensions.Time.Testing;
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
            new SqliteOrganizationStore(db, new FakeTimeProvider()),
            new SqliteCustomerStore(db),
            new SqliteCatalogStore(db),
            new SqliteVisitorStore(db),
            new SqlitePromotionStore(db),
            new SqliteVisitStore(db),
            new SqliteEventStore(db),
            new SqliteAlertStore(db),
            new SqlitePossibleDuplicateStore(db),
            owner));
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

public sealed class SqliteCustomerStoreTests : CustomerStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}

public sealed class SqlitePromotionStoreTests : PromotionStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}

public sealed class SqliteVisitStoreTests : VisitStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}

public sealed class SqliteEventStoreTests : EventStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}

public sealed class SqliteAlertStoreTests : AlertStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}

public sealed class SqliteVisitorAndCatalogStoreTests : VisitorAndCatalogStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}

public sealed class SqlitePossibleDuplicateStoreTests : PossibleDuplicateStoreConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}

public sealed class SqliteCustomerMergeTests : CustomerMergeConformance
{
    protected override Task<StoreSet> CreateStoresAsync() => SqliteStores.CreateAsync();
}
