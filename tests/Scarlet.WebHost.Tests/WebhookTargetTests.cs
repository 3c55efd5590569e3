using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost.Tests;

/// <summary>Webhooks cannot be pointed into the store's network, and deliveries follow no redirect.</summary>
[Collection("host")]
public sealed class WebhookTargetTests(HostFixture host)
{
    [Theory]
    [InlineData("http://127.0.0.1:9/hook")]
    [InlineData("http://localhost:8000/admin/users")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://10.1.2.3/hook")]
    [InlineData("http://172.20.0.5/hook")]
    [InlineData("https://192.168.1.1/hook")]
    [InlineData("http://[::ffff:127.0.0.1]/hook")]
    [InlineData("http://0.0.0.0/hook")]
    public async Task Non_public_targets_are_refused_by_default(string url)
    {
        using var admin = await host.AdminClientAsync();
        using var res = await admin.PostAsJsonAsync("/api/webhooks", new { url, secret = "0123456789abcdef" });
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.Contains("AllowPrivateTargets", await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_delivery_client_refuses_loopback_at_connect_time()
    {
        using var target = new RedirectingServer();
        using var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(WebhookTargets.HttpClientName);
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync(target.Url, new StringContent("{}")));
        Assert.Contains("non-public", ex.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, target.Hits);
    }
}

/// <summary>With <c>Scarlet:Webhooks:AllowPrivateTargets</c> a lab may use a local receiver; redirects are still not followed.</summary>
public sealed class PrivateWebhookTargetTests
{
    [Fact]
    public async Task Private_targets_when_allowed_and_no_redirects()
    {
        using var parent = new HostFixture();
        using var factory = parent.WithWebHostBuilder(b => b.UseSetting("Scarlet:Webhooks:AllowPrivateTargets", "true"));
        using var admin = factory.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(admin, HostFixture.AdminUser, HostFixture.AdminPassword));
        using var target = new RedirectingServer();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/webhooks", new { url = target.Url, secret = "0123456789abcdef" })).StatusCode);

        using var client = factory.Services.GetRequiredService<IHttpClientFactory>().CreateClient(WebhookTargets.HttpClientName);
        using var res = await client.PostAsync(target.Url, new StringContent("{}"));
        Assert.Equal(HttpStatusCode.Redirect, res.StatusCode);
        Assert.Equal(1, target.Hits);
    }
}

/// <summary>A webhook receives its organisation's events only.</summary>
public sealed class OrganizationWebhookTests
{
    [Fact]
    public async Task A_webhook_of_one_organisation_never_receives_another_organisations_events()
    {
        using var parent = new HostFixture();
        using var factory = parent.WithWebHostBuilder(b => b.UseSetting("Scarlet:Webhooks:AllowPrivateTargets", "true"));
        using var a = factory.CreateClient();
        a.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(a, HostFixture.AdminUser, HostFixture.AdminPassword));
        Assert.Equal(HttpStatusCode.Created, (await a.PostAsJsonAsync("/api/organizations", new { id = "hooks-b", admin = new { username = "hooks-b-admin", password = "hooks-b-password" } })).StatusCode);
        using var b = factory.CreateClient();
        b.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(b, "hooks-b-admin", "hooks-b-password"));
        using var target = new RedirectingServer();
        Assert.Equal(HttpStatusCode.Created, (await b.PostAsJsonAsync("/api/webhooks", new { url = target.Url, secret = "0123456789abcdef" })).StatusCode);
        Assert.Single((await b.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/webhooks")).EnumerateArray());
        Assert.Empty((await a.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/webhooks")).EnumerateArray());

        // A's registration (an event of A) reaches no webhook of B; B's own does.
        Assert.Equal(HttpStatusCode.OK, (await a.PostAsJsonAsync("/register", new { name = "Hook A", face_image_b64 = Photos.Base64(Photos.Lfw("Colin_Powell", 0)) })).StatusCode);
        await Task.Delay(2000);
        Assert.Equal(0, target.Hits);
        Assert.Equal(HttpStatusCode.OK, (await b.PostAsJsonAsync("/register", new { name = "Hook B", face_image_b64 = Photos.Base64(Photos.Lfw("Colin_Powell", 0)) })).StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (target.Hits == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.True(target.Hits > 0);
    }
}

/// <summary>A loopback HTTP server that answers every request with a redirect to itself, counting the requests.</summary>
internal sealed class RedirectingServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private int _hits;

    public RedirectingServer()
    {
        var port = FreePort();
        Url = $"http://127.0.0.1:{port}/hook";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _ = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try
                {
                    ctx = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                Interlocked.Increment(ref _hits);
                ctx.Response.StatusCode = 302;
                ctx.Response.RedirectLocation = Url + "/again";
                ctx.Response.Close();
            }
        });
    }

    public string Url { get; }

    public int Hits => Volatile.Read(ref _hits);

    public void Dispose() => _listener.Close();

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
