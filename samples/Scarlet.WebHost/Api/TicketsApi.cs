using System.Text.RegularExpressions;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost.Api;

internal sealed record TicketRequest(string? Path);

internal sealed record TicketResponse(string Ticket, string Path, int ExpiresIn);

/// <summary>Short-lived tickets for MJPEG views and WebSockets (<c>?ticket=</c>): see <see cref="StreamTickets"/>.</summary>
internal static partial class TicketsApi
{
    public static void MapTicketsApi(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/stream-tickets", IssueAsync).WithTags("Streams")
            .WithSummary("A ticket for one stream or socket path (/cameras/{id}/stream, /ws/dashboard, /ws/tracking), valid 60 s and once (on any host of a cluster), as ?ticket=");

    public static async Task<IResult> IssueAsync(TicketRequest? body, HttpContext http, StreamTickets tickets, CancellationToken ct)
    {
        // Only the paths a browser cannot send a header to; the path's own policy decides when the ticket is used.
        if (body?.Path is not { } path || !TicketPath().IsMatch(path))
        {
            throw ApiException.BadRequest("path must be /ws/dashboard, /ws/tracking or /cameras/{camera_id}/stream");
        }

        return TypedResults.Ok(new TicketResponse(await tickets.IssueAsync(http.User, path, ct), path, (int)StreamTickets.Lifetime.TotalSeconds));
    }

    [GeneratedRegex("^(/ws/dashboard|/ws/tracking|/cameras/[A-Za-z0-9._-]{1,64}/stream)$")]
    private static partial Regex TicketPath();
}
