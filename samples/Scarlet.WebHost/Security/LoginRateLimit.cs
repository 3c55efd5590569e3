using System.Globalization;
using Microsoft.Extensions.Options;
using Scarlet.Retail.Storage;

namespace Scarlet.WebHost.Security;

/// <summary>Endpoint metadata: the endpoint's requests count against the log-in attempts allowed per client address.</summary>
internal sealed class LoginRateLimitMetadata
{
    public static readonly LoginRateLimitMetadata Instance = new();
}

/// <summary>
/// The log-in rate limit (<c>Scarlet:Security:LoginAttemptsPerMinute</c> per client address in a one-minute window from
/// the address's first attempt), counted in the retail database (<see cref="IRateLimitStore"/>), so the hosts of a cluster share one count: a client
/// spreading its attempts over the hosts behind a load balancer gets no more of them. Refused attempts get 429 with
/// <c>Retry-After</c> and are not seen by the log-in (so they neither probe passwords nor lock the account).
/// </summary>
internal sealed class LoginRateLimiter(RequestDelegate next, IRateLimitStore store, TimeProvider clock, IOptions<ScarletHostOptions> options)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<LoginRateLimitMetadata>() is null)
        {
            await next(context);
            return;
        }

        var hits = await store.HitAsync("login:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown"), Window, clock.GetUtcNow(), context.RequestAborted);
        if (hits > options.Value.Security.LoginAttemptsPerMinute)
        {
            // At most a window: this address's window started at its first attempt, within the last minute.
            context.Response.Headers.RetryAfter = ((int)Window.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            await Problems.WriteAsync(context.Response, StatusCodes.Status429TooManyRequests, "Too many login attempts; try again later", context.RequestAborted);
            return;
        }

        await next(context);
    }
}
