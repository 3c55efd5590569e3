using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scarlet.WebHost;

/// <summary>The API's JSON: snake_case names as in the seed, enums as strings.</summary>
internal static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DictionaryKeyPolicy = null;
        o.NumberHandling = JsonNumberHandling.Strict;
        o.MaxDepth = 32;
        if (!o.Converters.Any(c => c is JsonStringEnumConverter))
        {
            o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        }

        return o;
    }
}
