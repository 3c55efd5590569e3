using System.Reactive.Linq;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Tests.Support;

namespace Scarlet.Retail.Tests;

/// <summary>
/// One visit per person (visit timeout 10 min), driven event by event with event times: tracks on two cameras and
/// re-entries within the timeout are one visit; an anonymous person is a provisional visitor whose visit becomes the
/// customer's once identified, not a second one.
/// </summary>
public sealed class VisitTests
{
    private static readonly DateTimeOffset T = RetailHarness.Start;

    [Fact]
    public async Task Two_cameras_and_a_re_entry_within_the_timeout_are_one_visit_whose_exit_moves_on()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        var v = h.Visits;
        var completed = new List<VisitCompletedEvent>();
        using var _ = h.Stream.Events.OfType<VisitCompletedEvent>().Subscribe(completed.Add);

        // person-1 walks from the door camera into the aisle camera's view, leaves both, comes back 5 minutes later.
        var first = await v.HandleEnteredAsync(Entered(org, "person-1", "door", T));
        Assert.Equal(first.Id, (await v.HandleEnteredAsync(Entered(org, "person-1", "aisle", T.AddSeconds(30)))).Id);
        Assert.Null((await v.HandleExitedAsync(Exited(org, "person-1", "door", T.AddSeconds(60))))!.ExitAt); // still on the aisle camera
        Assert.Equal(T.AddSeconds(90), (await v.HandleExitedAsync(Exited(org, "person-1", "aisle", T.AddSeconds(90))))!.ExitAt);
        Assert.Equal(first.Id, (await v.HandleEnteredAsync(Entered(org, "person-1", "door", T.AddMinutes(5)))).Id);
        var back = await v.HandleExitedAsync(Exited(org, "person-1", "door", T.AddMinutes(6)));
        Assert.Equal((first.Id, T, T.AddMinutes(6), "person-1"), (back!.Id, back.EntryAt, back.ExitAt, back.VisitorId));
        Assert.Equal(0, await h.Visits.GetActivePersonsAsync(org)); // nobody in view: no open row

        // Ended only when 10 minutes have passed since the last sighting.
        Assert.Empty(await v.CompleteEndedVisitsAsync(T.AddMinutes(15)));
        var ended = Assert.Single(await v.CompleteEndedVisitsAsync(T.AddMinutes(16).AddSeconds(1)));
        Assert.Equal((first.Id, TimeSpan.FromMinutes(6)), (ended.Id, ended.Dwell));
        Assert.Equal(first.Id, Assert.Single(completed).Visit.Id);

        // Back after the timeout: a second visit, of a returning visitor.
        await v.HandleEnteredAsync(Entered(org, "person-1", "door", T.AddMinutes(30)));
        var again = (await v.HandleExitedAsync(Exited(org, "person-1", "door", T.AddMinutes(31))))!;
        Assert.NotEqual(first.Id, again.Id);
        Assert.True(again.IsReturning);
        var summary = await v.GetSummaryAsync(org, "s1", T.AddHours(-1), T.AddHours(1));
        Assert.Equal((2, 1, 1, 1), (summary.Visits, summary.UniqueVisitors, summary.ReturningVisitors, summary.NewVisitors));
    }

    [Fact]
    public async Task A_provisional_visitor_identified_later_becomes_the_customers_visit_counted_once()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        var ada = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada" });
        var v = h.Visits;

        // Anonymous on the door camera (global id 7), identified on the till camera under another global id (9), and
        // the door camera's track is identified as Ada when it ends: both tracks are one visit, Ada's (the earlier row).
        var provisional = await v.HandleEnteredAsync(Entered(org, "person-7", "door", T));
        Assert.Equal(("person-7", (string?)null), (provisional.VisitorId, provisional.CustomerId));
        var hers = await v.HandleEnteredAsync(Entered(org, "person-9", "till", T.AddMinutes(2)) with { CustomerId = ada.Id });
        Assert.NotEqual(provisional.Id, hers.Id);
        Assert.Equal(1, (await h.Customers.GetAsync(org, ada.Id))!.VisitCount);
        var merged = await v.HandleExitedAsync(Exited(org, "person-7", "door", T.AddMinutes(3)) with { CustomerId = ada.Id });
        Assert.Equal((provisional.Id, ada.Id, T, (DateTimeOffset?)null), (merged!.Id, merged.CustomerId, merged.EntryAt, merged.ExitAt)); // person-9 is still in view
        await v.HandleExitedAsync(Exited(org, "person-9", "till", T.AddMinutes(4)));

        // A till's /recognize 5 minutes later is the same visit too.
        Assert.False(await v.RecordSightingAsync(org, ada.Id, T.AddMinutes(9)));
        var store = h.Get<IVisitStore>();
        var row = Assert.Single(await store.ListForCustomerAsync(org, ada.Id));
        Assert.Equal((T, T.AddMinutes(9)), (row.EntryAt, row.ExitAt));
        Assert.Equal(1, (await h.Customers.GetAsync(org, ada.Id))!.VisitCount);
        Assert.Equal(1, (await v.GetSummaryAsync(org, null, T.AddHours(-1), T.AddHours(1))).Visits);

        // An anonymous person identified only after her visit ended starts the customer's next visit: counted once.
        await v.HandleEnteredAsync(Entered(org, "person-12", "door", T.AddMinutes(40)));
        await v.HandleExitedAsync(Exited(org, "person-12", "door", T.AddMinutes(41)) with { CustomerId = ada.Id });
        var visits = await store.ListForCustomerAsync(org, ada.Id);
        Assert.Equal(2, visits.Count);
        Assert.True(visits[0].IsReturning);
        Assert.Equal(2, (await h.Customers.GetAsync(org, ada.Id))!.VisitCount);
    }

    [Fact]
    public async Task An_identification_during_an_anonymous_track_is_that_tracks_visit_in_the_cameras_store()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        var ada = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada" });
        var v = h.Visits;

        // The camera's CustomerIdentifiedEvent names no person or store: it opens a store-less visit of Ada, which the
        // track's exit (naming Ada) merges into the track's earlier visit.
        var track = await v.HandleEnteredAsync(Entered(org, "person-20", "door", T));
        Assert.True(await v.RecordSightingAsync(org, ada.Id, T.AddSeconds(5)));
        var merged = await v.HandleExitedAsync(Exited(org, "person-20", "door", T.AddSeconds(60)) with { CustomerId = ada.Id });
        var row = Assert.Single(await h.Get<IVisitStore>().ListForCustomerAsync(org, ada.Id));
        Assert.Equal((track.Id, "s1", T, T.AddSeconds(60)), (row.Id, row.StoreId, row.EntryAt, row.ExitAt));
        Assert.Equal(row, merged);
        Assert.Equal(1, (await h.Customers.GetAsync(org, ada.Id))!.VisitCount);
    }

    [Fact]
    public async Task A_restart_finds_the_customers_recent_visit_in_the_store()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        var ada = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada" });
        Assert.True(await h.Visits.RecordSightingAsync(org, ada.Id, T));
        var row = Assert.Single(await h.Get<IVisitStore>().ListForCustomerAsync(org, ada.Id));
        Assert.Equal((VisitAnalytics.DefaultStoreId, T, (DateTimeOffset?)T), (row.StoreId, row.EntryAt, row.ExitAt));
        Assert.StartsWith("sighting-", row.PersonId, StringComparison.Ordinal); // never the customer's id (erasure clears that)

        // A second VisitAnalytics over the same store (a restarted host): the sighting 5 minutes on is the same visit.
        var restarted = new VisitAnalytics(h.Get<IVisitStore>(), h.Customers, h.Stream, h.Get<Microsoft.Extensions.Options.IOptions<RetailOptions>>());
        Assert.False(await restarted.RecordSightingAsync(org, ada.Id, T.AddMinutes(5)));
        Assert.True(await restarted.RecordSightingAsync(org, ada.Id, T.AddMinutes(16)));
        Assert.Equal(2, (await h.Customers.GetAsync(org, ada.Id))!.VisitCount);
    }

    [Fact]
    public async Task Zone_stays_give_dwell_per_zone_and_visits_give_occupancy()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        var v = h.Visits;
        await v.HandleEnteredAsync(Entered(org, "person-1", "door", T));
        await v.HandleZoneEnteredAsync(new ZoneEnteredEvent { OrganizationId = org, Timestamp = T, Zone = "entrance", PersonId = "person-1" });
        await v.HandleZoneExitedAsync(new ZoneExitedEvent { OrganizationId = org, Timestamp = T.AddSeconds(20), Zone = "entrance", PersonId = "person-1" });
        await v.HandleZoneEnteredAsync(new ZoneEnteredEvent { OrganizationId = org, Timestamp = T.AddSeconds(30), Zone = "checkout", PersonId = "person-1" });
        await v.HandleZoneExitedAsync(new ZoneExitedEvent { OrganizationId = org, Timestamp = T.AddSeconds(130), Zone = "checkout", PersonId = "person-1" });
        await v.HandleZoneEnteredAsync(new ZoneEnteredEvent { OrganizationId = org, Timestamp = T.AddSeconds(140), Zone = "entrance", PersonId = "person-1" });
        await v.HandleZoneExitedAsync(new ZoneExitedEvent { OrganizationId = org, Timestamp = T.AddSeconds(150), Zone = "entrance", PersonId = "person-1" });
        await v.HandleExitedAsync(Exited(org, "person-1", "door", T.AddSeconds(150)));
        Assert.Null(await v.HandleZoneExitedAsync(new ZoneExitedEvent { OrganizationId = org, Timestamp = T, Zone = "aisle", PersonId = "person-2" }));

        var zones = await v.GetZoneDwellAsync(org, T.AddHours(-1), T.AddHours(1));
        Assert.Equal(
            [new ZoneDwell("checkout", 1, 1, 100, 100, 100), new ZoneDwell("entrance", 2, 1, 30, 15, 20)],
            zones);

        // Occupancy in 1-minute steps: person-1 from 0 to 150 s, person-2 from 60 to 90 s.
        await v.HandleEnteredAsync(Entered(org, "person-2", "door", T.AddSeconds(60)));
        await v.HandleExitedAsync(Exited(org, "person-2", "door", T.AddSeconds(90)));
        var occupancy = await v.GetOccupancyAsync(org, "s1", T, T.AddMinutes(4), TimeSpan.FromMinutes(1));
        Assert.Equal([1.0, 1.5, 0.5, 0.0], occupancy.Select(p => p.Average));
        Assert.Equal([1, 2, 1, 0], occupancy.Select(p => p.Peak));
    }

    [Fact]
    public async Task An_anonymous_track_counts_once_seen_for_the_minimum_presence_and_its_fragments_nearby_extend_it()
    {
        // Defaults: 0.5 s minimum presence, fragments linked within 2 s and 0.2 of the frame.
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        var v = h.Visits;
        var started = new List<VisitStartedEvent>();
        using var _ = h.Stream.Events.OfType<VisitStartedEvent>().Subscribe(started.Add);
        var (door, far) = (new Scarlet.Vision.PointF(0.5f, 0.8f), new Scarlet.Vision.PointF(0.1f, 0.2f));

        // A 0.2 s blip (a passer-by or a false detection) is no visit.
        await v.HandleEnteredAsync(Entered(org, "blip", "door", T) with { Position = far });
        await v.HandleExitedAsync(Exited(org, "blip", "door", T.AddSeconds(1.2)) with { Position = far, LastSeenAt = T.AddSeconds(0.2) });

        // One person in three tracks: lost at 11 s, a new track 1 s later nearby (forward link); the third track begins
        // at 21 s, before the tracker gives the second up at 21.5 s (backward link). Another person far off is a visit of her own.
        await v.HandleEnteredAsync(Entered(org, "a1", "door", T.AddSeconds(10)) with { Position = door });
        await v.HandleExitedAsync(Exited(org, "a1", "door", T.AddSeconds(12)) with { Position = door, LastSeenAt = T.AddSeconds(11) });
        await v.HandleEnteredAsync(Entered(org, "a2", "door", T.AddSeconds(12)) with { Position = door });
        await v.HandleEnteredAsync(Entered(org, "a3", "door", T.AddSeconds(21)) with { Position = door });
        await v.HandleEnteredAsync(Entered(org, "b", "door", T.AddSeconds(21)) with { Position = far });
        await v.HandleExitedAsync(Exited(org, "a2", "door", T.AddSeconds(21.5)) with { Position = door, LastSeenAt = T.AddSeconds(20.5) });
        await v.HandleExitedAsync(Exited(org, "a3", "door", T.AddSeconds(40)) with { Position = door, LastSeenAt = T.AddSeconds(39) });
        await v.HandleExitedAsync(Exited(org, "b", "door", T.AddSeconds(40)) with { Position = far, LastSeenAt = T.AddSeconds(30) });

        var rows = (await h.Get<IVisitStore>().ListOverlappingAsync(org, null, T.AddHours(-1), T.AddHours(1))).OrderBy(r => r.EntryAt).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal((T.AddSeconds(10), (DateTimeOffset?)T.AddSeconds(39)), (rows[0].EntryAt, rows[0].ExitAt)); // backdated to the first sighting
        Assert.Equal((T.AddSeconds(21), (DateTimeOffset?)T.AddSeconds(30)), (rows[1].EntryAt, rows[1].ExitAt));
        Assert.Equal([T.AddSeconds(10), T.AddSeconds(21)], started.Select(e => e.Timestamp).Order());
    }

    private static PersonEnteredStoreEvent Entered(string org, string person, string camera, DateTimeOffset at) =>
        new() { OrganizationId = org, Timestamp = at, StoreId = "s1", PersonId = person, CameraId = camera };

    private static PersonExitedStoreEvent Exited(string org, string person, string camera, DateTimeOffset at) =>
        new() { OrganizationId = org, Timestamp = at, StoreId = "s1", PersonId = person, CameraId = camera };
}
