using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Mvc.Testing;
using Scarlet.Testing;

namespace Scarlet.WebHost.Tests;

/// <summary>
/// One web host per test collection on a real SQLite file in a temporary folder, with the real models. The password
/// KDF runs with fewer iterations than in production to keep log-ins fast; everything else is the production set-up.
/// </summary>
public class HostFixture : WebApplicationFactory<Program>
{
    public const string AdminUser = "admin";
    public const string AdminPassword = "correct-horse-battery-staple";
    public const string Secret = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

    private string? _token;

    /// <summary>Gets the folder of the host's SQLite file; two hosts given the same folder share their state (a restart).</summary>
    public string DataDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "scarlet-webhost-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>Gets a value indicating whether the data folder outlives the host (for the next host of a restart test).</summary>
    public bool KeepData { get; init; }

    protected virtual bool DemoEnabled => false;

    /// <summary>Gets whether face attributes run (off by default: they add an estimator run to every /process-frame face).</summary>
    protected virtual bool AttributesEnabled => false;

    public string DatabasePath => Path.Combine(DataDirectory, "scarlet.db");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        Directory.CreateDirectory(DataDirectory);
        builder.UseEnvironment("Testing");
        builder.UseContentRoot(Path.Combine(TestAssets.RepoRoot, "samples", "Scarlet.WebHost"));
        builder.UseSetting("Scarlet:Storage:Path", DatabasePath);
        builder.UseSetting("Scarlet:Jwt:Secret", Secret);
        builder.UseSetting("Scarlet:Admin:Username", AdminUser);
        builder.UseSetting("Scarlet:Admin:Password", AdminPassword);
        builder.UseSetting("Scarlet:Models:Directory", TestAssets.ModelsDir);
        builder.UseSetting("Scarlet:Demo:Enabled", DemoEnabled ? "true" : "false");
        builder.UseSetting("Scarlet:Attributes:Enabled", AttributesEnabled ? "true" : "false");
        builder.UseSetting("Scarlet:Demo:Video", TestAssets.VtestVideo);
        builder.UseSetting("Scarlet:Security:PasswordIterations", "1000");
        builder.UseSetting("Scarlet:Security:LoginAttemptsPerMinute", "1000");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
    }

    public async Task<string> TokenAsync()
    {
        if (_token is not null)
        {
            return _token;
        }

        using var client = CreateClient();
        _token = await LoginAsync(client, AdminUser, AdminPassword);
        return _token;
    }

    public static async Task<string> LoginAsync(HttpClient client, string user, string password)
    {
        using var res = await client.PostAsJsonAsync("/admin/login", new { username = user, password });
        res.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await res.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>Creates an API key through the API (as the admin) and returns its id and secret.</summary>
    public async Task<(string Id, string Key)> CreateKeyAsync(string name, params string[] scopes)
    {
        using var admin = await AdminClientAsync();
        return await CreateKeyAsync(admin, name, scopes);
    }

    /// <summary>Creates an API key through the API as the given admin (so in that admin's organisation).</summary>
    public static async Task<(string Id, string Key)> CreateKeyAsync(HttpClient admin, string name, params string[] scopes)
    {
        using var res = await admin.PostAsJsonAsync("/api/keys", new { name, scopes });
        Assert.Equal(System.Net.HttpStatusCode.Created, res.StatusCode);
        var body = await res.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetString()!, body.GetProperty("key").GetString()!);
    }

    /// <summary>Creates a client that sends a new API key with the given scopes.</summary>
    public async Task<HttpClient> KeyClientAsync(params string[] scopes)
    {
        using var admin = await AdminClientAsync();
        return await KeyClientAsync(admin, scopes);
    }

    /// <summary>Creates a client that sends a new API key of the given admin's organisation.</summary>
    public async Task<HttpClient> KeyClientAsync(HttpClient admin, params string[] scopes)
    {
        var (_, key) = await CreateKeyAsync(admin, "test " + string.Join('+', scopes), scopes);
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    /// <summary>Gets <paramref name="path"/> with a stream ticket for it, issued to the client's principal.</summary>
    public async Task<string> TicketPathAsync(HttpClient client, string path)
    {
        using var res = await client.PostAsJsonAsync("/api/stream-tickets", new { path });
        Assert.Equal(System.Net.HttpStatusCode.OK, res.StatusCode);
        return path + "?ticket=" + Uri.EscapeDataString((await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ticket").GetString()!);
    }

    public async Task<HttpClient> AdminClientAsync()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync());
        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (KeepData)
        {
            return;
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The host with the looping demo camera on, served by Kestrel on a free port (for the browser test).</summary>
public sealed class LiveHostFixture : HostFixture
{
    public LiveHostFixture()
    {
        UseKestrel(0);
    }

    protected override bool DemoEnabled => true;

    public Uri BaseAddress
    {
        get
        {
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        }
    }

    public async Task<WebSocket> ConnectAsync(string pathAndQuery, string? apiKey = null)
    {
        var socket = new ClientWebSocket();
        if (apiKey is not null)
        {
            socket.Options.SetRequestHeader("X-Api-Key", apiKey);
        }

        await socket.ConnectAsync(new Uri(BaseAddress, pathAndQuery).ToWs(), CancellationToken.None);
        return socket;
    }
}

[CollectionDefinition("host")]
public sealed class HostCollection : ICollectionFixture<HostFixture>;

[CollectionDefinition("live")]
public sealed class LiveCollection : ICollectionFixture<LiveHostFixture>;

internal static class Photos
{
    public static string Lfw(string person, int index) =>
        Directory.GetFiles(Path.Combine(TestAssets.Lfw, "images", person)).Order(StringComparer.Ordinal).ElementAt(index);

    public static string Base64(string path) => Convert.ToBase64String(File.ReadAllBytes(path));
}
