using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Scarlet.WebHost.Tests;

/// <summary>No token, key, ticket or password reaches a log line, at any level, whichever way it was sent.</summary>
public sealed class SecretLoggingTests
{
    [Fact]
    public async Task Credentials_never_reach_the_log()
    {
        var capture = new LogCapture();
        using var parent = new HostFixture();
        using var factory = parent.WithWebHostBuilder(b =>
        {
            b.UseSetting("Logging:LogLevel:Default", "Trace");

            // The host's own default puts Microsoft.AspNetCore at Warning (a more specific rule than Default): lifted here,
            // so the framework's authentication and routing lines are checked too.
            b.UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Trace");
            b.ConfigureLogging(l => l.AddProvider(capture).SetMinimumLevel(LogLevel.Trace));
        });

        using var client = factory.CreateClient();
        var token = await HostFixture.LoginAsync(client, HostFixture.AdminUser, HostFixture.AdminPassword);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var created = await client.PostAsJsonAsync("/api/keys", new { name = "logged?", scopes = new[] { "device" } });
        var key = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("key").GetString()!;
        using var ticketResponse = await client.PostAsJsonAsync("/api/stream-tickets", new { path = "/ws/dashboard" });
        var ticket = (await ticketResponse.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("ticket").GetString()!;
        await client.GetAsync("/admin/me");

        // An old dashboard's token in the URL (refused, but it must not be written down either), the ticket, the key.
        using var anon = factory.CreateClient();
        await anon.GetAsync("/ws/dashboard?token=" + token);
        await anon.GetAsync("/ws/dashboard?ticket=" + Uri.EscapeDataString(ticket));
        await anon.GetAsync("/api/customers?ticket=" + Uri.EscapeDataString(ticket));
        using (var keyed = new HttpRequestMessage(HttpMethod.Post, "/recognize") { Content = JsonContent.Create(new { }) })
        {
            keyed.Headers.Add("X-Api-Key", key);
            await anon.SendAsync(keyed);
        }

        using (var wrongKey = new HttpRequestMessage(HttpMethod.Get, "/api/customers"))
        {
            wrongKey.Headers.Add("X-Api-Key", key[..^3] + "xyz");
            await anon.SendAsync(wrongKey);
        }

        using (var wrongToken = new HttpRequestMessage(HttpMethod.Get, "/api/customers"))
        {
            wrongToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token[..^3] + "xyz");
            await anon.SendAsync(wrongToken);
        }

        await anon.PostAsJsonAsync("/admin/login", new { username = HostFixture.AdminUser, password = "wrong-" + HostFixture.AdminPassword });

        var lines = capture.Lines.ToArray();
        Assert.NotEmpty(lines);
        Assert.Contains(lines, l => l.Contains("/ws/dashboard", StringComparison.Ordinal) || l.Contains("Bearer", StringComparison.Ordinal) || l.Contains("ApiKey", StringComparison.Ordinal));
        foreach (var secret in new[] { token, token.Split('.')[2], key, key[4..24], ticket, ticket[..24], Uri.EscapeDataString(ticket)[..24], HostFixture.AdminPassword })
        {
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.Ordinal));
        }
    }
}
