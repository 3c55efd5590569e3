using Microsoft.Extensions.DependencyInjection;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Storage.Postgres;
using Scarlet.Retail.Storage.Sql;
using Scarlet.Retail.Storage.Sqlite;
using Scarlet.Retail.Tests.Support;
using Scarlet.Testing.Servers;

namespace Scarlet.Retail.Tests;

/// <summary>
/// The state changes that raise cluster events (registration, merge, erasure) write them to <c>bus_outbox</c> in their own
/// transaction: the row is there when the change returns, before any bridge could have copied the event, the event
/// raised on the host is that row's, and a change that rolls back leaves no row. Visitor assignment and duplicate flags
/// too; every change to the embeddings bumps the organisation's gallery version once, in its transaction. Run on both engines.
/// </summary>
public abstract class TransactionalOutboxTests
{
    private const string Host = "host-t";

    protected abstract SqlDatabase Open(TempDir dir);

    // The retail services on the given database, with organisation "org".
    private static async Task<ServiceProvider> RetailOnAsync(TempDir dir, SqlDatabase db)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(db);
        services.AddScarletRetail(o =>
        {
            o.DatabasePath = dir.File("unused.db");
            o.CropDirectory = dir.File("crops");
        });
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IOrganizationStore>().EnsureAsync("org", "org");
        return provider;
    }

    [Fact]
    public async Task Registration_merge_and_erasure_write_their_events_in_their_own_transaction_and_a_rolled_back_one_writes_none()
    {
        using var dir = new TempDir();
        using var db = Open(dir);
        await using var provider = await RetailOnAsync(dir, db);
        var raised = new List<ScarletEvent>();
        using var subscription = provider.GetRequiredService<ScarletEventStream>().Subscribe(e =>
        {
            lock (raised)
            {
                raised.Add(e);
            }
        });
        var customers = provider.GetRequiredService<CustomerService>();
        var outbox = new SqlBusOutbox(db);

        // Without a cluster bus nothing is written.
        await customers.RegisterAsync("org", new CustomerRegistration { Name = "Solo" });
        Assert.Empty(await outbox.PeekAsync(Host, 10, CancellationToken.None));

        db.Outbox = new OutboxEnlistment(Host, new HashSet<string>(StringComparer.Ordinal) { ScarletTopics.Customers });
        var ada = await customers.RegisterAsync("org", new CustomerRegistration { Name = "Ada", Email = "ada@example.com" });
        var registered = Assert.IsType<CustomerRegisteredEvent>(Assert.Single(await outbox.PeekAsync(Host, 10, CancellationToken.None)).Event);
        Assert.Equal((ada.Id, ada.VectorId), (registered.CustomerId, registered.VectorId));

        // Rolled back (the e-mail is taken): no row, no event.
        await Assert.ThrowsAsync<DuplicateEntityException>(() => customers.RegisterAsync("org", new CustomerRegistration { Name = "Ada again", Email = "ADA@example.com".ToLowerInvariant() }));
        Assert.Single(await outbox.PeekAsync(Host, 10, CancellationToken.None));

        // A merge writes the merge and the merged customer's erasure; an erasure writes its own.
        var bea = await customers.RegisterAsync("org", new CustomerRegistration { Name = "Bea" });
        await provider.GetRequiredService<CustomerMergeService>().MergeAsync("org", bea.Id, ada.Id, "admin");
        await provider.GetRequiredService<PrivacyService>().EraseAsync("org", ada.Id, "admin");
        await Assert.ThrowsAsync<RetailNotFoundException>(() => provider.GetRequiredService<PrivacyService>().EraseAsync("org", ada.Id, "admin"));

        var rows = (await outbox.PeekAsync(Host, 10, CancellationToken.None)).Select(r => r.Event!).ToList();
        Assert.Equal(
            [(nameof(CustomerRegisteredEvent), ada.Id), (nameof(CustomerRegisteredEvent), bea.Id), (nameof(CustomersMergedEvent), ada.Id), (nameof(CustomerErasedEvent), bea.Id), (nameof(CustomerErasedEvent), ada.Id)],
            rows.Select(e => (e.GetType().Name, e switch
            {
                CustomerRegisteredEvent r => r.CustomerId,
                CustomersMergedEvent m => m.CustomerId,
                CustomerErasedEvent x => x.CustomerId,
                _ => "?",
            })));

        // What the host raised after each commit is the row's event (same id), marked so a bridge does not write it again.
        List<ScarletEvent> onHost;
        lock (raised)
        {
            onHost = [.. raised.Where(e => e.Topic == ScarletTopics.Customers).Skip(1)];
        }

        Assert.Equal(rows.Select(e => e.EventId), onHost.Select(e => e.EventId));
        Assert.All(onHost, e => Assert.True(e.InOutbox));
    }

    [Fact]
    public async Task Visitor_assignment_and_duplicate_flags_write_their_events_in_their_own_transaction_and_gallery_changes_bump_the_version()
    {
        using var dir = new TempDir();
        using var db = Open(dir);
        await using var provider = await RetailOnAsync(dir, db);
        var raised = new List<ScarletEvent>();
        using var subscription = provider.GetRequiredService<ScarletEventStream>().Subscribe(e =>
        {
            lock (raised)
            {
                raised.Add(e);
            }
        });
        var customers = provider.GetRequiredService<CustomerService>();
        var merges = provider.GetRequiredService<CustomerMergeService>();
        var outbox = new SqlBusOutbox(db);
        Task<long> Version() => customers.GetGalleryVersionAsync("org", CancellationToken.None);

        Assert.Equal(0, await Version());
        var ada = await customers.RegisterAsync("org", new CustomerRegistration { Name = "Ada", Embeddings = [Unit(1)], Consent = new ConsentRecord("till-1", DateTimeOffset.UnixEpoch, "signed form") });
        var bea = await customers.RegisterAsync("org", new CustomerRegistration { Name = "Bea", Email = "bea@example.com" });
        Assert.Equal(2, await Version());

        // A rolled-back registration (the e-mail is taken) leaves the version where it was.
        await Assert.ThrowsAsync<DuplicateEntityException>(() => customers.RegisterAsync("org", new CustomerRegistration { Name = "Bea again", Email = "bea@example.com" }));
        Assert.Equal(2, await Version());

        var seen = await customers.HandleRecognitionAsync(new RecognitionEvent { OrganizationId = "org", CameraId = "cam", Status = RecognitionStatus.NewFace, Embedding = Unit(2), Timestamp = DateTimeOffset.UnixEpoch });
        var visitor = Assert.IsType<string>(seen.VisitorId);

        db.Outbox = new OutboxEnlistment(Host, new HashSet<string>(StringComparer.Ordinal) { ScarletTopics.Customers });
        await customers.AssignVisitorAsync("org", visitor, ada.Id, "admin");
        Assert.Equal(3, await Version());
        await merges.FlagAsync(new PossibleDuplicate("org", bea.Id, ada.Id, 0.6f, DateTimeOffset.UnixEpoch));

        // Rolled back (no such customer in the organisation): no row, no event.
        await Assert.ThrowsAsync<RetailNotFoundException>(() => merges.FlagAsync(new PossibleDuplicate("org", bea.Id, "nobody", 0.6f, DateTimeOffset.UnixEpoch)));

        var rows = (await outbox.PeekAsync(Host, 10, CancellationToken.None)).Select(r => r.Event!).ToList();
        Assert.Collection(
            rows,
            e =>
            {
                var assigned = Assert.IsType<VisitorAssignedEvent>(e);
                Assert.Equal((visitor, ada.Id, ada.VectorId, 3L), (assigned.VisitorId, assigned.CustomerId, assigned.VectorId, assigned.GalleryVersion));
            },
            e =>
            {
                var flagged = Assert.IsType<PossibleDuplicateFlaggedEvent>(e);
                Assert.Equal((bea.Id, ada.Id), (flagged.CustomerId, flagged.ExistingCustomerId));
            });

        // What the host raised is the rows' events (same ids), marked so a bridge does not write them again; the
        // assignment's still carries its centroid for this host's gallery.
        List<ScarletEvent> onHost;
        lock (raised)
        {
            onHost = [.. raised.Where(e => e is VisitorAssignedEvent or PossibleDuplicateFlaggedEvent)];
        }

        Assert.Equal(rows.Select(e => e.EventId), onHost.Select(e => e.EventId));
        Assert.All(onHost, e => Assert.True(e.InOutbox));
        Assert.Equal(Unit(2).ToArray(), Assert.IsType<VisitorAssignedEvent>(onHost[0]).Centroid.ToArray());

        // Each change's event carries the version its transaction set; a merge and its erasure share one.
        await merges.MergeAsync("org", bea.Id, ada.Id, "admin");
        Assert.Equal(4, await Version());
        await provider.GetRequiredService<PrivacyService>().EraseAsync("org", ada.Id, "admin");
        Assert.Equal(5, await Version());
        lock (raised)
        {
            Assert.Equal([1L, 2L], raised.OfType<CustomerRegisteredEvent>().Select(e => e.GalleryVersion));
            Assert.Equal(4, Assert.Single(raised.OfType<CustomersMergedEvent>()).GalleryVersion);
            Assert.Equal([4L, 5L], raised.OfType<CustomerErasedEvent>().Select(e => e.GalleryVersion));
        }
    }

    private static ReadOnlyMemory<float> Unit(int axis)
    {
        var v = new float[128];
        v[axis] = 1;
        return v;
    }
}

public sealed class SqliteTransactionalOutboxTests : TransactionalOutboxTests
{
    protected override SqlDatabase Open(TempDir dir) => new SqliteDatabase(dir.File("outbox.db"));
}

public sealed class PostgresTransactionalOutboxTests : TransactionalOutboxTests
{
    protected override SqlDatabase Open(TempDir dir) => new PostgresDatabase(PostgresServer.Shared.CreateDatabase());
}
