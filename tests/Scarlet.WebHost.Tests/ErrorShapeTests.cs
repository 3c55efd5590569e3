using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Scarlet.WebHost.Tests;

/// <summary>
/// One error shape everywhere (problem details: <c>status</c>, <c>title</c>, <c>detail</c>, <c>errors</c> per field) and
/// nothing internal in it: every route that reads a JSON body is swept with malformed JSON, wrong shapes and wrong types,
/// with ordinary and huge ids in its route values.
/// </summary>
[Collection("host")]
public sealed partial class ErrorShapeTests(HostFixture host)
{
    /// <summary>Every common body field with a value of the wrong type (or out of range, or an unknown enum value).</summary>
    private const string WrongTypes = """
        {"name": 12345678901234567890123, "title": [], "description": {}, "discount": 5, "email": 7, "username": 1, "password": 2,
         "id": {}, "url": 3, "secret": 4, "format": 5, "camera_ids": 6, "camera_id": [], "task_id": 8, "into": 9, "product_id": 10,
         "amount": "lots", "quantity": 1e400, "items": "x", "face_image_b64": 11, "frame_b64": 12, "source": 13, "scopes": 14,
         "path": 15, "granted_by": 16, "method": 17, "target_loyalty_status": "diamond", "loyalty_status": "diamond", "enabled": "yes",
         "valid_from": "yesterday", "valid_to": 18, "priority": 99999999999999999999, "zones": 19, "objects": 20, "admin": 21,
         "time_windows": 22, "validity": 23, "seconds": "long", "topics": 24, "consent": "yes", "start": "now", "loop": 25}
        """;

    private static readonly string[] Leaks =
    [
        "Exception", "Scarlet.", "System.", "Microsoft.", "SQLite", "Sqlite", "Npgsql", "constraint", "UNIQUE", "(Parameter '",
        "Failed to bind", "Failed to read", "Nullable", "Int32", "Int64", "String", "Decimal", "Boolean",
        "   at ",
        .. ServerPaths(),
    ];

    /// <summary>Folders of this machine a leaked path would start with: the checkout, the temp folder, the home folder.</summary>
    private static IEnumerable<string> ServerPaths()
    {
        var checkout = new DirectoryInfo(AppContext.BaseDirectory);
        while (checkout.Parent is not null && !File.Exists(Path.Combine(checkout.FullName, "Scarlet.Sdk.sln")))
        {
            checkout = checkout.Parent;
        }

        string[] folders = [checkout.FullName, Path.GetTempPath(), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)];
        return folders
            .Where(f => f.Trim(Path.DirectorySeparatorChar).Length > 0)
            .Select(f => Path.TrimEndingDirectorySeparator(f) + Path.DirectorySeparatorChar)
            .Distinct(StringComparer.Ordinal);
    }

    public static TheoryData<string> Bodies => new() { "{bad json", "[1,2,3]", "\"text\"", "42", WrongTypes };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Every_json_route_answers_bad_bodies_with_a_clean_problem(string body)
    {
        using var client = await host.AdminClientAsync();
        var routes = JsonBodyRoutes();
        Assert.True(routes.Count >= 20, $"only {routes.Count} JSON routes found");
        var malformed = body == "{bad json";
        foreach (var (method, pattern) in routes)
        {
            foreach (var id in new[] { "nope", "99999999999999999999999999" })
            {
                var path = RouteValue().Replace(pattern, id);
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                using var response = await client.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                var where = $"{method} {path} with {body[..Math.Min(body.Length, 12)]}: {status} {text}";
                Assert.True(status < 500, where);
                if (malformed)
                {
                    // Malformed JSON is refused before anything runs (403: a route this admin may not call at all).
                    Assert.True(status is 400 or 403, where);
                }

                if (status >= 400)
                {
                    AssertProblem(response, text, status, where);
                }
            }
        }
    }

    [Fact]
    public async Task A_wrong_type_names_the_field_in_errors()
    {
        using var client = await host.AdminClientAsync();
        using var response = await client.PostAsync("/promotions", new StringContent("""{"title":"t","priority":"high"}""", Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        AssertProblem(response, text, 400, text);
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("priority", out var messages), text);
        Assert.NotEmpty(messages.EnumerateArray());
    }

    [Fact]
    public async Task A_query_value_of_the_wrong_type_names_the_parameter_not_its_type()
    {
        using var client = await host.AdminClientAsync();
        using var response = await client.GetAsync("/api/customers?limit=abc");
        var text = await response.Content.ReadAsStringAsync();
        AssertProblem(response, text, 400, text);
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty("limit", out _), text);
    }

    [Theory]
    [InlineData("/api/no-such-thing")]
    [InlineData("/api/customers/x/no-such-thing")]
    [InlineData("/no/such/seed/route")]
    public async Task Unknown_routes_are_a_json_404(string path)
    {
        using var client = await host.AdminClientAsync();
        using var response = await client.GetAsync(path);
        AssertProblem(response, await response.Content.ReadAsStringAsync(), 404, path);
    }

    [Fact]
    public async Task The_dashboard_static_files_are_served_as_before()
    {
        using var client = host.CreateClient();
        using var index = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        using var script = await client.GetAsync("/app.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    [Fact]
    public async Task A_failed_login_is_a_problem_too()
    {
        using var client = host.CreateClient();
        using var response = await client.PostAsJsonAsync("/admin/login", new { username = "nobody", password = "wrong-password" });
        AssertProblem(response, await response.Content.ReadAsStringAsync(), 401, "login");
    }

    internal static void AssertProblem(HttpResponseMessage response, string text, int status, string where)
    {
        Assert.True(status == (int)response.StatusCode, where);
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"content type {response.Content.Headers.ContentType}: {where}");
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        Assert.Equal(status, root.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("title").GetString()), where);
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("detail").GetString()), where);
        if (root.TryGetProperty("errors", out var errors))
        {
            foreach (var field in errors.EnumerateObject())
            {
                Assert.NotEmpty(field.Value.EnumerateArray());
            }
        }

        foreach (var leak in Leaks)
        {
            Assert.False(text.Contains(leak, StringComparison.Ordinal), $"'{leak}' leaked: {where}");
        }
    }

    /// <summary>The host's routes that read a JSON body (POST/PUT/PATCH with accepts metadata), method and pattern.</summary>
    private List<(string Method, string Pattern)> JsonBodyRoutes() =>
    [
        .. host.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IAcceptsMetadata>() is { } accepts && accepts.ContentTypes.Contains("application/json"))
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Where(m => m is "POST" or "PUT" or "PATCH").Select(m => (m, "/" + e.RoutePattern.RawText!.TrimStart('/'))))
            .Distinct()
            .OrderBy(r => r.Item2, StringComparer.Ordinal),
    ];

    [System.Text.RegularExpressions.GeneratedRegex("\\{[^}]+\\}")]
    private static partial System.Text.RegularExpressions.Regex RouteValue();
}
