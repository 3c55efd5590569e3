using System.Text.Json;
using Scarlet.Retail;
using Scarlet.Retail.Events;
using Scarlet.Tracking.Identity;
using Scarlet.WebHost.Live;

namespace Scarlet.WebHost.Tests;

/// <summary>The live sockets' typed messages (one source-generated context), checked on the bytes a client receives.</summary>
public sealed class LiveWireTests
{
    [Fact]
    public void A_tracking_update_keeps_the_cameras_track_id_apart_from_the_cross_camera_person()
    {
        var track = new LiveTrack(7, 42, IdentityTracker.PersonIdOf(42), [1, 2, 30, 80], 0.9f, "c-1", "Ann", LoyaltyStatus.Gold, [0.5f, 0.9f], TrackIdentityStatus.Known, 0.71f);
        var payload = new TrackingUpdatePayload(12, DateTimeOffset.UnixEpoch, new Dictionary<string, CameraTracks> { ["Cam-A"] = new([track]) }, new Dictionary<string, int> { ["Cam-A"] = 1 }, 1920, 1080);
        using var doc = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(new TrackingUpdateMessage(payload), LiveJson.Default.TrackingUpdateMessage));
        var root = doc.RootElement;
        Assert.Equal("tracking_update", root.GetProperty("type").GetString());
        var p = root.GetProperty("payload");
        Assert.Equal(12, p.GetProperty("global_frame_index").GetInt64());
        Assert.Equal(1, p.GetProperty("person_count_per_camera").GetProperty("Cam-A").GetInt32()); // camera ids as they are
        var t = p.GetProperty("cameras").GetProperty("Cam-A").GetProperty("tracks")[0];
        Assert.Equal(7, t.GetProperty("track_id").GetInt32());
        Assert.Equal(42, t.GetProperty("global_id").GetInt32());
        Assert.Equal("person-42", t.GetProperty("person_id").GetString());
        Assert.Equal(4, t.GetProperty("bbox_xyxy").GetArrayLength());
        Assert.Equal("gold", t.GetProperty("loyalty_status").GetString());
        Assert.Equal("known", t.GetProperty("identity_status").GetString());
        Assert.Equal("c-1", t.GetProperty("customer_id").GetString());
        Assert.Equal(2, t.GetProperty("map_coords").GetArrayLength());
    }

    [Fact]
    public void A_dashboard_event_is_the_envelope_around_the_librarys_own_serialisation_of_the_event()
    {
        var evt = new CustomerIdentifiedEvent { OrganizationId = "o", Timestamp = DateTimeOffset.UnixEpoch.AddDays(1), CustomerId = "c-1", CameraId = "door", Confidence = 0.8f, StoreZone = "entrance" };
        using var doc = JsonDocument.Parse(LiveJson.DashboardEvent("customer_identified", evt));
        var root = doc.RootElement;
        Assert.Equal(["type", "topic", "data", "timestamp"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("customer_identified", root.GetProperty("type").GetString());
        Assert.Equal(evt.Topic, root.GetProperty("topic").GetString());
        Assert.Equal(evt.Timestamp, root.GetProperty("timestamp").GetDateTimeOffset());
        Assert.Equal(JsonSerializer.Serialize(evt, evt.GetType(), ScarletJson.Options), root.GetProperty("data").GetRawText());
    }
}
