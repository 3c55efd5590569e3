using System.Text.Json;

namespace Scarlet.Retail.Events;

/// <summary>The JSON shape of everything Scarlet.Retail emits: snake_case names (<c>customer_id</c>, <c>store_zone</c>, ...).</summary>
public static class ScarletJson
{
    /// <summary>Gets the shared serializer options (read-only).</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>Serialises an event with its <c>type</c> discriminator.</summary>
    /// <param name="evt">The event.</param>
    /// <returns>UTF-8 JSON.</returns>
    public static byte[] Serialize(ScarletEvent evt) => JsonSerializer.SerializeToUtf8Bytes(evt, Options);

    private static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
        };
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }
}
