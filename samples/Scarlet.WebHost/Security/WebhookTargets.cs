using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Scarlet.WebHost.Security;

/// <summary>
/// Keeps webhooks from reaching into the store's own network (SSRF): loopback, link-local, private and other
/// non-public addresses are refused when a webhook is added (400) and again at every connection (so a name that later
/// resolves to such an address gets nowhere), unless <c>Scarlet:Webhooks:AllowPrivateTargets</c>. Redirects are not
/// followed: a public target cannot bounce a delivery inward.
/// </summary>
internal sealed class WebhookTargets(IOptions<ScarletHostOptions> options)
{
    public const string HttpClientName = "webhooks";

    private static readonly IPNetwork[] s_nonPublic =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("224.0.0.0/3"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("ff00::/8"),
    ];

    public bool AllowPrivate => options.Value.Webhooks.AllowPrivateTargets;

    /// <summary>Whether the address is loopback, link-local, private, shared, multicast or unspecified (IPv4-mapped IPv6 included).</summary>
    public static bool IsNonPublic(IPAddress address)
    {
        var a = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return s_nonPublic.Any(n => n.BaseAddress.AddressFamily == a.AddressFamily && n.Contains(a));
    }

    /// <summary>Refuses (400) a URL whose host is, or resolves to, a non-public address; a name that does not resolve now is left to the connect-time check.</summary>
    public async Task ValidateAsync(Uri url, CancellationToken ct)
    {
        if (AllowPrivate)
        {
            return;
        }

        if (url.IsLoopback || url.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            throw ApiException.BadRequest("url must not target loopback, link-local or private addresses (Scarlet:Webhooks:AllowPrivateTargets)");
        }

        IPAddress[] addresses;
        if (IPAddress.TryParse(url.DnsSafeHost, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                addresses = await Dns.GetHostAddressesAsync(url.DnsSafeHost, timeout.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                return;
            }
        }

        if (addresses.Any(IsNonPublic))
        {
            throw ApiException.BadRequest("url must not target loopback, link-local or private addresses (Scarlet:Webhooks:AllowPrivateTargets)");
        }
    }

    /// <summary>The webhook client's handler: no redirects, and the connect-time address check.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        ConnectCallback = async (context, ct) =>
        {
            var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct);
            if (!AllowPrivate && addresses.Any(IsNonPublic))
            {
                throw new HttpRequestException($"Webhook target {context.DnsEndPoint.Host} resolves to a non-public address; refused (Scarlet:Webhooks:AllowPrivateTargets).");
            }

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
