using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scarlet.Testing;
using Scarlet.Testing.Servers;
using Scarlet.Tracking.Geometry;
using Scarlet.Tracking.Pipeline;
using Scarlet.WebHost.Live;
using Xunit.Abstractions;

namespace Scarlet.WebHost.Tests;

/// <summary>
/// Two hosts of one cluster on a real PostgreSQL (a fresh database) and a real redis-server, both private to the test run:
/// what one host does, the other sees, admin state included (users, logouts, lock-outs and API keys are in the shared database).
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public RedisServer Redis { get; } = new();

    public string Database { get; } = PostgresServer.Shared.CreateDatabase();

    public ClusterHost A { get; private set; } = null!;

    public ClusterHost B { get; private set; } = null!;

    public Task InitializeAsync()
    {
        A = new ClusterHost("host-a", Database, Redis.Configuration);
        B = new ClusterHost("host-b", Database, Redis.Configuration);
        _ = A.Server; // start both now: the bus groups exist before the first event
        _ = B.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        Redis.Dispose();
    }
}

/// <summary>A web host configured as a cluster member (the settings an operator sets, docs/scale-out.md).</summary>
public sealed class ClusterHost(string hostId, string database, string redis) : HostFixture
{
    public const int LoginAttemptsPerMinute = 60;

    public static IReadOnlyDictionary<string, string> Settings(string hostId, string database, string redis) => new Dictionary<string, string>
    {
        ["Scarlet:Storage:Provider"] = "Postgres",
        ["Scarlet:Storage:ConnectionString"] = database,
        ["Scarlet:Bus:Provider"] = "Redis",
        ["Scarlet:Bus:Connection"] = redis,
        ["Scarlet:Bus:HostId"] = hostId,
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        foreach (var (key, value) in Settings(hostId, database, redis))
        {
            builder.UseSetting(key, value);
        }

        // Low enough for a test to reach across both hosts, far above the other cluster tests' log-ins.
        builder.UseSetting("Scarlet:Security:LoginAttemptsPerMinute", LoginAttemptsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

[CollectionDefinition("cluster")]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>;

[Collection("cluster")]
public sealed class ClusterTests(ClusterFixture cluster, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_customer_registered_on_one_host_is_matched_on_the_other_and_erased_there_is_a_new_face_here()
    {
        using var a = await cluster.A.AdminClientAsync();
        using var b = await cluster.B.AdminClientAsync();
        var id = await RegisterAsync(a, "Alejandro_Toledo", 0);

        // B's gallery follows A's enrolment from the bus (the embeddings come from the shared database).
        var sw = Stopwatch.StartNew();
        await Eventually(async () => await RecognizedAsync(b, "Alejandro_Toledo", 1) == id);
        Assert.True(sw.Elapsed < Patience);
        Assert.Equal(HttpStatusCode.OK, (await b.GetAsync($"/customer/{id}")).StatusCode);

        using (var erase = await b.DeleteAsync($"/api/customers/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, erase.StatusCode);
        }

        await Eventually(async () => await RecognizedAsync(a, "Alejandro_Toledo", 1) is null);
        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync($"/customer/{id}")).StatusCode);
        using var frame = await a.PostAsJsonAsync("/process-frame", new { frame_b64 = Photos.Base64(Photos.Lfw("Alejandro_Toledo", 1)), camera_id = "till-a" });
        var detections = (await frame.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detections").EnumerateArray().ToArray();
        Assert.Contains(detections, d => d.GetProperty("status").GetString() == "NEW_FACE");
        Assert.DoesNotContain(detections, d => d.TryGetProperty("user_id", out var u) && u.GetString() == id);
    }

    [Fact]
    public async Task An_identification_on_one_host_becomes_one_action_that_reaches_the_other_hosts_dashboard()
    {
        using var a = await cluster.A.AdminClientAsync();
        using var b = await cluster.B.AdminClientAsync();
        var id = await RegisterAsync(a, "Amelie_Mauresmo", 0);

        var ws = cluster.B.Server.CreateWebSocketClient();
        using var socket = await ws.ConnectAsync(new Uri(cluster.B.Server.BaseAddress, await cluster.B.TicketPathAsync(b, "/ws/dashboard")).ToWs(), CancellationToken.None);
        using (var frame = await a.PostAsJsonAsync("/process-frame", new { frame_b64 = Photos.Base64(Photos.Lfw("Amelie_Mauresmo", 1)), camera_id = "till-a" }))
        {
            var detection = Assert.Single((await frame.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detections").EnumerateArray());
            Assert.Equal("MATCHED", detection.GetProperty("status").GetString());
        }

        // A's pipeline recommends once; B shows it and, since the identification was A's, recommends nothing itself.
        var actions = 0;
        var deadline = DateTime.UtcNow + Patience;
        var quietUntil = DateTime.MaxValue;
        while (DateTime.UtcNow < deadline && DateTime.UtcNow < quietUntil)
        {
            var msg = await ReceiveAsync(socket, (quietUntil < deadline ? quietUntil : deadline) - DateTime.UtcNow);
            if (msg is { } m && m.GetProperty("type").GetString() == "action" && m.GetProperty("data").GetProperty("customer_id").GetString() == id)
            {
                Assert.Equal("action-events", m.GetProperty("topic").GetString());
                actions++;
                quietUntil = DateTime.UtcNow.AddSeconds(2);
            }
        }

        Assert.Equal(1, actions);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task Zones_and_a_rule_set_on_one_host_fire_in_the_other_hosts_evaluation_and_zones_cleared_there_are_gone_here()
    {
        const string Camera = "cluster-door";
        var ruleId = "cluster-restricted-" + Guid.NewGuid().ToString("N")[..6];
        using var a = await cluster.A.AdminClientAsync();
        using var b = await cluster.B.AdminClientAsync();
        foreach (var client in new[] { a, b })
        {
            // A camera id known to both hosts (each host keeps its own cameras; zones are per camera id in the shared store).
            using var add = await client.PostAsJsonAsync("/api/cameras", new { id = Camera, source = TestAssets.VtestVideo, start = false });
            Assert.True(add.StatusCode is HttpStatusCode.Created or HttpStatusCode.BadRequest); // BadRequest: there from an earlier run of the fixture
        }

        // Set on A: a restricted zone and a rule on it (no restart of B).
        var sw = Stopwatch.StartNew();
        using (var put = await a.PutAsync($"/api/cameras/{Camera}/zones", new StringContent("""{"zones":[{"name":"door","kind":"restricted","points":[[0,0],[0.5,0],[0.5,1],[0,1]]}]}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using (var created = await a.PostAsJsonAsync("/api/alert-rules", new { id = ruleId, kind = "restricted_entry", camera_id = Camera, level = "critical", cooldown_seconds = 3600 }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        await Eventually(async () => (await b.GetAsync($"/api/alert-rules/{ruleId}")).StatusCode == HttpStatusCode.OK
            && (await b.GetFromJsonAsync<JsonElement>($"/api/cameras/{Camera}/zones")).GetProperty("zones").GetArrayLength() == 1);
        output.WriteLine($"zones and rule of A in B's cache after {sw.ElapsedMilliseconds} ms");

        // B's camera evaluation (what its pipeline calls per frame) fires A's rule on A's zone.
        var org = cluster.B.Services.GetRequiredService<IOptions<ScarletHostOptions>>().Value.Organization;
        cluster.B.Services.GetRequiredService<ZoneAlerts>().Observe(org, Occupied(Camera, "door"), _ => "person-cluster");
        await Eventually(async () => (await b.GetFromJsonAsync<JsonElement[]>($"/api/alerts?camera_id={Camera}"))!.Any(x => x.GetProperty("rule_id").GetString() == ruleId));

        // Cleared on B: gone from A's cache, and A's evaluation no longer sees a restricted zone there.
        sw.Restart();
        using (var clear = await b.PutAsync($"/api/cameras/{Camera}/zones", new StringContent("""{"zones":[]}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, clear.StatusCode);
        }

        var zonesOfA = cluster.A.Services.GetRequiredService<ZoneAlerts>();
        await Eventually(() => Task.FromResult(zonesOfA.ZonesOf(Camera, org).Count == 0));
        output.WriteLine($"zones cleared on B gone from A after {sw.ElapsedMilliseconds} ms");
        Assert.Equal("""{"zones":[]}""", await a.GetStringAsync($"/api/cameras/{Camera}/zones"));
        var evaluator = zonesOfA.EvaluatorFor(org, Camera, zonesOfA.ZonesOf(Camera, org));
        Assert.Empty(evaluator.Observe(ZoneAlerts.FrameState(Occupied(Camera, "door"), _ => "person-cluster")));

        // Deleted on B: gone on A.
        Assert.Equal(HttpStatusCode.NoContent, (await b.DeleteAsync($"/api/alert-rules/{ruleId}")).StatusCode);
        await Eventually(async () => (await a.GetAsync($"/api/alert-rules/{ruleId}")).StatusCode == HttpStatusCode.NotFound);
    }

    /// <summary>One frame of a camera with one track standing in a zone.</summary>
    private static TrackingUpdate Occupied(string camera, string zone)
    {
        var now = DateTimeOffset.UtcNow;
        return new TrackingUpdate(camera, 1, now, 640, 480, true, []) { ZoneOccupants = [new ZoneOccupant(zone, 1, now)] };
    }

    [Fact]
    public async Task Every_registration_a_killed_host_acknowledged_is_on_the_other_host()
    {
        var people = Directory.GetDirectories(Path.Combine(TestAssets.Lfw, "images")).Select(Path.GetFileName).Order(StringComparer.Ordinal).Skip(200).Take(40).ToArray();
        using var child = ChildHost.Start("host-c", cluster.Database, cluster.Redis.Configuration);
        using var c = await child.AdminClientAsync();
        using var b = await cluster.B.AdminClientAsync();
        var acknowledged = new ConcurrentQueue<string>();
        var killAfter = 6;
        var loop = Task.Run(async () =>
        {
            foreach (var person in people)
            {
                try
                {
                    using var res = await c.PostAsJsonAsync("/register", new { name = person!.Replace('_', ' '), face_image_b64 = Photos.Base64(Photos.Lfw(person, 0)) });
                    if (res.StatusCode == HttpStatusCode.OK)
                    {
                        acknowledged.Enqueue((await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("customer_id").GetString()!);
                    }
                }
                catch (HttpRequestException)
                {
                    return; // the host is gone
                }
            }
        });

        await Eventually(() => Task.FromResult(acknowledged.Count >= killAfter), TimeSpan.FromSeconds(120));
        child.Kill(); // SIGKILL in the middle of the loop: a request is in flight
        await loop;
        Assert.InRange(acknowledged.Count, killAfter, people.Length - 1);

        // B serves throughout and has every acknowledged registration.
        foreach (var id in acknowledged)
        {
            using var res = await b.GetAsync($"/customer/{id}");
            Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        }
    }

    [Fact]
    public async Task While_postgres_is_down_the_host_answers_503_with_a_detail_and_afterwards_it_recovers_by_itself()
    {
        using var a = await cluster.A.AdminClientAsync();
        var id = await RegisterAsync(a, "Andre_Agassi", 0);
        PostgresServer.Shared.Stop();
        try
        {
            using var down = await a.GetAsync($"/customer/{id}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.NotNull(down.Headers.RetryAfter);
            Assert.False(string.IsNullOrEmpty((await down.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()));
        }
        finally
        {
            PostgresServer.Shared.Start();
        }

        await Eventually(async () => (await a.GetAsync($"/customer/{id}")).StatusCode == HttpStatusCode.OK);
        Assert.Equal(id, await RecognizedAsync(a, "Andre_Agassi", 1));

        // B's replica may have met the outage while reading the enrolment: it waited, it did not drop it.
        using var b = await cluster.B.AdminClientAsync();
        await Eventually(async () => await RecognizedAsync(b, "Andre_Agassi", 1) == id);
    }

    [Fact]
    public async Task Admin_state_is_shared_logout_keys_and_lockouts_on_one_host_count_on_the_other()
    {
        using var adminA = await cluster.A.AdminClientAsync();

        // A token logged out on A is refused on B (it was accepted there before).
        using var session = cluster.B.CreateClient();
        using var login = cluster.A.CreateClient();
        session.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(login, HostFixture.AdminUser, HostFixture.AdminPassword));
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/admin/me")).StatusCode);
        login.DefaultRequestHeaders.Authorization = session.DefaultRequestHeaders.Authorization;
        Assert.Equal(HttpStatusCode.OK, (await login.PostAsync("/admin/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.GetAsync("/admin/me")).StatusCode);

        // A key created on A works on B; revoked on B, it stops on A.
        var (keyId, key) = await HostFixture.CreateKeyAsync(adminA, "cluster key", "integration");
        using var keyOnB = cluster.B.CreateClient();
        keyOnB.DefaultRequestHeaders.Add("X-Api-Key", key);
        using var keyOnA = cluster.A.CreateClient();
        keyOnA.DefaultRequestHeaders.Add("X-Api-Key", key);
        Assert.Equal(HttpStatusCode.OK, (await keyOnB.GetAsync("/api/customers")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await keyOnA.GetAsync("/api/customers")).StatusCode);
        using var adminB = await cluster.B.AdminClientAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await adminB.DeleteAsync($"/api/keys/{keyId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await keyOnA.GetAsync("/api/customers")).StatusCode);

        // The other way round: revoked on A, it stops on B (no host caches a key).
        var (otherId, other) = await HostFixture.CreateKeyAsync(adminA, "cluster key 2", "integration");
        using var otherOnB = cluster.B.CreateClient();
        otherOnB.DefaultRequestHeaders.Add("X-Api-Key", other);
        Assert.Equal(HttpStatusCode.OK, (await otherOnB.GetAsync("/api/customers")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await adminA.DeleteAsync($"/api/keys/{otherId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await otherOnB.GetAsync("/api/customers")).StatusCode);

        // A user created on A; five wrong passwords on A lock it out on B too, even with the right password there.
        var user = "locked-" + Guid.NewGuid().ToString("N")[..8];
        const string Password = "right-password-for-the-lockout";
        Assert.Equal(HttpStatusCode.Created, (await adminA.PostAsJsonAsync("/admin/users", new { username = user, password = Password, role = "viewer" })).StatusCode);
        using var anonB = cluster.B.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await anonB.PostAsJsonAsync("/admin/login", new { username = user, password = Password })).StatusCode);
        using var anonA = cluster.A.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonA.PostAsJsonAsync("/admin/login", new { username = user, password = "wrong-password-" + i })).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonB.PostAsJsonAsync("/admin/login", new { username = user.ToUpperInvariant(), password = Password })).StatusCode);
    }

    [Fact]
    public async Task A_stream_ticket_from_one_host_opens_the_dashboard_socket_on_the_other_once_and_not_after_it_expires()
    {
        using var a = await cluster.A.AdminClientAsync();
        var path = await cluster.A.TicketPathAsync(a, "/ws/dashboard");
        var onB = new Uri(cluster.B.Server.BaseAddress, path).ToWs();
        using (var socket = await cluster.B.Server.CreateWebSocketClient().ConnectAsync(onB, CancellationToken.None))
        {
            Assert.Equal(WebSocketState.Open, socket.State);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }

        // Used up: not a second time on B, nor on A that issued it.
        var again = await Assert.ThrowsAnyAsync<Exception>(() => cluster.B.Server.CreateWebSocketClient().ConnectAsync(onB, CancellationToken.None));
        Assert.Contains("401", again.Message, StringComparison.Ordinal);
        using var anonA = cluster.A.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonA.GetAsync(path)).StatusCode);

        // A fresh ticket whose minute has passed (its expiry moved back, as a minute's wait would) opens nothing.
        var late = await cluster.A.TicketPathAsync(a, "/ws/dashboard");
        var secret = System.Buffers.Text.Base64Url.DecodeFromChars(Uri.UnescapeDataString(late[(late.IndexOf('=', StringComparison.Ordinal) + 1)..]));
        await using (var conn = new Npgsql.NpgsqlConnection(cluster.Database))
        {
            await conn.OpenAsync();
            await using var age = new Npgsql.NpgsqlCommand("UPDATE stream_tickets SET expires_at = expires_at - 61000 WHERE ticket_hash = @h", conn);
            age.Parameters.AddWithValue("h", System.Security.Cryptography.SHA256.HashData(secret));
            Assert.Equal(1, await age.ExecuteNonQueryAsync());
        }

        using var anonB = cluster.B.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonB.GetAsync(late)).StatusCode);
    }

    [Fact]
    public async Task Log_in_attempts_from_one_address_count_across_both_hosts()
    {
        var address = System.Net.IPAddress.Parse("198.51.100.7"); // the database is the fixture's own: no earlier count
        var half = ClusterHost.LoginAttemptsPerMinute / 2;
        for (var i = 0; i < half; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await LoginFromAsync(cluster.A, address));
            Assert.Equal(HttpStatusCode.Unauthorized, await LoginFromAsync(cluster.B, address));
        }

        // Each host saw half the limit; the cluster saw all of it.
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginFromAsync(cluster.A, address));
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginFromAsync(cluster.B, address));
        Assert.Equal(HttpStatusCode.Unauthorized, await LoginFromAsync(cluster.B, System.Net.IPAddress.Parse("203.0.113.7")));
    }

    /// <summary>A failed log-in from a given client address (the in-memory server lets a test set it).</summary>
    private static async Task<HttpStatusCode> LoginFromAsync(ClusterHost host, System.Net.IPAddress address)
    {
        using var client = new HttpClient(host.Server.CreateHandler(c => c.Connection.RemoteIpAddress = address)) { BaseAddress = host.Server.BaseAddress };
        using var res = await client.PostAsJsonAsync("/admin/login", new { username = "nobody-" + Guid.NewGuid().ToString("N")[..8], password = "wrong-password" });
        return res.StatusCode;
    }

    private static async Task<string> RegisterAsync(HttpClient client, string person, int photo)
    {
        using var res = await client.PostAsJsonAsync("/register", new { name = person.Replace('_', ' '), face_image_b64 = Photos.Base64(Photos.Lfw(person, photo)) });
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        return (await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("customer_id").GetString()!;
    }

    private static async Task<string?> RecognizedAsync(HttpClient client, string person, int photo)
    {
        using var res = await client.PostAsJsonAsync("/recognize", new { face_image_b64 = Photos.Base64(Photos.Lfw(person, photo)) });
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var users = (await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tracked_objects").EnumerateArray().ToArray();
        return users.Length == 0 ? null : users[0].GetProperty("id").GetString();
    }

    private static async Task Eventually(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Patience);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(50);
        }
    }

    private static async Task<JsonElement?> ReceiveAsync(WebSocket socket, TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return null;
        }

        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[1 << 16];
        using var ms = new MemoryStream();
        try
        {
            WebSocketReceiveResult r;
            do
            {
                r = await socket.ReceiveAsync(buffer, cts.Token);
                ms.Write(buffer, 0, r.Count);
            }
            while (!r.EndOfMessage);
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        return JsonDocument.Parse(ms.ToArray()).RootElement.Clone();
    }

    /// <summary>The web host as a separate process (so it can be killed with SIGKILL), on a free port.</summary>
    private sealed class ChildHost : IDisposable
    {
        private readonly Process _process;
        private readonly string _dataDirectory;

        private ChildHost(Process process, Uri baseAddress, string dataDirectory)
        {
            _process = process;
            BaseAddress = baseAddress;
            _dataDirectory = dataDirectory;
        }

        public Uri BaseAddress { get; }

        public static ChildHost Start(string hostId, string database, string redis)
        {
            var port = FreePort();
            var data = Directory.CreateTempSubdirectory("scarlet-cluster-host-").FullName;
            var dll = Path.Combine(AppContext.BaseDirectory, "Scarlet.WebHost.dll");
            var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.Combine(TestAssets.RepoRoot, "samples", "Scarlet.WebHost") };
            psi.ArgumentList.Add(dll);
            psi.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
            psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
            var settings = new Dictionary<string, string>(ClusterHost.Settings(hostId, database, redis))
            {
                ["Scarlet:Storage:Path"] = Path.Combine(data, "scarlet.db"),
                ["Scarlet:Jwt:Secret"] = HostFixture.Secret,
                ["Scarlet:Admin:Username"] = HostFixture.AdminUser,
                ["Scarlet:Admin:Password"] = HostFixture.AdminPassword,
                ["Scarlet:Models:Directory"] = TestAssets.ModelsDir,
                ["Scarlet:Demo:Enabled"] = "false",
                ["Scarlet:Security:PasswordIterations"] = "1000",
                ["Logging:LogLevel:Default"] = "Warning",
            };
            foreach (var (key, value) in settings)
            {
                psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }

            var process = Process.Start(psi)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var host = new ChildHost(process, new Uri($"http://127.0.0.1:{port}"), data);
            host.WaitUntilUp();
            return host;
        }

        public async Task<HttpClient> AdminClientAsync()
        {
            var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(client, HostFixture.AdminUser, HostFixture.AdminPassword));
            return client;
        }

        public void Kill()
        {
            _process.Kill(); // SIGKILL
            _process.WaitForExit();
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                Kill();
            }

            _process.Dispose();
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        private static int FreePort()
        {
            using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            l.Start();
            return ((IPEndPoint)l.LocalEndpoint).Port;
        }

        private void WaitUntilUp()
        {
            using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (DateTime.UtcNow < deadline)
            {
                Assert.False(_process.HasExited, "the host process exited at start");
                try
                {
                    if (probe.GetAsync("/health").GetAwaiter().GetResult().IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }

                Thread.Sleep(200);
            }

            throw new TimeoutException("The host did not answer /health in time.");
        }
    }
}
