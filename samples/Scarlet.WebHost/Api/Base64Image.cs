using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Scarlet.WebHost.Api;

/// <summary>
/// A base64 image or data URL from a JSON body, kept as the UTF-8 text the request carried, in a pooled buffer, and
/// decoded by <see cref="Scarlet.Vision.ImageDecoder.DecodeBase64Utf8Async"/>. A string field would hold a 1 MB photo as
/// a 2.8 MB UTF-16 string for as long as its request waits for the image budget: 40 queued requests made over 100 MB of
/// garbage a wave, which the collector promoted and kept, and the bomb waves' peak memory rose by 40 MB a wave (issue 21).
/// </summary>
[JsonConverter(typeof(Base64ImageJsonConverter))]
internal sealed class Base64Image : IDisposable
{
    // Few and bounded: a burst of large requests allocates beyond these rather than leaving them all pooled.
    private static readonly ArrayPool<byte> s_pool = ArrayPool<byte>.Create(maxArrayLength: 4 * 1024 * 1024, maxArraysPerBucket: 4);
    private byte[]? _buffer;
    private readonly int _length;

    private Base64Image(byte[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
    }

    /// <summary>Gets the text as UTF-8; valid until disposed.</summary>
    public ReadOnlyMemory<byte> Utf8 => (_buffer ?? throw new ObjectDisposedException(nameof(Base64Image))).AsMemory(0, _length);

    /// <summary>Gets whether the text is empty or only whitespace.</summary>
    public bool IsBlank => Utf8.Span.Trim(" \t\r\n"u8).IsEmpty;

    /// <summary>Reads a JSON string value (unescaped) into a pooled buffer.</summary>
    public static Base64Image Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("An image must be a base64 string.");
        }

        // Unescaping only shortens the value.
        var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        var buffer = s_pool.Rent(Math.Max(1, length));
        try
        {
            return new Base64Image(buffer, reader.CopyString(buffer));
        }
        catch
        {
            s_pool.Return(buffer);
            throw;
        }
    }

    /// <summary>Describes the field in the OpenAPI document as the string it is on the wire.</summary>
    public static Task DescribeAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Type == typeof(Base64Image))
        {
            schema.Type = JsonSchemaType.String;
            schema.Description = "A JPEG, PNG, BMP or WebP image as base64 or a data URL (data:image/jpeg;base64,...).";
        }

        return Task.CompletedTask;
    }

    /// <summary>Returns the buffer to the pool; a request that never gets here leaves it to the collector.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            s_pool.Return(buffer);
        }
    }
}

/// <summary>Reads and writes <see cref="Base64Image"/> as a JSON string.</summary>
internal sealed class Base64ImageJsonConverter : JsonConverter<Base64Image>
{
    public override Base64Image Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Base64Image.Read(ref reader);

    public override void Write(Utf8JsonWriter writer, Base64Image value, JsonSerializerOptions options) => writer.WriteStringValue(value.Utf8.Span);
}
