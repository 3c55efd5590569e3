using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Scarlet.WebHost.Tests;

/// <summary>
/// The JwtBearer set-up, probed with tokens signed by the test host's own secret: only a complete, current token from
/// the right issuer with a known role passes.
/// </summary>
[Collection("host")]
public sealed class TokenValidationTests(HostFixture host)
{
    [Theory]
    [InlineData("valid", HttpStatusCode.OK)]
    [InlineData("expired", HttpStatusCode.Unauthorized)]
    [InlineData("not-yet-valid", HttpStatusCode.Unauthorized)]
    [InlineData("wrong-issuer", HttpStatusCode.Unauthorized)]
    [InlineData("wrong-key", HttpStatusCode.Unauthorized)]
    [InlineData("no-jti", HttpStatusCode.Unauthorized)]
    [InlineData("unknown-role", HttpStatusCode.Unauthorized)]
    [InlineData("no-org", HttpStatusCode.Unauthorized)]
    [InlineData("other-org", HttpStatusCode.Unauthorized)]
    [InlineData("hs384", HttpStatusCode.Unauthorized)]
    public async Task Only_complete_current_tokens_of_this_issuer_pass(string variant, HttpStatusCode expected)
    {
        var now = DateTime.UtcNow;
        var claims = new List<Claim> { new("sub", HostFixture.AdminUser), new("role", variant == "unknown-role" ? "superuser" : "superadmin") };
        if (variant != "no-org")
        {
            // A token naming another organisation than its user's is refused: the organisation is never taken on trust.
            claims.Add(new("org", variant == "other-org" ? "other" : "default"));
        }

        if (variant != "no-jti")
        {
            claims.Add(new("jti", Guid.NewGuid().ToString("N")));
        }

        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(variant == "wrong-key" ? HostFixture.Secret.ToUpperInvariant() : HostFixture.Secret));
        var token = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = variant == "wrong-issuer" ? "someone-else" : "scarlet",
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now.AddMinutes(-40),
            NotBefore = variant == "not-yet-valid" ? now.AddMinutes(5) : now.AddMinutes(-40),
            Expires = variant == "expired" ? now.AddSeconds(-5) : now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(key, variant == "hs384" ? SecurityAlgorithms.HmacSha384 : SecurityAlgorithms.HmacSha256),
        });

        using var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(expected, (await client.GetAsync("/admin/users")).StatusCode);
    }
}

/// <summary><c>Scarlet:Security:MetricsRequireKey</c> closes <c>/metrics</c> to anonymous scrapers.</summary>
public sealed class MetricsKeyTests
{
    [Fact]
    public async Task Metrics_need_a_principal_when_configured()
    {
        using var parent = new HostFixture();
        using var factory = parent.WithWebHostBuilder(b => b.UseSetting("Scarlet:Security:MetricsRequireKey", "true"));
        using var anon = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync("/metrics")).StatusCode);

        using var admin = factory.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(admin, HostFixture.AdminUser, HostFixture.AdminPassword));
        using var created = await admin.PostAsync("/api/keys", new StringContent("""{"name":"prometheus","scopes":["integration"]}""", Encoding.UTF8, "application/json"));
        var key = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString()!;
        using var scraper = factory.CreateClient();
        scraper.DefaultRequestHeaders.Add("X-Api-Key", key);
        using var metrics = await scraper.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("scarlet_", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
