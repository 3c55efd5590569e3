using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Scarlet.WebHost.Tests;

/// <summary>
/// <c>/openapi/v1.json</c> declares the credentials (Bearer, ApiKey, Ticket) and, per operation, which ones it takes;
/// checked against the host's behaviour: an operation that does not list ApiKey refuses a key of every scope (403), one
/// that lists it admits that key.
/// </summary>
[Collection("host")]
public sealed class OpenApiSecurityTests(HostFixture host)
{
    [Fact]
    public async Task Image_fields_are_described_as_the_strings_they_are_on_the_wire()
    {
        using var anon = host.CreateClient();
        var doc = await anon.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var image = doc.GetProperty("components").GetProperty("schemas").GetProperty("Base64Image");
        Assert.Equal("string", image.GetProperty("type").GetString());
        Assert.Contains("data URL", image.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Security_schemes_are_declared_and_every_operation_says_which_it_takes()
    {
        using var anon = host.CreateClient();
        var doc = await anon.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var schemes = doc.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("http", schemes.GetProperty("Bearer").GetProperty("type").GetString());
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());
        Assert.Equal("apiKey", schemes.GetProperty("ApiKey").GetProperty("type").GetString());
        Assert.Equal("header", schemes.GetProperty("ApiKey").GetProperty("in").GetString());
        Assert.Equal("X-Api-Key", schemes.GetProperty("ApiKey").GetProperty("name").GetString());
        Assert.Equal("query", schemes.GetProperty("Ticket").GetProperty("in").GetString());

        using var key = await host.KeyClientAsync("device", "display", "integration");
        int keyOnly = 0, adminOnly = 0;
        foreach (var path in doc.GetProperty("paths").EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject())
            {
                var route = $"{op.Name.ToUpperInvariant()} {path.Name}";
                var taken = op.Value.TryGetProperty("security", out var security)
                    ? security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).ToHashSet()
                    : [];
                if (route is "GET /health" or "GET /metrics" or "POST /admin/login")
                {
                    Assert.True(taken.Count == 0, route);
                    continue;
                }

                Assert.True(taken.Contains("Bearer"), route);
                Assert.Equal(path.Name.EndsWith("/stream", StringComparison.Ordinal), taken.Contains("Ticket"));

                var url = System.Text.RegularExpressions.Regex.Replace(path.Name, "{[^}]+}", "x");
                using var req = new HttpRequestMessage(new HttpMethod(op.Name.ToUpperInvariant()), url);
                if (op.Name is "post" or "put" or "patch")
                {
                    req.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using var res = await key.SendAsync(req);
                if (taken.Contains("ApiKey"))
                {
                    keyOnly++;
                    Assert.True(res.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"{route} lists ApiKey but refused a key of every scope: {(int)res.StatusCode}");
                }
                else
                {
                    adminOnly++;
                    Assert.True(res.StatusCode == HttpStatusCode.Forbidden, $"{route} does not list ApiKey but a key got {(int)res.StatusCode}");
                }
            }
        }

        Assert.True(keyOnly >= 10 && adminOnly >= 20, $"{keyOnly} key operations, {adminOnly} admin-only operations");
    }
}
