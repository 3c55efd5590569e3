using Scarlet.Vision;

namespace Scarlet.Retail;

/// <summary>A camera of a store: its id, its source and where it is (the store and the zone it watches).</summary>
/// <param name="Id">The camera id: 1-64 letters, digits, <c>-</c> or <c>_</c>; unique across organisations.</param>
/// <param name="Source">An rtsp:// or http(s):// URL, a video file or an image folder.</param>
public sealed record StoreCameraDefinition(string Id, string Source)
{
    /// <summary>The store when none is given.</summary>
    public const string DefaultStore = "store";

    /// <summary>The zone when none is given.</summary>
    public const string DefaultZone = "entrance";

    /// <summary>Gets the display name (the id when <see langword="null"/>).</summary>
    public string? Name { get; init; }

    /// <summary>Gets the store (location) the camera is in; <see cref="DefaultStore"/> in events when <see langword="null"/> or empty.</summary>
    public string? StoreId { get; init; }

    /// <summary>Gets the zone the camera watches (a person in view is in it); <see cref="DefaultZone"/> when <see langword="null"/>.</summary>
    public string? Zone { get; init; }

    /// <summary>Gets a value indicating whether a file source starts again at its end.</summary>
    public bool Loop { get; init; } = true;

    /// <summary>Gets where the camera is, for an organisation's events.</summary>
    /// <param name="organizationId">The organisation.</param>
    /// <returns>The placement.</returns>
    public CameraPlacement PlacementIn(string organizationId) =>
        new(organizationId, string.IsNullOrEmpty(StoreId) ? DefaultStore : StoreId, Zone ?? DefaultZone);

    /// <summary>Checks the id and the source (<see cref="FrameSourceFactory.Validate"/>) without opening it.</summary>
    /// <exception cref="ArgumentException">Bad id or source.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Id) || Id.Length > 64 || !Id.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_'))
        {
            throw new ArgumentException("id must be 1-64 letters, digits, '-' or '_'");
        }

        FrameSourceFactory.Validate(Source);
    }
}
