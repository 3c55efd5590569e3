using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Scarlet.Retail.Sinks;

/// <summary>
/// Webhook signing: <c>X-Scarlet-Signature: sha256=HEX(HMAC-SHA256(secret, "{timestamp}.{body}"))</c> with the
/// timestamp (unix seconds) in <c>X-Scarlet-Timestamp</c>, so the timestamp is covered by the signature and a receiver
/// can reject old (replayed) requests.
/// </summary>
public static class WebhookSignature
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-Scarlet-Signature";

    /// <summary>The timestamp header (unix seconds).</summary>
    public const string TimestampHeader = "X-Scarlet-Timestamp";

    /// <summary>The event id header (unique per event, the same across retries).</summary>
    public const string EventIdHeader = "X-Scarlet-Event-Id";

    /// <summary>The topic header.</summary>
    public const string TopicHeader = "X-Scarlet-Topic";

    /// <summary>Computes the signature header value.</summary>
    /// <param name="secret">Shared secret.</param>
    /// <param name="unixSeconds">Timestamp.</param>
    /// <param name="body">Body bytes.</param>
    /// <returns><c>sha256=</c> + lower-case hex.</returns>
    public static string Sign(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var prefix = Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message);
        return "sha256=" + Convert.ToHexStringLower(mac);
    }
}

/// <summary>Outcome of verifying a webhook request.</summary>
public enum WebhookVerificationResult
{
    /// <summary>Signed with the secret, fresh, not seen before.</summary>
    Valid = 0,

    /// <summary>A header is missing or malformed.</summary>
    MissingHeaders = 1,

    /// <summary>The signature does not match.</summary>
    BadSignature = 2,

    /// <summary>The timestamp is outside the tolerance (a replay of an old request, or a bad clock).</summary>
    Expired = 3,

    /// <summary>The event id was already accepted within the tolerance window (a replay).</summary>
    Replayed = 4,
}

/// <summary>Receiver side of <see cref="WebhookSignature"/>: checks signature, freshness and replays. Thread-safe.</summary>
/// <param name="secret">Shared secret.</param>
/// <param name="tolerance">Largest accepted clock difference, e.g. five minutes.</param>
/// <param name="time">Clock.</param>
public sealed class WebhookVerifier(string secret, TimeSpan tolerance, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

    /// <summary>Verifies one request.</summary>
    /// <param name="signature">The signature header.</param>
    /// <param name="timestamp">The timestamp header.</param>
    /// <param name="eventId">The event id header.</param>
    /// <param name="body">The raw body.</param>
    /// <returns>The result; only <see cref="WebhookVerificationResult.Valid"/> should be processed.</returns>
    public WebhookVerificationResult Verify(string? signature, string? timestamp, string? eventId, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(eventId) || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var unix))
        {
            return WebhookVerificationResult.MissingHeaders;
        }

        var expected = Encoding.ASCII.GetBytes(WebhookSignature.Sign(secret, unix, body));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature)))
        {
            return WebhookVerificationResult.BadSignature;
        }

        var now = time.GetUtcNow();
        if ((now - DateTimeOffset.FromUnixTimeSeconds(unix)).Duration() > tolerance)
        {
            return WebhookVerificationResult.Expired;
        }

        foreach (var (id, at) in _seen)
        {
            if (now - at > tolerance * 2)
            {
                _seen.TryRemove(id, out _);
            }
        }

        return _seen.TryAdd(eventId, now) ? WebhookVerificationResult.Valid : WebhookVerificationResult.Replayed;
    }
}
