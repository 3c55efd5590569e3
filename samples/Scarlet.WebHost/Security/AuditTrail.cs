using Scarlet.Retail;
using Scarlet.Retail.Storage;
using Scarlet.WebHost.Api;

namespace Scarlet.WebHost.Security;

/// <summary>The audit actions the host records (the library records <c>customer.erased</c> and <c>customer.merged</c> itself).</summary>
internal static class AuditActions
{
    public const string FaceRecognized = "face.recognized";
    public const string FaceIdentified = "face.identified";
    public const string CustomerRead = "customer.read";
    public const string CustomersListed = "customers.listed";
    public const string CustomerExported = "customer.exported";
    public const string CustomerErased = "customer.erased";
    public const string CustomerMerged = "customer.merged";
    public const string CustomerUpdated = "customer.updated";
    public const string KeyCreated = "key.created";
    public const string KeyRevoked = "key.revoked";
    public const string AdminLogin = "admin.login";

    /// <summary>The subject of an action on no customer.</summary>
    public const string NoSubject = "-";
}

/// <summary>
/// Who looked up whom: writes the request's principal (a user name or <c>key:{id}</c>, never a secret), the action, the
/// subject customer id and the outcome into the Retail store's audit trail, the one the library's erasures and merges
/// write to. Ids only: a name or e-mail never reaches a row.
/// </summary>
internal sealed class AuditTrail(IEventStore events, HostContext ctx, TimeProvider time)
{
    /// <summary>The principal of a request as the audit trail names it (<c>anonymous</c> in the open seed mode).</summary>
    public static string PrincipalOf(HttpContext http) =>
        http.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : "anonymous";

    /// <summary>Records an action of the request's principal, in its organisation.</summary>
    public Task RecordAsync(HttpContext http, string action, string? subject, string outcome = AuditRecord.Succeeded, string detail = "") =>
        RecordAsync(ctx.Org, PrincipalOf(http), action, subject, outcome, detail);

    /// <summary>Records an action outside a principal's request (a log-in, a camera's identification) in the given organisation.</summary>
    public Task RecordAsync(string organizationId, string principal, string action, string? subject, string outcome = AuditRecord.Succeeded, string detail = "") =>
        // Not the request's token: a look-up that happened is recorded even when its caller hangs up.
        events.AppendAuditAsync(new AuditRecord(0, organizationId, action, subject ?? AuditActions.NoSubject, principal, time.GetUtcNow(), detail) { Outcome = outcome }, CancellationToken.None);

    /// <summary>Records how a failed action ended (the library records the successful ones it owns), then lets the failure go on.</summary>
    public Task RecordFailureAsync(HttpContext http, string action, string? subject, Exception error) =>
        RecordAsync(http, action, subject, OutcomeOf(error));

    public static string OutcomeOf(Exception error) => error switch
    {
        RetailNotFoundException => "not_found",
        ApiException { Status: 404 } => "not_found",
        ApiException or ArgumentException => "refused",
        _ => "failed",
    };
}
