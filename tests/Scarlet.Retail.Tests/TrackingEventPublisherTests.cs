using Scarlet.Retail.Events;
using Scarlet.Retail.Tests.Support;
using Scarlet.Tracking.Pipeline;

namespace Scarlet.Retail.Tests;

/// <summary>Camera pipeline tracking events as retail events (store and zone enter/exit).</summary>
public sealed class TrackingEventPublisherTests
{
    private static readonly DateTimeOffset T = RetailHarness.Start;
    private static readonly CameraPlacement Door = new("org-a", "store-1", "entrance");

    private static TrackingEvent Event(TrackingEventKind kind, int global, string? customer = null, string? zone = null) =>
        new(kind, "cam-1", T, 7, 3, global, customer, Zone: zone);

    [Fact]
    public async Task Entering_and_leaving_the_view_enter_and_exit_the_store_and_the_camera_zone()
    {
        await using var h = new RetailHarness();
        var seen = new List<ScarletEvent>();
        using var sub = h.Stream.Subscribe(seen.Add);
        var publisher = h.Get<TrackingEventPublisher>();

        Assert.Equal(2, publisher.Publish(Event(TrackingEventKind.PersonEntered, 12), Door));
        Assert.Equal(2, publisher.Publish(Event(TrackingEventKind.PersonExited, 12, customer: "from-pipeline"), Door, customerId: "cust-9"));

        Assert.Collection(
            seen,
            e => Assert.Equal(("store-1", "person-12", (string?)null), (((PersonEnteredStoreEvent)e).StoreId, ((PersonEnteredStoreEvent)e).PersonId, ((PersonEnteredStoreEvent)e).CustomerId)),
            e => Assert.Equal(("entrance", "person-12"), (((ZoneEnteredEvent)e).Zone, ((ZoneEnteredEvent)e).PersonId)),
            e => Assert.Equal(("entrance", "person-12"), (((ZoneExitedEvent)e).Zone, ((ZoneExitedEvent)e).PersonId)),
            e => Assert.Equal(("store-1", "person-12", (string?)"cust-9"), (((PersonExitedStoreEvent)e).StoreId, ((PersonExitedStoreEvent)e).PersonId, ((PersonExitedStoreEvent)e).CustomerId)));
        Assert.All(seen, e => Assert.Equal(("org-a", T), (e.OrganizationId, e.Timestamp)));
    }

    [Fact]
    public async Task Store_and_zone_events_carry_the_camera_and_the_tracks_position_and_last_sighting()
    {
        await using var h = new RetailHarness();
        var seen = new List<ScarletEvent>();
        using var sub = h.Stream.Subscribe(seen.Add);
        var publisher = h.Get<TrackingEventPublisher>();
        var (start, end) = (new Scarlet.Vision.PointF(0.25f, 0.9f), new Scarlet.Vision.PointF(0.5f, 0.8f));

        publisher.Publish(Event(TrackingEventKind.PersonEntered, 4) with { Position = start }, Door);
        publisher.Publish(Event(TrackingEventKind.PersonExited, 4) with { Position = end, LastSeen = T.AddSeconds(-2) }, Door);

        Assert.Equal(start, Assert.IsType<PersonEnteredStoreEvent>(seen[0]).Position);
        var exited = Assert.IsType<PersonExitedStoreEvent>(seen[3]);
        Assert.Equal((end, (DateTimeOffset?)T.AddSeconds(-2), "cam-1"), (exited.Position, exited.LastSeenAt, exited.CameraId));
        Assert.Equal(("cam-1", "cam-1"), (Assert.IsType<ZoneEnteredEvent>(seen[1]).CameraId, Assert.IsType<ZoneExitedEvent>(seen[2]).CameraId));
    }

    [Fact]
    public async Task Polygon_zones_map_to_their_own_zone_and_other_kinds_publish_nothing()
    {
        await using var h = new RetailHarness();
        var seen = new List<ScarletEvent>();
        using var sub = h.Stream.Subscribe(seen.Add);
        var publisher = h.Get<TrackingEventPublisher>();

        Assert.Equal(1, publisher.Publish(Event(TrackingEventKind.ZoneEntered, 5, customer: "cust-1", zone: "tills"), Door));
        Assert.Equal(1, publisher.Publish(Event(TrackingEventKind.ZoneExited, 5, zone: "tills"), Door));
        Assert.Equal(0, publisher.Publish(Event(TrackingEventKind.LineCrossed, 5), Door));
        Assert.Equal(0, publisher.Publish(Event(TrackingEventKind.IdentityResolved, 5, customer: "cust-1"), Door));

        var entered = Assert.IsType<ZoneEnteredEvent>(seen[0]);
        Assert.Equal(("tills", "person-5", (string?)"cust-1"), (entered.Zone, entered.PersonId, entered.CustomerId));
        Assert.Equal("tills", Assert.IsType<ZoneExitedEvent>(seen[1]).Zone);
        Assert.Equal(2, seen.Count);
        Assert.Throws<ArgumentException>(() => publisher.Publish(Event(TrackingEventKind.PersonEntered, 1), Door with { Zone = " " }));
    }
}
