using Scarlet.Recognition;
using Scarlet.Retail.Tests.Support;
using Scarlet.Testing.Servers;

namespace Scarlet.Retail.Tests.Integration;

/// <summary>
/// The gallery snapshot as a start-up shortcut (issue 20): taken at the store's gallery version, written debounced and at
/// shutdown, used at start only while the store is still at that version; a change on another host (an enrolment, an
/// erasure) makes the next start build from the store, so an erased face never comes back from a stale snapshot. Real
/// LFW faces and models; SQLite and a shared PostgreSQL.
/// </summary>
public sealed class GallerySnapshotTests : IDisposable
{
    private const string PersonX = "Tony_Blair";
    private const string PersonY = "Hans_Blix";
    private const string PersonZ = "Gerhard_Schroeder";
    private const string Org = "org-a";

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_snapshot_is_written_debounced_and_used_at_start_until_another_process_erases_a_face()
    {
        string tonyId;
        string path;
        await using (var h = new ScarletHarness(_dir.Path, snapshotDelay: TimeSpan.FromSeconds(30)))
        {
            await h.OrgAsync(Org);
            tonyId = (await h.EnrolAsync(Org, "Tony", PersonX, 1)).Id;
            await h.EnrolAsync(Org, "Hans", PersonY, 1);
            path = h.Faces.SnapshotPath(Org)!;

            // Written when the gallery was first built (store version 0, empty), not after each enrolment...
            Assert.Equal(0, SnapshotVersion(path));

            // ...but once the delay has passed, at the version of the last change.
            h.Time.Advance(TimeSpan.FromSeconds(31));
            for (var i = 0; i < 400 && SnapshotVersion(path) != 2; i++)
            {
                await Task.Delay(25);
            }

            Assert.Equal(2, SnapshotVersion(path));
            Assert.Equal(2, await h.Customers.GetGalleryVersionAsync(Org, CancellationToken.None));
        }

        // The store is still at the snapshot's version: the next start takes the shortcut, and it answers.
        await using (var h = new ScarletHarness(_dir.Path, snapshotDelay: TimeSpan.FromSeconds(30)))
        {
            Assert.Equal(RecognitionStatus.Matched, (await h.IdentifyAsync(Org, PersonX, 2)).Status);
            Assert.True(h.Faces.LoadedFromSnapshot(Org));
        }

        // Another process without the snapshot folder erases Tony: the file still holds his face, at version 2.
        await using (var other = new ScarletHarness(_dir.Path, snapshots: false))
        {
            await other.Get<PrivacyService>().EraseAsync(Org, tonyId, "admin");
        }

        using (var stale = LoadSnapshot(path))
        {
            Assert.Equal(2, stale.IdentityCount);
        }

        // The store moved on (3): the snapshot is not used, Tony stays erased, and the snapshot is rewritten without him.
        await using (var h = new ScarletHarness(_dir.Path, snapshotDelay: TimeSpan.FromSeconds(30)))
        {
            Assert.Equal(RecognitionStatus.NewFace, (await h.IdentifyAsync(Org, PersonX, 2)).Status);
            Assert.Equal(RecognitionStatus.Matched, (await h.IdentifyAsync(Org, PersonY, 2)).Status);
            Assert.False(h.Faces.LoadedFromSnapshot(Org));
            Assert.Equal(3, SnapshotVersion(path));
            using var fresh = LoadSnapshot(path);
            Assert.Equal(1, fresh.IdentityCount);
        }
    }

    [Fact]
    public async Task On_a_shared_PostgreSQL_a_change_on_another_host_makes_the_next_start_build_from_the_store()
    {
        var cs = PostgresServer.Shared.CreateDatabase();
        void Shared(RetailOptions r)
        {
            r.StorageProvider = StorageProvider.Postgres;
            r.PostgresConnectionString = cs;
        }

        using var dirA = new TempDir();
        using var dirB = new TempDir();
        string tonyId;
        await using (var a = new ScarletHarness(dirA.Path, retail: Shared, snapshotDelay: TimeSpan.FromSeconds(30)))
        {
            await a.OrgAsync(Org);
            tonyId = (await a.EnrolAsync(Org, "Tony", PersonX, 1)).Id;
            await a.EnrolAsync(Org, "Hans", PersonY, 1);
        }

        // Host B (its own snapshot folder) enrols a customer and erases one of A's.
        string gerhardId;
        await using (var b = new ScarletHarness(dirB.Path, retail: Shared, snapshotDelay: TimeSpan.FromSeconds(30)))
        {
            gerhardId = (await b.EnrolAsync(Org, "Gerhard", PersonZ, 1)).Id;
            await b.Get<PrivacyService>().EraseAsync(Org, tonyId, "admin");
            Assert.Equal(4, await b.Customers.GetGalleryVersionAsync(Org, CancellationToken.None));
        }

        // A's snapshot is at 2, the store at 4: A builds from the store and sees both of B's changes.
        await using (var a = new ScarletHarness(dirA.Path, retail: Shared, snapshotDelay: TimeSpan.FromSeconds(30)))
        {
            Assert.Equal(2, SnapshotVersion(a.Faces.SnapshotPath(Org)!));
            Assert.Equal(RecognitionStatus.NewFace, (await a.IdentifyAsync(Org, PersonX, 2)).Status);
            Assert.False(a.Faces.LoadedFromSnapshot(Org));
            Assert.Equal(gerhardId, (await a.IdentifyAsync(Org, PersonZ, 3)).CustomerId);

            // The rewritten snapshot is at the store's version: the next start would take the shortcut (shown on SQLite).
            Assert.Equal(4, SnapshotVersion(a.Faces.SnapshotPath(Org)!));
        }
    }

    private static long SnapshotVersion(string path)
    {
        using var file = File.OpenRead(path);
        return FaceGallerySnapshot.ReadStoreVersion(file);
    }

    private static FaceGallery LoadSnapshot(string path)
    {
        using var file = File.OpenRead(path);
        return FaceGallerySnapshot.Read(file);
    }
}
