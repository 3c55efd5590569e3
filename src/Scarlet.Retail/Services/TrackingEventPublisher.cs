using Scarlet.Retail.Events;
using Scarlet.Tracking.Pipeline;

namespace Scarlet.Retail;

/// <summary>Where a camera is in the shop: the retail context of its tracking events.</summary>
/// <param name="OrganizationId">The organisation.</param>
/// <param name="StoreId">The store the camera is in.</param>
/// <param name="Zone">The store zone the camera watches (a person in view is in this zone).</param>
public sealed record CameraPlacement(string OrganizationId, string StoreId, string Zone);

/// <summary>
/// Turns a camera pipeline's <see cref="TrackingEvent"/>s into retail events on the <see cref="ScarletEventStream"/>:
/// a person coming into view enters the store and the camera's zone, leaving the view exits both (visits, occupancy,
/// dwell alerts), and polygon zones of the camera map to their own zone events.
/// </summary>
/// <remarks>Thread-safe (publishing is). Person ids are <see cref="PersonIdOf"/> of the cross-camera global id.</remarks>
public sealed class TrackingEventPublisher
{
    private readonly ScarletEventStream _stream;

    /// <summary>Initializes a new instance of the <see cref="TrackingEventPublisher"/> class.</summary>
    /// <param name="stream">The event stream.</param>
    public TrackingEventPublisher(ScarletEventStream stream)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
    }

    /// <summary>The retail person id of a global person id (<c>person-{id}</c>).</summary>
    /// <param name="globalId">The cross-camera global id.</param>
    /// <returns>The person id.</returns>
    public static string PersonIdOf(int globalId) => Scarlet.Tracking.Identity.IdentityTracker.PersonIdOf(globalId);

    /// <summary>Publishes the retail events of one tracking event.</summary>
    /// <param name="trackingEvent">The tracking event.</param>
    /// <param name="placement">The camera's organisation, store and zone.</param>
    /// <param name="customerId">The customer the person was identified as, when known outside the pipeline (wins over the event's).</param>
    /// <returns>How many retail events were published (0 for kinds with no retail meaning, such as line crossings).</returns>
    /// <exception cref="ArgumentException">The placement has an empty organisation, store or zone.</exception>
    public int Publish(TrackingEvent trackingEvent, CameraPlacement placement, string? customerId = null)
    {
        ArgumentNullException.ThrowIfNull(trackingEvent);
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentException.ThrowIfNullOrWhiteSpace(placement.OrganizationId, nameof(placement));
        ArgumentException.ThrowIfNullOrWhiteSpace(placement.StoreId, nameof(placement));
        ArgumentException.ThrowIfNullOrWhiteSpace(placement.Zone, nameof(placement));
        var e = trackingEvent;
        var org = placement.OrganizationId;
        var person = PersonIdOf(e.GlobalId);
        var customer = customerId ?? e.CustomerId;
        switch (e.Kind)
        {
            case TrackingEventKind.PersonEntered:
                _stream.Publish(new PersonEnteredStoreEvent { OrganizationId = org, Timestamp = e.Timestamp, StoreId = placement.StoreId, PersonId = person, CustomerId = customer, CameraId = e.CameraId, Position = e.Position });
                _stream.Publish(new ZoneEnteredEvent { OrganizationId = org, Timestamp = e.Timestamp, Zone = placement.Zone, PersonId = person, CustomerId = customer, CameraId = e.CameraId });
                return 2;
            case TrackingEventKind.PersonExited:
                _stream.Publish(new ZoneExitedEvent { OrganizationId = org, Timestamp = e.Timestamp, Zone = placement.Zone, PersonId = person, CameraId = e.CameraId });
                _stream.Publish(new PersonExitedStoreEvent { OrganizationId = org, Timestamp = e.Timestamp, StoreId = placement.StoreId, PersonId = person, CustomerId = customer, CameraId = e.CameraId, Position = e.Position, LastSeenAt = e.LastSeen });
                return 2;
            case TrackingEventKind.ZoneEntered when e.Zone is not null:
                _stream.Publish(new ZoneEnteredEvent { OrganizationId = org, Timestamp = e.Timestamp, Zone = e.Zone, PersonId = person, CustomerId = customer, CameraId = e.CameraId });
                return 1;
            case TrackingEventKind.ZoneExited when e.Zone is not null:
                _stream.Publish(new ZoneExitedEvent { OrganizationId = org, Timestamp = e.Timestamp, Zone = e.Zone, PersonId = person, CameraId = e.CameraId });
                return 1;
            default:
                return 0;
        }
    }
}
