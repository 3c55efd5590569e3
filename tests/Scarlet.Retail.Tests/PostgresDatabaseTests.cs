using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Storage.Postgres;
using Scarlet.Retail.Storage.Sql;
using Scarlet.Testing.Servers;

namespace Scarlet.Retail.Tests;

/// <summary>What the PostgreSQL backend adds to the conformance suites: migrations, start-up errors, concurrent writers.</summary>
public sealed class PostgresDatabaseTests
{
    [Fact]
    public void Schema_is_versioned_migrated_once_even_by_hosts_starting_together_and_a_newer_one_is_refused()
    {
        var cs = PostgresServer.Shared.CreateDatabase();
        var opened = Enumerable.Range(0, 3).AsParallel().Select(_ => new PostgresDatabase(cs)).ToArray();
        foreach (var db in opened)
        {
            Assert.Equal(PostgresSchemaMigrations.LatestVersion, db.SchemaVersion);
            db.Dispose();
        }

        using (var conn = new NpgsqlConnection(cs))
        {
            conn.Open();
            // Each migration recorded once (version numbers are reserved per change, so they may have gaps).
            using var count = new NpgsqlCommand("SELECT COUNT(*) - COUNT(DISTINCT version) FROM schema_version", conn);
            Assert.Equal(0L, count.ExecuteScalar());
            using var max = new NpgsqlCommand("SELECT MAX(version) FROM schema_version", conn);
            Assert.Equal(PostgresSchemaMigrations.LatestVersion, max.ExecuteScalar());
            using var later = new NpgsqlCommand("INSERT INTO schema_version(version) VALUES (99)", conn);
            later.ExecuteNonQuery();
        }

        Assert.Throws<InvalidOperationException>(() => new PostgresDatabase(cs));
    }

    [Fact]
    public async Task Migration_15_adds_the_video_jobs_table_to_a_version_14_database()
    {
        var cs = PostgresServer.Shared.CreateDatabase();
        new PostgresDatabase(cs).Dispose();
        using (var conn = new NpgsqlConnection(cs))
        {
            conn.Open();
            using var v14 = new NpgsqlCommand("DROP TABLE video_jobs; DELETE FROM schema_version WHERE version = 15", conn);
            v14.ExecuteNonQuery();
        }

        using var db = new PostgresDatabase(cs);
        Assert.Equal(15, db.SchemaVersion);
        var jobs = new SqlVideoJobStore(db);
        var job = new VideoJobRecord("j", "org", "cam", "a.mp4", "failed", 1, 3, DateTimeOffset.FromUnixTimeMilliseconds(5), DateTimeOffset.FromUnixTimeMilliseconds(9), "interrupted by a host restart", "{}", null, "j");
        await jobs.SaveAsync(job);
        Assert.Equal([job], await jobs.ListAsync());
    }

    [Fact]
    public void An_unreachable_server_is_a_clear_error_naming_it()
    {
        var port = LocalPort();
        var ex = Assert.Throws<StoreUnavailableException>(() => new PostgresDatabase($"Host=127.0.0.1;Port={port};Username=x;Database=y;Timeout=2"));
        Assert.Contains($"127.0.0.1:{port}/y", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new PostgresDatabase("Hots=nowhere"));
    }

    [Fact]
    public void Options_name_what_is_missing_for_postgres()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddScarletRetail(o => o.StorageProvider = StorageProvider.Postgres);
        using var sp = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<RetailOptions>>().Value);
        Assert.Contains("PostgresConnectionString is required", ex.Message, StringComparison.Ordinal);

        var ok = new ServiceCollection();
        ok.AddLogging();
        ok.AddScarletRetail(o =>
        {
            o.StorageProvider = StorageProvider.Postgres;
            o.PostgresConnectionString = PostgresServer.Shared.CreateDatabase();
        });
        using var okProvider = ok.BuildServiceProvider();
        Assert.IsType<PostgresDatabase>(okProvider.GetRequiredService<SqlDatabase>());
    }

    [Fact]
    public async Task Concurrent_purchases_from_several_connections_lose_no_amount()
    {
        // Two hosts (two PostgresDatabase instances) add to one customer's total spend at once: SERIALIZABLE plus retry.
        var cs = PostgresServer.Shared.CreateDatabase();
        using var hostA = new PostgresDatabase(cs);
        using var hostB = new PostgresDatabase(cs);
        await new SqlOrganizationStore(hostA, TimeProvider.System).EnsureAsync("org", "org");
        await new SqlCatalogStore(hostA).UpsertProductAsync("org", new Product { Id = "sku", Name = "n", Category = "c" });
        var customer = await new SqlCustomerStore(hostA).AddAsync(new Customer { Id = "c1", OrganizationId = "org", Name = "Ada" }, []);
        var stores = new[] { new SqlCustomerStore(hostA), new SqlCustomerStore(hostB) };
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => stores[i % 2].AddPurchaseAsync("org", new Purchase { Id = "p" + i, CustomerId = customer.Id, ProductId = "sku", Amount = 1.25m }))));
        Assert.Equal(50m, (await stores[0].GetAsync("org", "c1"))!.TotalSpend);
        Assert.Equal(40, (await stores[1].GetPurchasesAsync("org", "c1")).Count);
    }

    private static int LocalPort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}
