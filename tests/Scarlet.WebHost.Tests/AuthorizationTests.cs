using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Scarlet.WebHost.Tests;

/// <summary>
/// Secure by default, black-box: every documented route needs a principal except the few open on purpose, and each
/// principal gets 403 outside its role or scope.
/// </summary>
[Collection("host")]
public sealed class AuthorizationTests(HostFixture host)
{
    /// <summary>The routes open to anonymous callers on purpose (static files and the OpenAPI document are not routes in it).</summary>
    private static readonly HashSet<string> s_open = ["GET /health", "GET /metrics", "POST /admin/login"];

    [Fact]
    public async Task Every_route_of_the_openapi_document_needs_a_principal_except_the_open_ones()
    {
        using var anon = host.CreateClient();
        var doc = await anon.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var checkedRoutes = 0;
        foreach (var path in doc.GetProperty("paths").EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject())
            {
                var method = op.Name.ToUpperInvariant();
                var route = $"{method} {path.Name}";
                var url = System.Text.RegularExpressions.Regex.Replace(path.Name, "{[^}]+}", "x");
                using var req = new HttpRequestMessage(new HttpMethod(method), url);
                if (method is "POST" or "PUT" or "PATCH")
                {
                    req.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using var res = await anon.SendAsync(req);
                if (s_open.Contains(route))
                {
                    Assert.NotEqual(HttpStatusCode.Unauthorized, res.StatusCode);
                    continue;
                }

                Assert.True(res.StatusCode == HttpStatusCode.Unauthorized, $"{route}: {(int)res.StatusCode}");
                var body = await res.Content.ReadFromJsonAsync<JsonElement>();
                Assert.False(string.IsNullOrEmpty(body.GetProperty("detail").GetString()), route);
                checkedRoutes++;
            }
        }

        Assert.True(checkedRoutes >= 60, $"only {checkedRoutes} routes in the document");

        // Not in the document: the sockets and streams, and no token in a URL is accepted any more.
        foreach (var path in new[] { "/ws/dashboard", "/ws/tracking", "/cameras/demo/stream", "/ws/dashboard?token=" + await host.TokenAsync() })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync(path)).StatusCode);
        }
    }

    [Theory]
    [InlineData("/api/keys", "post", "admin")]
    [InlineData("/register", "post", "device")]
    [InlineData("/promotions/{user_id}", "get", "display")]
    [InlineData("/api/detections", "get", "read")]
    [InlineData("/health", "get", "open")]
    [InlineData("/api/stream-tickets", "post", "any principal")]
    public async Task The_openapi_document_says_who_may_call_each_operation(string path, string method, string who)
    {
        using var anon = host.CreateClient();
        var doc = await anon.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var description = doc.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("description").GetString();
        Assert.StartsWith($"Who may call it: {who}.", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anonymous_health_has_no_details_and_the_dashboard_files_are_open()
    {
        using var anon = host.CreateClient();
        var open = await anon.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal("healthy", open.GetProperty("status").GetString());
        Assert.False(open.TryGetProperty("execution_provider", out _));
        Assert.False(open.TryGetProperty("cameras", out _));

        using var admin = await host.AdminClientAsync();
        Assert.True((await admin.GetFromJsonAsync<JsonElement>("/health")).TryGetProperty("execution_provider", out _));

        foreach (var file in new[] { "/", "/app.js", "/app.css", "/docs.html", "/openapi/v1.json" })
        {
            Assert.Equal(HttpStatusCode.OK, (await anon.GetAsync(file)).StatusCode);
        }
    }

    public static TheoryData<string, string, string, string> Forbidden => new()
    {
        // principal (role:x or key:scopes), method, path, body
        { "key:display", "POST", "/register", "{}" },
        { "key:display", "POST", "/recognize", "{}" },
        { "key:integration", "POST", "/process-frame", "{}" },
        { "key:integration", "POST", "/track", "{}" },
        { "key:device", "GET", "/api/customers", string.Empty },
        { "key:device", "GET", "/customer/x", string.Empty },
        { "key:device", "GET", "/promotions/x", string.Empty },
        { "key:device", "GET", "/api/detections", string.Empty },
        { "key:device", "GET", "/api/webhooks", string.Empty },
        { "key:device", "GET", "/cameras", string.Empty },
        { "key:display", "GET", "/api/analytics/visits", string.Empty },
        { "key:integration", "POST", "/api/cameras", "{}" },
        { "key:integration", "DELETE", "/api/customers/x", string.Empty },
        { "key:device+display+integration", "GET", "/admin/users", string.Empty },
        { "key:device+display+integration", "POST", "/api/keys", "{}" },
        { "role:viewer", "POST", "/promotions", "{}" },
        { "role:viewer", "POST", "/register", "{}" },
        { "role:viewer", "POST", "/recognize", "{}" },
        { "role:viewer", "GET", "/api/customers/x/export", string.Empty },
        { "role:viewer", "POST", "/api/export/tracking-data", "{}" },
        { "role:viewer", "POST", "/api/cameras", "{}" },
        { "role:viewer", "POST", "/api/alerts/x/acknowledge", string.Empty },
        { "role:viewer", "DELETE", "/api/promotions/x", string.Empty },
        { "key:device", "GET", "/api/promotions", string.Empty },
        { "role:operator", "GET", "/admin/users", string.Empty },
        { "role:operator", "GET", "/api/keys", string.Empty },
        { "role:operator", "POST", "/api/webhooks", "{}" },
    };

    [Theory]
    [MemberData(nameof(Forbidden))]
    public async Task The_wrong_scope_or_role_gets_403_with_a_detail(string principal, string method, string path, string body)
    {
        using var client = await ClientAsync(principal);
        using var req = new HttpRequestMessage(new HttpMethod(method), path);
        if (body.Length > 0)
        {
            req.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var res = await client.SendAsync(req);
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        Assert.False(string.IsNullOrEmpty((await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()));
    }

    public static TheoryData<string, string, string> Allowed => new()
    {
        // The right principal gets past authorization (its answer is the endpoint's: 200, 400 or 404, never 401/403).
        { "key:device", "POST", "/recognize" },
        { "key:device", "POST", "/track" },
        { "key:display", "GET", "/promotions/x" },
        { "key:display", "GET", "/persons/x" },
        { "key:integration", "GET", "/api/customers" },
        { "key:integration", "GET", "/customer/x" },
        { "key:integration", "GET", "/api/detections" },
        { "key:integration", "GET", "/api/analytics/visits" },
        { "key:integration", "GET", "/api/webhooks" },
        { "role:viewer", "GET", "/api/customers" },
        { "role:viewer", "GET", "/cameras" },
        { "role:viewer", "GET", "/admin/dashboard/stats" },
        { "role:viewer", "GET", "/api/promotions" },
        { "key:integration", "GET", "/api/promotions" },
        { "role:operator", "POST", "/promotions" },
        { "role:operator", "POST", "/register" },
        { "role:operator", "GET", "/api/customers/x/export" },
        { "role:operator", "POST", "/api/cameras/x/pause" },
    };

    [Theory]
    [MemberData(nameof(Allowed))]
    public async Task The_right_scope_or_role_gets_through(string principal, string method, string path)
    {
        using var client = await ClientAsync(principal);
        using var req = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            req.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        using var res = await client.SendAsync(req);
        Assert.True(res.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"{principal} {method} {path}: {(int)res.StatusCode}");
    }

    [Fact]
    public async Task A_revoked_key_is_401_at_once_and_an_expired_key_is_401()
    {
        var (id, key) = await host.CreateKeyAsync("till to revoke", "device");
        using var till = host.CreateClient();
        till.DefaultRequestHeaders.Add("X-Api-Key", key);
        Assert.Equal(HttpStatusCode.BadRequest, (await till.PostAsJsonAsync("/recognize", new { })).StatusCode);
        using var admin = await host.AdminClientAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/keys/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await till.PostAsJsonAsync("/recognize", new { })).StatusCode);

        using var created = await admin.PostAsJsonAsync("/api/keys", new { name = "short-lived", scopes = new[] { "device" }, expires_at = DateTimeOffset.UtcNow.AddSeconds(2) });
        var shortKey = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        using var brief = host.CreateClient();
        brief.DefaultRequestHeaders.Add("X-Api-Key", shortKey);
        Assert.Equal(HttpStatusCode.BadRequest, (await brief.PostAsJsonAsync("/recognize", new { })).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(HttpStatusCode.Unauthorized, (await brief.PostAsJsonAsync("/recognize", new { })).StatusCode);

        using var wrong = host.CreateClient();
        wrong.DefaultRequestHeaders.Add("X-Api-Key", "sck_" + new string('A', 43));
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.PostAsJsonAsync("/recognize", new { })).StatusCode);
    }

    [Fact]
    public async Task A_stream_ticket_opens_its_one_path_for_its_principal_only()
    {
        using var admin = await host.AdminClientAsync();
        var tracking = await host.TicketPathAsync(admin, "/ws/tracking");
        var ticket = tracking[(tracking.IndexOf('=', StringComparison.Ordinal) + 1)..];
        using var anon = host.CreateClient();

        // A plain GET to a socket path is 400 (no upgrade) once authorized: the ticket got through.
        Assert.Equal(HttpStatusCode.BadRequest, (await anon.GetAsync(tracking)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync("/ws/dashboard?ticket=" + ticket)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync("/api/customers?ticket=" + ticket)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync("/ws/tracking?ticket=" + ticket[..^4] + "AAAA")).StatusCode);

        // A display key may ask for a tracking ticket but its ticket does not open the dashboard socket.
        using var screen = await host.KeyClientAsync("display");
        var dashboard = await host.TicketPathAsync(screen, "/ws/dashboard");
        Assert.Equal(HttpStatusCode.Forbidden, (await anon.GetAsync(dashboard)).StatusCode);

        using var bad = await admin.PostAsJsonAsync("/api/stream-tickets", new { path = "/api/customers" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        // Logging out revokes the tickets issued to that token.
        using var session = host.CreateClient();
        session.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(session, HostFixture.AdminUser, HostFixture.AdminPassword));
        var mine = await host.TicketPathAsync(session, "/ws/tracking");
        Assert.Equal(HttpStatusCode.OK, (await session.PostAsync("/admin/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync(mine)).StatusCode);
    }

    [Fact]
    public async Task Camera_sources_are_shown_to_admins_only()
    {
        using var admin = await host.AdminClientAsync();
        using (var add = await admin.PostAsJsonAsync("/api/cameras", new { id = "src-test", source = Scarlet.Testing.TestAssets.VtestVideo, start = false }))
        {
            Assert.Equal(HttpStatusCode.Created, add.StatusCode);
        }

        try
        {
            var asAdmin = (await admin.GetFromJsonAsync<JsonElement>("/cameras")).EnumerateArray().Single(c => c.GetProperty("id").GetString() == "src-test");
            Assert.Equal(Scarlet.Testing.TestAssets.VtestVideo, asAdmin.GetProperty("source").GetString());
            foreach (var role in new[] { "operator", "viewer" })
            {
                using var other = await ClientAsync("role:" + role);
                var text = await other.GetStringAsync("/cameras");
                Assert.Contains("src-test", text, StringComparison.Ordinal);
                Assert.DoesNotContain("source", text, StringComparison.Ordinal);
                Assert.DoesNotContain("vtest", text, StringComparison.Ordinal);
            }
        }
        finally
        {
            await admin.DeleteAsync("/api/cameras/src-test");
        }
    }

    /// <summary>A client for <c>role:NAME</c> (an admin user with that role, created once) or <c>key:a+b</c> (a new key with those scopes).</summary>
    private async Task<HttpClient> ClientAsync(string principal)
    {
        var (kind, value) = (principal[..principal.IndexOf(':', StringComparison.Ordinal)], principal[(principal.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        if (kind == "key")
        {
            return await host.KeyClientAsync(value.Split('+'));
        }

        var user = "authz-" + value;
        const string password = "authz-password-123";
        using (var admin = await host.AdminClientAsync())
        {
            using var created = await admin.PostAsJsonAsync("/admin/users", new { username = user, password, role = value });
            Assert.True(created.StatusCode is HttpStatusCode.Created or HttpStatusCode.BadRequest, created.StatusCode.ToString());
        }

        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(client, user, password));
        return client;
    }
}
