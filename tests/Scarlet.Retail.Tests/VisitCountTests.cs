using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Tests.Support;

namespace Scarlet.Retail.Tests;

/// <summary>A customer's visit count changes once per visit (visit timeout 10 min, virtual time), whatever saw them.</summary>
public sealed class VisitCountTests
{
    private static readonly DateTimeOffset T = RetailHarness.Start;

    [Fact]
    public async Task Sightings_within_the_timeout_are_one_visit_and_a_later_one_is_the_next()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        var ada = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada" });
        bool[] starts =
        [
            await h.Visits.RecordSightingAsync(org, ada.Id, T),
            await h.Visits.RecordSightingAsync(org, ada.Id, T.AddMinutes(5)),
            await h.Visits.RecordSightingAsync(org, ada.Id, T.AddMinutes(14)),   // 9 min after the last sighting
            await h.Visits.RecordSightingAsync(org, ada.Id, T.AddMinutes(3)),    // late, out of order: same visit
            await h.Visits.RecordSightingAsync(org, ada.Id, T.AddMinutes(25)),   // 11 min unseen: a new visit
        ];
        Assert.Equal([true, false, false, false, true], starts);
        Assert.Equal(2, (await h.Customers.GetAsync(org, ada.Id))!.VisitCount);
    }

    [Fact]
    public async Task Many_tracks_and_process_frame_identifications_of_one_customer_within_the_timeout_count_one_visit()
    {
        await using var h = new RetailHarness(startPipeline: true);
        var org = await h.OrgAsync();
        var ada = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada" });

        // A looping camera re-tracks her every 20 s for 8 minutes, on two cameras; a till identifies her in between
        // (the CustomerIdentifiedEvent that /process-frame and /recognize publish).
        for (var i = 0; i < 48; i++)
        {
            var at = T.AddSeconds(10 * i);
            var person = "p-" + i;
            h.Stream.Publish(new PersonEnteredStoreEvent { OrganizationId = org, Timestamp = at, StoreId = "s1", PersonId = person, CustomerId = ada.Id });
            h.Stream.Publish(new CustomerIdentifiedEvent { OrganizationId = org, Timestamp = at.AddSeconds(2), CustomerId = ada.Id, CameraId = i % 2 == 0 ? "till" : "door" });
            h.Stream.Publish(new PersonExitedStoreEvent { OrganizationId = org, Timestamp = at.AddSeconds(8), StoreId = "s1", PersonId = person, CustomerId = ada.Id });
        }

        // One visit row, its last sighting the last exit (written once every event is handled).
        var store = h.Get<IVisitStore>();
        Assert.True(SpinWait.SpinUntil(() => store.ListForCustomerAsync(org, ada.Id).Result is [{ ExitAt: { } exit }] && exit == T.AddSeconds(478), 10_000));
        Assert.Equal(1, (await h.Customers.GetAsync(org, ada.Id))!.VisitCount);

        // Identified by /process-frame alone 15 minutes after she was last seen: a second visit.
        var counted = h.NextAsync<CustomerIdentifiedEvent>(e => e.CameraId == "edge");
        h.Stream.Publish(new CustomerIdentifiedEvent { OrganizationId = org, Timestamp = T.AddMinutes(23), CustomerId = ada.Id, CameraId = "edge" });
        await counted;
        Assert.True(SpinWait.SpinUntil(() => h.Customers.GetAsync(org, ada.Id).Result!.VisitCount == 2, 5000));
    }
}
