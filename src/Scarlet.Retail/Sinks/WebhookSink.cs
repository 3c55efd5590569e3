using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Vision;

namespace Scarlet.Retail.Sinks;

/// <summary>
/// POSTs events as JSON to a URL, signed (<see cref="WebhookSignature"/>), retrying failures with exponential backoff
/// (waits on the injected <see cref="TimeProvider"/>), and recording a <see cref="DeadLetter"/> after the last try.
/// A 4xx answer other than 408/429 is final: the receiver rejected the request and a retry would not change that.
/// </summary>
/// <remarks>
/// Retries and the per-try timeout are a Polly resilience pipeline around the whole send rather than an
/// <c>HttpClient</c> handler (<c>Microsoft.Extensions.Http.Resilience</c>): each try builds a new request signed with
/// that moment's timestamp, so a late retry is not refused as a replay, and the outcome of the last try becomes the
/// dead letter. The <see cref="HttpClient"/> itself may come from <c>IHttpClientFactory</c> (the web host's does).
/// </remarks>
public sealed class WebhookSink : IEventSink, IDisposable
{
    private static readonly Counter<long> s_delivered = RetailDiagnostics.Meter.CreateCounter<long>("scarlet.retail.webhook.delivered");
    private static readonly Counter<long> s_deadLetters = RetailDiagnostics.Meter.CreateCounter<long>("scarlet.retail.webhook.dead_letters");

    private readonly WebhookOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly IEventStore _deadLetters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    /// <summary>Initializes a new instance of the <see cref="WebhookSink"/> class.</summary>
    /// <param name="options">Sink options (validated by <see cref="RetailOptionsValidator"/>).</param>
    /// <param name="deadLetters">Where dead letters go.</param>
    /// <param name="time">Clock for signatures and backoff.</param>
    /// <param name="http">HTTP client; one is created (and disposed) when <see langword="null"/>.</param>
    /// <param name="logger">Logger.</param>
    public WebhookSink(WebhookOptions options, IEventStore deadLetters, TimeProvider time, HttpClient? http = null, ILogger<WebhookSink>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Url);
        _options = options;
        _deadLetters = deadLetters ?? throw new ArgumentNullException(nameof(deadLetters));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _ownsHttp = http is null;
        _http = http ?? new HttpClient();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Name = "webhook:" + options.Url.GetLeftPart(UriPartial.Path);
        _pipeline = BuildPipeline();
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public bool Accepts(ScarletEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        return _options.Topics.Count == 0
            ? evt.Topic is not (ScarletTopics.Recognition or ScarletTopics.Tracking)
            : _options.Topics.Contains(evt.Topic);
    }

    /// <inheritdoc/>
    public async Task DeliverAsync(ScarletEvent evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var body = ScarletJson.Serialize(evt);
        var attempts = 0;
        var lastError = string.Empty;
        try
        {
            using var response = await _pipeline.ExecuteAsync(
                async ct =>
                {
                    attempts++;
                    return await SendAsync(evt, body, ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                s_delivered.Add(1);
                return;
            }

            lastError = $"HTTP {(int)response.StatusCode}";
            if (!IsRetryable(response))
            {
                _logger.LogWarning("Webhook {Sink} rejected event {EventId}: {Error}", Name, evt.EventId, lastError);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException)
        {
            lastError = ex.GetType().Name + ": " + ex.Message;
        }

        s_deadLetters.Add(1);
        await _deadLetters.AddDeadLetterAsync(
            new DeadLetter(0, evt.OrganizationId, Name, evt.EventId, evt.Topic, Encoding.UTF8.GetString(body), attempts, lastError, _time.GetUtcNow()),
            CancellationToken.None).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private static bool IsRetryable(HttpResponseMessage response) =>
        (int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    private ResiliencePipeline<HttpResponseMessage> BuildPipeline()
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _time };
        if (_options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = _options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                Delay = _options.InitialBackoff,
                MaxDelay = _options.MaxBackoff,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(IsRetryable),
                OnRetry = args =>
                {
                    var error = args.Outcome.Exception is { } ex ? ex.GetType().Name + ": " + ex.Message : $"HTTP {(int)args.Outcome.Result!.StatusCode}";
                    _logger.LogWarning("Webhook {Sink} try {Attempt}/{Max} failed: {Error}; next in {Delay}", Name, args.AttemptNumber + 1, _options.MaxAttempts, error, args.RetryDelay);
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            });
        }

        // Inner: each try has its own timeout.
        return builder.AddTimeout(_options.RequestTimeout).Build();
    }

    private async Task<HttpResponseMessage> SendAsync(ScarletEvent evt, byte[] body, CancellationToken cancellationToken)
    {
        // Signed per try with the current time, so a late retry is not mistaken for a replay.
        var unix = _time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.Url);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(_options.Secret, unix, body));
        request.Headers.Add(WebhookSignature.TimestampHeader, unix.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.EventIdHeader, evt.EventId);
        request.Headers.Add(WebhookSignature.TopicHeader, evt.Topic);
        return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
