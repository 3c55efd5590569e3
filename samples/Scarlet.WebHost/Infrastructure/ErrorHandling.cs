using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Scarlet.Recognition;
using Scarlet.Retail;
using Scarlet.Vision;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost;

/// <summary>
/// The one error body of every route: RFC 9457 problem details (<c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c>),
/// with <c>errors</c> (<c>{field: [messages]}</c>) when the fault lies in named fields. The seed's <c>{"detail"}</c> is a
/// subset. Details are written for the client: never database, binder, exception or type text, never a server path.
/// </summary>
internal static class Problems
{
    public const string ContentType = "application/problem+json";

    public static ProblemDetails Create(int status, string detail, IReadOnlyDictionary<string, string[]>? errors = null)
    {
        ProblemDetails p = errors is { Count: > 0 } ? new HttpValidationProblemDetails(errors.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal)) : new ProblemDetails();
        p.Status = status;
        p.Title = ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } title ? title : "Error";
        p.Type = $"https://httpstatuses.io/{status}";
        p.Detail = detail;
        return p;
    }

    /// <summary>An error with one field at fault (<c>errors: {field: [detail]}</c>).</summary>
    public static ProblemDetails Create(int status, string detail, string? field) =>
        Create(status, detail, field is null ? null : new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [detail] });

    /// <summary>A problem as an endpoint result.</summary>
    public static IResult Result(int status, string detail, string? field = null) =>
        TypedResults.Json(Create(status, detail, field), ApiJson.Options, ContentType, status);

    /// <summary>Writes a problem as the response (status code included).</summary>
    public static Task WriteAsync(HttpResponse response, ProblemDetails problem, CancellationToken cancellationToken = default)
    {
        response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return response.WriteAsJsonAsync(problem, problem.GetType(), ApiJson.Options, ContentType, cancellationToken);
    }

    public static Task WriteAsync(HttpResponse response, int status, string detail, CancellationToken cancellationToken = default) =>
        WriteAsync(response, Create(status, detail), cancellationToken);
}

/// <summary>A request the host refuses with a status and a client-safe message, optionally naming the field at fault.</summary>
internal sealed class ApiException(int status, string detail, string? field = null) : Exception(detail)
{
    public int Status { get; } = status;

    /// <summary>Gets the request field at fault (<c>errors</c> in the body), or <see langword="null"/>.</summary>
    public string? Field { get; } = field;

    public static ApiException NotFound(string detail) => new(StatusCodes.Status404NotFound, detail);

    public static ApiException BadRequest(string detail, string? field = null) => new(StatusCodes.Status400BadRequest, detail, field);
}

/// <summary>
/// Maps exceptions to problem details (<see cref="Problems"/>) in one place: bad input is 400, unknown ids 404, a face
/// already registered 409 (naming the customer only to callers allowed to read customers), a duplicate key 409, oversized
/// bodies 413, not ready or the image memory budget busy 503 with Retry-After, anything else 500 with a generic text and a
/// trace id (the exception is logged once, never shown).
/// </summary>
internal sealed partial class ErrorMapper(ILogger<ErrorMapper> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, detail, field) = Map(exception);

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
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            // Not ready yet (a camera's first frame), busy decoding other images, or the shared database away: worth
            // asking again shortly.
            httpContext.Response.Headers.RetryAfter = exception is ImageBudgetExceededException busy
                ? ((int)Math.Ceiling(busy.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture)
                : "2";
        }

        var problem = Problems.Create(status, detail, field);
        if (exception is DuplicateFaceException { ExistingCustomerId: { } existing } && AdminAuth.CanReadCustomers(httpContext))
        {
            problem.Extensions["existing_customer_id"] = existing;
        }

        await Problems.WriteAsync(httpContext.Response, problem, cancellationToken);
        return true;
    }

    public static (int Status, string Detail, string? Field) Map(Exception exception) => exception switch
    {
        ApiException a => (a.Status, a.Message, a.Field),
        UnauthorizedException u => (401, u.Message, null),
        BadHttpRequestException { StatusCode: 413 } => (413, "Request body too large", null),
        BadHttpRequestException { StatusCode: 415 } => (415, "Unsupported media type: send application/json", null),
        BadHttpRequestException b when b.InnerException is JsonException j => Json(j),
        BadHttpRequestException b => Binder(b),
        JsonException j => Json(j),
        InvalidImageException i => (400, i.Message, null),
        ImageBudgetExceededException b => (503, b.Message, null),
        RetailNotFoundException n => (404, $"{Capitalize(n.Kind)} not found", null),
        StoreUnavailableException => (503, "Storage unavailable; try again shortly", null),

        // The store's own text names tables, constraints and the engine: never shown.
        DuplicateEntityException => (409, "Already exists: another record has the same key (such as the e-mail address)", null),
        NoUsableFaceException f => (400, f.Message, null),

        // The body names the matching customer only to callers allowed to read customers (TryHandleAsync).
        DuplicateFaceException => (409, "This face is already registered", null),
        KeyNotFoundException => (404, "Not found", null),
        ArgumentOutOfRangeException => (400, "A value is out of range", null),
        ArgumentNullException => (400, "A required value is missing", null),
        ArgumentException a => (400, WithoutParameter(a), null),
        FormatException f => (400, f.Message, null),
        OperationCanceledException => (499, "Request cancelled", null),
        _ => (500, "Internal server error", null),
    };

    /// <summary>Says where the JSON is wrong (the field, from the JSON path) without echoing internal type names.</summary>
    private static (int, string, string?) Json(JsonException j)
    {
        var field = j.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
        return field is null
            ? (400, "Malformed JSON", null)
            : (400, $"Malformed JSON or wrong value type at {field} (line {j.LineNumber + 1}, byte {j.BytePositionInLine})", field);
    }

    /// <summary>
    /// The binder's messages quote C# types (<c>Failed to bind parameter "int? limit" from "abc"</c>): only the parameter
    /// name is kept.
    /// </summary>
    private static (int, string, string?) Binder(BadHttpRequestException b)
    {
        var status = b.StatusCode is >= 400 and < 500 ? b.StatusCode : 400;
        if (ParameterName().Match(b.Message) is { Success: true } m)
        {
            var field = m.Groups["name"].Value;
            var missing = b.Message.Contains("not provided", StringComparison.Ordinal) || b.Message.Contains("no body was provided", StringComparison.Ordinal);
            return (status, missing ? $"{field} is required" : $"{field} has an invalid value", field);
        }

        return (status, status == 400 ? "Bad request" : ReasonPhrases.GetReasonPhrase(status), null);
    }

    /// <summary>An argument message without .NET's <c> (Parameter 'x')</c> suffix (an internal name).</summary>
    private static string WithoutParameter(ArgumentException a)
    {
        var message = a.Message;
        var cut = a.ParamName is null ? -1 : message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    [System.Text.RegularExpressions.GeneratedRegex("parameter \"(?:[^\"]*[ ?])?(?<name>[A-Za-z_][A-Za-z0-9_]*)\"")]
    private static partial System.Text.RegularExpressions.Regex ParameterName();
}

/// <summary>Writes problem details for bare status codes (unknown route 404, wrong method 405).</summary>
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
        return Problems.WriteAsync(response, response.StatusCode, detail);
    }
}
