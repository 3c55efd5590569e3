using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;

namespace Scarlet.WebHost.Tests;

/// <summary>
/// Organisations on the live host: the demo camera is the default organisation's; another organisation neither sees it
/// nor receives its tracking or the default organisation's dashboard events on its sockets.
/// </summary>
[Collection("live")]
public sealed class OrganizationLiveTests(LiveHostFixture host)
{
    [Fact]
    public async Task Another_organisation_sees_no_camera_and_no_socket_message_of_the_default_one()
    {
        using var a = await host.AdminClientAsync();
        var org = "live-b-" + Guid.NewGuid().ToString("N")[..8];
        using (var created = await a.PostAsJsonAsync("/api/organizations", new { id = org, admin = new { username = org + "-admin", password = "live-b-password-1" } }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var b = host.CreateClient();
        b.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(b, org + "-admin", "live-b-password-1"));

        // The demo camera: A's, not B's.
        Assert.Contains("demo", (await a.GetFromJsonAsync<JsonElement>("/cameras")).EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.Empty((await b.GetFromJsonAsync<JsonElement>("/cameras")).EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync("/cameras/demo/snapshot")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync(await host.TicketPathAsync(b, "/cameras/demo/stream"))).StatusCode);

        using var aTracking = await host.ConnectAsync(await host.TicketPathAsync(a, "/ws/tracking"));
        using var bTracking = await host.ConnectAsync(await host.TicketPathAsync(b, "/ws/tracking"));
        using var aDashboard = await host.ConnectAsync(await host.TicketPathAsync(a, "/ws/dashboard"));
        using var bDashboard = await host.ConnectAsync(await host.TicketPathAsync(b, "/ws/dashboard"));

        // A's socket carries the demo camera's tracking; B's, open at the same time, nothing.
        var aMessage = await FullFlowTests.ReceiveAsync(aTracking, TimeSpan.FromSeconds(30));
        Assert.Equal("tracking_update", aMessage.GetProperty("type").GetString());

        // A registers a customer: A's dashboard hears of it, B's does not (B gets only its own statistics).
        using var till = await host.KeyClientAsync("device");
        using var reg = await till.PostAsJsonAsync("/register", new { name = "Live Org A Customer", face_image_b64 = Photos.Base64(Photos.Lfw("Gloria_Macapagal_Arroyo", 2)) });
        Assert.Equal(HttpStatusCode.OK, reg.StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var heard = false;
        while (!heard && DateTime.UtcNow < deadline)
        {
            heard = (await FullFlowTests.ReceiveAsync(aDashboard, deadline - DateTime.UtcNow)).GetProperty("type").GetString() == "customer_registered";
        }

        Assert.True(heard);
        var bMessages = await DrainAsync(bDashboard, TimeSpan.FromSeconds(2));
        Assert.All(bMessages, m => Assert.Equal("stats", m.GetProperty("type").GetString()));
        Assert.All(bMessages, m => Assert.Equal(0, m.GetProperty("data").GetProperty("total_users").GetInt32()));
        Assert.All(bMessages, m => Assert.Equal(0, m.GetProperty("data").GetProperty("cameras").GetInt32()));
        Assert.Empty(await DrainAsync(bTracking, TimeSpan.FromSeconds(1)));
    }

    /// <summary>Every message a socket receives within the window.</summary>
    private static async Task<List<JsonElement>> DrainAsync(WebSocket socket, TimeSpan window)
    {
        var until = DateTime.UtcNow + window;
        var messages = new List<JsonElement>();
        while (DateTime.UtcNow < until)
        {
            try
            {
                messages.Add(await FullFlowTests.ReceiveAsync(socket, until - DateTime.UtcNow));
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return messages;
    }
}
