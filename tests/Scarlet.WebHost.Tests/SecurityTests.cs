using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Scarlet.WebHost.Tests;

[Collection("host")]
public sealed class SecurityTests(HostFixture host)
{
    [Theory]
    [InlineData("GET", "/admin/users")]
    [InlineData("POST", "/admin/logout")]
    [InlineData("POST", "/admin/refresh")]
    [InlineData("GET", "/admin/dashboard/stats")]
    [InlineData("GET", "/admin/logs")]
    [InlineData("POST", "/promotions")]
    [InlineData("POST", "/auto-register")]
    [InlineData("GET", "/api/customers")]
    [InlineData("DELETE", "/api/customers/x")]
    [InlineData("GET", "/api/customers/duplicates")]
    [InlineData("POST", "/api/customers/x/merge")]
    [InlineData("POST", "/api/cameras")]
    [InlineData("GET", "/api/detections")]
    [InlineData("POST", "/track")]
    public async Task Admin_endpoints_need_a_valid_token(string method, string path)
    {
        using var client = host.CreateClient();
        using var none = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        using var forged = new HttpRequestMessage(new HttpMethod(method), path);
        forged.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Forge());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(forged)).StatusCode);
    }

    /// <summary>A token with <c>alg: none</c> and the admin's name: must be refused.</summary>
    private static string Forge()
    {
        static string B64(string s) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return B64("""{"alg":"none","typ":"JWT"}""") + "." + B64($$"""{"sub":"admin","jti":"x","iss":"scarlet","exp":{{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}}}""") + ".";
    }

    [Fact]
    public async Task Login_logout_revokes_and_refresh_rotates()
    {
        using var client = host.CreateClient();
        using var login = await client.PostAsJsonAsync("/admin/login", new { username = HostFixture.AdminUser, password = HostFixture.AdminPassword });
        var body = await login.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(1800, body.GetProperty("expires_in").GetInt32());
        Assert.Equal(HostFixture.AdminUser, body.GetProperty("user").GetProperty("username").GetString());
        Assert.False(body.GetProperty("user").TryGetProperty("password_hash", out _));
        var token = body.GetProperty("access_token").GetString()!;

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var refreshed = await (await client.PostAsync("/admin/refresh", null)).Content.ReadFromJsonAsync<JsonElement>();
        var token2 = refreshed.GetProperty("access_token").GetString()!;
        Assert.NotEqual(token, token2);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/admin/users")).StatusCode);

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token2);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/admin/dashboard/stats")).StatusCode);
        var logout = await client.PostAsync("/admin/logout", null);
        Assert.Equal("Successfully logged out", (await logout.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/admin/dashboard/stats")).StatusCode);
    }

    [Fact]
    public async Task Repeated_failures_lock_the_account_with_the_same_generic_error()
    {
        using var admin = await host.AdminClientAsync();
        using (var created = await admin.PostAsJsonAsync("/admin/users", new { username = "locky", password = "locky-password-123", full_name = "Locky", email = "l@example.com" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var users = await admin.GetFromJsonAsync<JsonElement>("/admin/users");
        Assert.Contains(users.EnumerateArray(), u => u.GetProperty("username").GetString() == "locky");

        using var client = host.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            using var fail = await client.PostAsJsonAsync("/admin/login", new { username = "locky", password = "wrong-" + i });
            Assert.Equal(HttpStatusCode.Unauthorized, fail.StatusCode);
            Assert.Equal("Incorrect username or password", (await fail.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }

        using var locked = await client.PostAsJsonAsync("/admin/login", new { username = "locky", password = "locky-password-123" });
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        Assert.Equal("Incorrect username or password", (await locked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync("/admin/users/locky")).StatusCode);
    }

    [Fact]
    public async Task Security_headers_are_set_and_cors_is_closed()
    {
        using var client = host.CreateClient();
        using var page = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());

        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/health");
        preflight.Headers.Add("Origin", "https://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        using var res = await client.SendAsync(preflight);
        Assert.False(res.Headers.Contains("Access-Control-Allow-Origin"));

        using var get = new HttpRequestMessage(HttpMethod.Get, "/health");
        get.Headers.Add("Origin", "https://evil.example");
        using var res2 = await client.SendAsync(get);
        Assert.False(res2.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Dashboard_websocket_needs_a_token()
    {
        var ws = host.Server.CreateWebSocketClient();
        await Assert.ThrowsAnyAsync<Exception>(() => ws.ConnectAsync(new Uri(host.Server.BaseAddress, "/ws/dashboard").ToWs(), CancellationToken.None));
    }

    [Fact]
    public async Task OpenApi_document_and_docs_page_are_served()
    {
        using var client = host.CreateClient();
        var doc = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = doc.GetProperty("paths");
        foreach (var p in new[] { "/admin/login", "/register", "/process-frame", "/recognize", "/promotions/{user_id}", "/customer/by-vector/{vector_id}", "/api/detections" })
        {
            Assert.True(paths.TryGetProperty(p, out _), p);
        }

        var docs = await client.GetStringAsync("/docs.html");
        Assert.DoesNotContain("https://", docs, StringComparison.Ordinal);
        var health = await client.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal("healthy", health.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("too-short")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void The_host_refuses_to_start_outside_development_with_a_missing_or_weak_secret(string? secret)
    {
        using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Production");
            b.UseContentRoot(Path.Combine(Scarlet.Testing.TestAssets.RepoRoot, "samples", "Scarlet.WebHost"));
            b.UseSetting("Scarlet:Jwt:Secret", secret);
            b.UseSetting("Scarlet:Storage:Path", Path.Combine(Path.GetTempPath(), "scarlet-weak-" + Guid.NewGuid().ToString("N"), "x.db"));
            b.UseSetting("Scarlet:Demo:Enabled", "false");
        });
        var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains("Scarlet:Jwt:Secret", ex.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>The login rate limit, on its own host (the shared one allows many log-ins).</summary>
public sealed class LoginRateLimitTests
{
    [Fact]
    public async Task Too_many_logins_from_one_address_get_429_with_a_detail()
    {
        using var parent = new HostFixture();
        using var factory = parent.WithWebHostBuilder(b => b.UseSetting("Scarlet:Security:LoginAttemptsPerMinute", "3"));
        using var client = factory.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var res = await client.PostAsJsonAsync("/admin/login", new { username = "admin", password = "wrong-password" });
            statuses.Add(res.StatusCode);
            Assert.Contains("detail", await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }
}

/// <summary>Bad configuration stops the host at start with the setting named.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("Scarlet:Live:ProcessingFps", "0")]
    [InlineData("Scarlet:Security:MaxLoginFailures", "0")]
    [InlineData("Scarlet:Jwt:ExpiryMinutes", "-5")]
    public void Out_of_range_settings_refuse_to_start(string key, string value)
    {
        using var parent = new HostFixture();
        using var factory = parent.WithWebHostBuilder(b => b.UseSetting(key, value));
        var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains(key[(key.LastIndexOf(':') + 1)..], ex.ToString(), StringComparison.Ordinal);
    }
}
