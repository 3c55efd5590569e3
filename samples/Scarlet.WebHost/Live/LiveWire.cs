using System.Text.Json;
using System.Text.Json.Serialization;
using Scarlet.Retail;
using Scarlet.Retail.Events;
using Scarlet.Tracking.Identity;

namespace Scarlet.WebHost.Live;

/// <summary>One tracked person of one camera on <c>/ws/tracking</c>.</summary>
/// <param name="TrackId">The camera's own track id (unique per camera, not across cameras).</param>
/// <param name="GlobalId">The cross-camera person id (the same person on two cameras has one).</param>
/// <param name="PersonId">The person id of <c>/persons/{person_id}</c> (<c>person-{global_id}</c>).</param>
/// <param name="BboxXyxy">The box in frame pixels: x1, y1, x2, y2.</param>
/// <param name="Confidence">The person detector's score.</param>
/// <param name="CustomerId">The customer the track's face vote decided, else the cross-camera person's.</param>
/// <param name="Name">The customer's name.</param>
/// <param name="LoyaltyStatus">The customer's tier.</param>
/// <param name="MapCoords">The foot point normalised to the frame (x, y in 0..1).</param>
/// <param name="IdentityStatus">The track's face vote: undecided, known or unknown.</param>
/// <param name="IdentificationConfidence">The similarity of the identification (0 when none).</param>
internal sealed record LiveTrack(int TrackId, int GlobalId, string PersonId, float[] BboxXyxy, float Confidence, string? CustomerId, string? Name, LoyaltyStatus? LoyaltyStatus, float[] MapCoords, TrackIdentityStatus IdentityStatus, float IdentificationConfidence);

/// <summary>The tracks of one camera in a <see cref="TrackingUpdatePayload"/>.</summary>
internal sealed record CameraTracks(IReadOnlyList<LiveTrack> Tracks);

/// <summary>The payload of a <c>tracking_update</c>.</summary>
internal sealed record TrackingUpdatePayload(long GlobalFrameIndex, DateTimeOffset Timestamp, IReadOnlyDictionary<string, CameraTracks> Cameras, IReadOnlyDictionary<string, int> PersonCountPerCamera, int FrameWidth, int FrameHeight);

/// <summary><c>/ws/tracking</c>: <c>{type: "tracking_update", payload}</c>, one per processed frame of a camera.</summary>
internal sealed record TrackingUpdateMessage(TrackingUpdatePayload Payload)
{
    [JsonPropertyOrder(-1)]
    public string Type => "tracking_update";
}

/// <summary><c>/ws/dashboard</c>: <c>{type: "stats", data, timestamp}</c> on connect and every few seconds.</summary>
internal sealed record DashboardStatsMessage(Api.DashboardStats Data, DateTimeOffset Timestamp)
{
    [JsonPropertyOrder(-1)]
    public string Type => "stats";
}

/// <summary>
/// The live wire's JSON, source-generated once: snake_case names as the rest of the API, enums by their
/// <see cref="JsonStringEnumMemberNameAttribute"/> names.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.Strict, UseStringEnumConverter = true)]
[JsonSerializable(typeof(TrackingUpdateMessage))]
[JsonSerializable(typeof(DashboardStatsMessage))]
internal sealed partial class LiveJson : JsonSerializerContext
{
    /// <summary>
    /// A dashboard event in one pass: the envelope <c>{type, topic, data, timestamp}</c> written around the event, which the
    /// library's <see cref="ScarletJson"/> serialises as its runtime type (no intermediate document).
    /// </summary>
    public static byte[] DashboardEvent(string type, ScarletEvent evt)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type"u8, type);
            w.WriteString("topic"u8, evt.Topic);
            w.WritePropertyName("data"u8);
            JsonSerializer.Serialize(w, evt, evt.GetType(), ScarletJson.Options);
            w.WriteString("timestamp"u8, evt.Timestamp);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
