using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Scarlet.Vision;

namespace Scarlet.Tracking.Geometry;

/// <summary>What a zone of a store camera is for; alert rules and analytics read it. JSON: snake_case names.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ZoneKind>))]
public enum ZoneKind
{
    /// <summary>A doorway: people come and go.</summary>
    [JsonStringEnumMemberName("entrance")]
    Entrance = 0,

    /// <summary>A till area.</summary>
    [JsonStringEnumMemberName("checkout")]
    Checkout = 1,

    /// <summary>A shelf aisle.</summary>
    [JsonStringEnumMemberName("aisle")]
    Aisle = 2,

    /// <summary>No entry for customers.</summary>
    [JsonStringEnumMemberName("restricted")]
    Restricted = 3,

    /// <summary>For staff only: an unidentified person there is worth an alert.</summary>
    [JsonStringEnumMemberName("staff")]
    Staff = 4,
}

/// <summary>
/// A named zone of one camera in coordinates normalised to the frame (0..1 from the left and top edges), so it does not
/// depend on the stream's resolution. <see cref="ToZone"/> gives the pixel polygon for a frame size.
/// </summary>
public sealed class CameraZone
{
    /// <summary>The most zones one camera may have.</summary>
    public const int MaxZonesPerCamera = 64;

    /// <summary>The most vertices one zone may have.</summary>
    public const int MaxVertices = 64;

    private readonly Zone _normalised;

    /// <summary>Creates a zone.</summary>
    /// <param name="name">1 to 64 characters.</param>
    /// <param name="kind">The kind.</param>
    /// <param name="points">3 to <see cref="MaxVertices"/> vertices, each coordinate in [0, 1].</param>
    /// <exception cref="ArgumentException">A bad name, too few or too many points, a coordinate outside [0, 1] or zero area (the message says which).</exception>
    public CameraZone(string name, ZoneKind kind, IReadOnlyList<PointF> points)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 64)
        {
            throw new ArgumentException("a zone name must be 1-64 characters", nameof(name));
        }

        ArgumentNullException.ThrowIfNull(points);
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentException($"zone '{name}': unknown kind", nameof(kind));
        }

        if (points.Count < 3 || points.Count > MaxVertices)
        {
            throw new ArgumentException($"zone '{name}': 3 to {MaxVertices} points are needed", nameof(points));
        }

        foreach (var p in points)
        {
            // NaN fails both comparisons, so it is rejected too.
            if (!(p.X >= 0 && p.X <= 1 && p.Y >= 0 && p.Y <= 1))
            {
                throw new ArgumentException($"zone '{name}': coordinates are normalised to the frame and must lie in [0, 1]", nameof(points));
            }
        }

        try
        {
            _normalised = new Zone(name, points);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"zone '{name}': the polygon has zero area", nameof(points));
        }

        Name = name;
        Kind = kind;
    }

    /// <summary>Gets the name.</summary>
    public string Name { get; }

    /// <summary>Gets the kind.</summary>
    public ZoneKind Kind { get; }

    /// <summary>Gets the vertices, normalised to the frame.</summary>
    public IReadOnlyList<PointF> Points => _normalised.Vertices;

    /// <summary>Gets the area as a share of the frame (0..1).</summary>
    public double Area => _normalised.Area;

    /// <summary>Whether a normalised point lies inside.</summary>
    /// <param name="normalised">The point, normalised to the frame.</param>
    /// <returns>True when inside.</returns>
    public bool Contains(PointF normalised) => _normalised.Contains(normalised);

    /// <summary>The zone in pixels of a frame.</summary>
    /// <param name="width">Frame width in pixels.</param>
    /// <param name="height">Frame height in pixels.</param>
    /// <returns>The pixel zone, same name.</returns>
    public Zone ToZone(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var pts = new PointF[_normalised.Vertices.Count];
        for (var i = 0; i < pts.Length; i++)
        {
            var v = _normalised.Vertices[i];
            pts[i] = new PointF(v.X * width, v.Y * height);
        }

        return new Zone(Name, pts);
    }

    /// <summary>
    /// Reads the zones of one camera from JSON, the shape of <c>PUT /api/cameras/{id}/zones</c> and of
    /// <c>scarlet run --zones</c>: <c>{"zones": [{"name": "door", "kind": "entrance", "points": [[0.1, 0.2], ...]}]}</c>.
    /// </summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The zones, in order.</returns>
    /// <exception cref="ArgumentException">Malformed JSON or an invalid zone; the message says what, in plain words.</exception>
    public static IReadOnlyList<CameraZone> ParseJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
            return Parse(doc.RootElement);
        }
        catch (JsonException)
        {
            throw new ArgumentException("zones: the body is not valid JSON");
        }
    }

    /// <summary>Reads zones from a parsed element (see <see cref="ParseJson"/>).</summary>
    /// <param name="root">An object with a <c>zones</c> array.</param>
    /// <returns>The zones, in order.</returns>
    /// <exception cref="ArgumentException">An invalid shape or zone.</exception>
    public static IReadOnlyList<CameraZone> Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("zones", out var zones) || zones.ValueKind != JsonValueKind.Array)
        {
            throw new ArgumentException("zones: an object with a 'zones' array is required");
        }

        if (zones.GetArrayLength() > MaxZonesPerCamera)
        {
            throw new ArgumentException($"zones: at most {MaxZonesPerCamera} zones per camera");
        }

        var list = new List<CameraZone>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var z in zones.EnumerateArray())
        {
            var at = "zones[" + index.ToString(CultureInfo.InvariantCulture) + "]";
            if (z.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"{at}: an object is required");
            }

            var name = z.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : throw new ArgumentException($"{at}.name is required");
            var kindText = z.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : throw new ArgumentException($"{at}.kind is required (entrance, checkout, aisle, restricted, staff)");
            var kind = ParseKind(kindText) ?? throw new ArgumentException($"{at}.kind must be entrance, checkout, aisle, restricted or staff");
            if (!z.TryGetProperty("points", out var p) || p.ValueKind != JsonValueKind.Array || p.GetArrayLength() > MaxVertices)
            {
                throw new ArgumentException($"{at}.points must be an array of 3 to {MaxVertices} [x, y] pairs");
            }

            var points = new List<PointF>();
            foreach (var pt in p.EnumerateArray())
            {
                if (pt.ValueKind != JsonValueKind.Array || pt.GetArrayLength() != 2 || pt[0].ValueKind != JsonValueKind.Number || pt[1].ValueKind != JsonValueKind.Number)
                {
                    throw new ArgumentException($"{at}.points must be [x, y] number pairs");
                }

                points.Add(new PointF((float)pt[0].GetDouble(), (float)pt[1].GetDouble()));
            }

            var zone = new CameraZone(name, kind, points);
            if (!names.Add(zone.Name))
            {
                throw new ArgumentException($"{at}: zone name '{zone.Name}' is used twice");
            }

            list.Add(zone);
            index++;
        }

        return list;
    }

    /// <summary>Writes zones in the shape <see cref="ParseJson"/> reads.</summary>
    /// <param name="zones">The zones.</param>
    /// <returns>The JSON text.</returns>
    public static string ToJson(IReadOnlyList<CameraZone> zones)
    {
        ArgumentNullException.ThrowIfNull(zones);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("zones");
            foreach (var z in zones)
            {
                w.WriteStartObject();
                w.WriteString("name", z.Name);
                w.WriteString("kind", KindText(z.Kind));
                w.WriteStartArray("points");
                foreach (var p in z.Points)
                {
                    w.WriteStartArray();
                    w.WriteNumberValue(p.X);
                    w.WriteNumberValue(p.Y);
                    w.WriteEndArray();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The JSON name of a kind.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns><c>entrance</c>, <c>checkout</c>, <c>aisle</c>, <c>restricted</c> or <c>staff</c>.</returns>
    public static string KindText(ZoneKind kind) => kind switch
    {
        ZoneKind.Entrance => "entrance",
        ZoneKind.Checkout => "checkout",
        ZoneKind.Aisle => "aisle",
        ZoneKind.Restricted => "restricted",
        ZoneKind.Staff => "staff",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static ZoneKind? ParseKind(string text) => text switch
    {
        "entrance" => ZoneKind.Entrance,
        "checkout" => ZoneKind.Checkout,
        "aisle" => ZoneKind.Aisle,
        "restricted" => ZoneKind.Restricted,
        "staff" => ZoneKind.Staff,
        _ => null,
    };
}
