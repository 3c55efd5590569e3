using System.Text.Json;
using Scarlet.Retail;
using Scarlet.Vision;

namespace Scarlet.WebHost.Live;

/// <summary>A tracked object as the seed's <c>GET /cameras/{id}/tracking</c> shows it.</summary>
internal sealed record TrackedObject(string ObjectId, string CameraId, float[] Bbox, float Confidence, string ObjectType, DateTimeOffset LastSeen, string? UserId, float IdentificationConfidence, string? Name, LoyaltyStatus? LoyaltyStatus, float[] MapCoords)
{
    /// <summary>Gets the camera's own track id (<see cref="ObjectId"/> is the cross-camera person).</summary>
    public int TrackId { get; init; }
}

/// <summary>How a library <see cref="StoreCamera"/> reads on the wire: its status words, boxes, floor points and tracked objects.</summary>
internal static class CameraWire
{
    /// <summary>The status word of the API (<c>running</c>, <c>paused</c>, <c>reconnecting</c>, ...).</summary>
    public static string Status(StoreCamera camera) => camera.State.ToString().ToLowerInvariant();

    /// <summary>The last fault: its text, its kind in snake case, its time.</summary>
    public static (string Text, string Kind, DateTimeOffset? At)? LastError(StoreCamera camera) =>
        camera.LastError is { } e ? (e.Text, JsonNamingPolicy.SnakeCaseLower.ConvertName(e.Kind.ToString()), e.At) : null;

    /// <summary>The store (location) the camera is in, empty when none was given.</summary>
    public static string Location(StoreCamera camera) => camera.Definition.StoreId ?? string.Empty;

    public static float[] Xyxy(BoundingBox box) => [box.X, box.Y, box.Right, box.Bottom];

    /// <summary>The foot point in normalised image coordinates: the floor position when no floor map is calibrated.</summary>
    public static float[] MapPoint(BoundingBox box, int width, int height) =>
        [MathF.Round(box.CenterX / Math.Max(1, width), 4), MathF.Round(box.Bottom / Math.Max(1, height), 4)];

    /// <summary>The persons of the camera's latest frame as the seed's tracked objects.</summary>
    public static IReadOnlyList<TrackedObject> TrackedObjects(StoreCamera camera)
    {
        if (camera.Latest is not { } f)
        {
            return [];
        }

        var objects = new List<TrackedObject>(f.Persons.Count);
        foreach (var p in f.Persons)
        {
            var t = p.Track;
            var customer = p.Identity?.Customer;
            objects.Add(new TrackedObject(p.PersonId, camera.Id, Xyxy(t.Box), t.Score, "person", f.Update.Timestamp, p.CustomerId, p.Identity?.Similarity ?? 0, customer?.Name, customer?.LoyaltyStatus, MapPoint(t.Box, f.Update.FrameWidth, f.Update.FrameHeight)) { TrackId = t.TrackId });
        }

        return objects;
    }
}
