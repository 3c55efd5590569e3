using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Scarlet.Recognition;
using Scarlet.Retail;
using Scarlet.Vision;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost;

/// <summary>The seed's error body.</summary>
public sealed record ErrorBody(string Detail);

/// <summary>The error body of a refused duplicate face for callers allowed to read customers: it names the customer.</summary>
internal sealed record DuplicateFaceBody(string Detail, string ExistingCustomerId);

/// <summary>A request the host refuses with a status and a client-safe message.</summary>
internal sealed class ApiException(int status, string detail) : Exception(detail)
{
    public int Status { get; } = status;

    public static ApiException NotFound(string detail) => new(StatusCodes.Status404NotFound, detail);

    public static ApiException BadRequest(string detail) => new(StatusCodes.Status400BadRequest, detail);
}

/// <summary>
/// Maps exceptions to <c>{"detail": ...}</c> in one place: bad input is 400, unknown ids 404, a face already registered
/// 409 (naming the customer only to callers allowed to read customers), oversized bodies 413, not ready or the image
/// memory budget busy 503 with Retry-After, anything else 500 with a generic text and a trace id (the exception is logged once, never shown).
/// </summary>
internal sealed class ErrorMapper(ILogger<ErrorMapper> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, detail) = Map(exception);

        // Expected outcomes (ApiException: 4xx, a camera without a frame yet) are answers, not faults: no log entry, no
        // stack trace (anonymous callers could flood the log). An unexpected fault is logged once, with the trace id the
        // caller gets in the body to quote.
        if (exception is StoreUnavailableException)
        {
            // The shared database is down: every request says so until it is back; one line each, no stack trace.
            logger.LogWarning("Storage unavailable on {Path}: {Reason}", httpContext.Request.Path, exception.Message);
        }
        else if (status >= 500 && exception is not (ApiException or ImageBudgetExceededException))
        {
            logger.LogError(exception, "Unhandled error on {Path} (trace {TraceId})", httpContext.Request.Path, httpContext.TraceIdentifier);
            detail = $"{detail} (trace {httpContext.TraceIdentifier})";
        }

        if (httpContext.Response.HasStarted)
        {
            return true;
        }

        httpContext.Response.Clear();
        httpContext.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            // Not ready yet (a camera's first frame), busy decoding other images, or the shared database away: worth
            // asking again shortly.
            httpContext.Response.Headers.RetryAfter = exception is ImageBudgetExceededException busy
                ? ((int)Math.Ceiling(busy.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture)
                : "2";
        }

        object body = exception is DuplicateFaceException { ExistingCustomerId: { } existing } && AdminAuth.CanReadCustomers(httpContext)
            ? new DuplicateFaceBody(detail, existing)
            : new ErrorBody(detail);
        await httpContext.Response.WriteAsJsonAsync(body, body.GetType(), cancellationToken);
        return true;
    }

    public static (int Status, string Detail) Map(Exception exception) => exception switch
    {
        ApiException a => (a.Status, a.Message),
        UnauthorizedException u => (401, u.Message),
        BadHttpRequestException { StatusCode: 413 } => (413, "Request body too large"),
        BadHttpRequestException b when b.InnerException is JsonException j => (400, JsonDetail(j)),
        BadHttpRequestException b => (b.StatusCode is >= 400 and < 500 ? b.StatusCode : 400, Clip(b.Message)),
        JsonException j => (400, JsonDetail(j)),
        InvalidImageException i => (400, i.Message),
        ImageBudgetExceededException b => (503, b.Message),
        RetailNotFoundException n => (404, $"{Capitalize(n.Kind)} not found"),
        StoreUnavailableException => (503, "Storage unavailable; try again shortly"),
        DuplicateEntityException d => (400, d.Message),
        NoUsableFaceException f => (400, f.Message),

        // The body names the matching customer only to callers allowed to read customers (TryHandleAsync).
        DuplicateFaceException => (409, "This face is already registered"),
        KeyNotFoundException k => (404, k.Message),
        ArgumentException a => (400, a.Message),
        FormatException f => (400, f.Message),
        OperationCanceledException => (499, "Request cancelled"),
        _ => (500, "Internal server error"),
    };

    /// <summary>Says where the JSON is wrong without echoing internal type names.</summary>
    private static string JsonDetail(JsonException j) =>
        j.Path is { Length: > 0 } path ? $"Malformed JSON or wrong value type at {path} (line {j.LineNumber}, byte {j.BytePositionInLine})" : "Malformed JSON";

    private static string Clip(string s) => s.Length <= 300 ? s : s[..300];

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}

/// <summary>Writes <c>{"detail"}</c> bodies for bare status codes (unknown route 404, wrong method 405).</summary>
internal static class StatusBodies
{
    public static Task WriteAsync(StatusCodeContext context)
    {
        var response = context.HttpContext.Response;
        if (response.ContentLength is not null || response.ContentType is not null)
        {
            return Task.CompletedTask;
        }

        var detail = response.StatusCode switch
        {
            404 => "Not found",
            405 => "Method not allowed",
            401 => "Not authenticated",
            403 => "Forbidden: this caller may not do that",
            413 => "Request body too large",
            415 => "Unsupported media type: send application/json",
            429 => "Too many requests",
            _ => "Request failed",
        };
        return response.WriteAsJsonAsync(new ErrorBody(detail));
    }
}
