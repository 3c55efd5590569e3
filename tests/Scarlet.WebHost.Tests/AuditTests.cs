using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Scarlet.WebHost.Tests;

/// <summary>The audit trail: who looked up whom, read through <c>GET /api/audit</c> (admin only).</summary>
[Collection("host")]
public sealed class AuditTests(HostFixture host)
{
    [Fact]
    public async Task Look_ups_reads_exports_and_the_erasure_are_recorded_and_the_erasure_keeps_them_without_personal_data()
    {
        using var admin = await host.AdminClientAsync();
        var (keyId, key) = await host.CreateKeyAsync("audit till", "device");
        using var till = host.CreateClient();
        till.DefaultRequestHeaders.Add("X-Api-Key", key);

        using var reg = await till.PostAsJsonAsync("/register", new { name = "Zelda Quartermain", email = "zelda.quartermain@example.com", face_image_b64 = Photos.Base64(Photos.Lfw("Al_Sharpton", 0)) });
        Assert.Equal(HttpStatusCode.OK, reg.StatusCode);
        var id = (await reg.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("customer_id").GetString()!;

        using (var recognized = await till.PostAsJsonAsync("/recognize", new { face_image_b64 = Photos.Base64(Photos.Lfw("Al_Sharpton", 1)) }))
        {
            Assert.Equal(HttpStatusCode.OK, recognized.StatusCode);
            Assert.Contains((await recognized.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tracked_objects").EnumerateArray(), o => o.GetProperty("id").GetString() == id);
        }

        using (var frame = await till.PostAsJsonAsync("/process-frame", new { frame_b64 = Photos.Base64(Photos.Lfw("Al_Sharpton", 2)), camera_id = "audit-cam" }))
        {
            Assert.Equal(HttpStatusCode.OK, frame.StatusCode);
            Assert.Contains((await frame.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detections").EnumerateArray(), d => d.GetProperty("user_id").GetString() == id);
        }

        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/customer/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/customers/{id}/export")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/customers/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/customer/{id}")).StatusCode);

        using var res = await admin.GetAsync($"/api/audit?customer_id={id}");
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var raw = await res.Content.ReadAsStringAsync();
        var entries = JsonDocument.Parse(raw).RootElement.GetProperty("items").EnumerateArray()
            .Select(e => (Action: e.GetProperty("action").GetString(), Principal: e.GetProperty("principal").GetString(), Outcome: e.GetProperty("outcome").GetString(), Subject: e.GetProperty("subject").GetString()))
            .ToList();
        Assert.All(entries, e => Assert.Equal(id, e.Subject));
        Assert.Contains(("face.recognized", "key:" + keyId, "ok"), entries.Select(e => (e.Action, e.Principal, e.Outcome)));
        Assert.Contains(("face.identified", "key:" + keyId, "ok"), entries.Select(e => (e.Action, e.Principal, e.Outcome)));
        Assert.Contains(("customer.read", HostFixture.AdminUser, "ok"), entries.Select(e => (e.Action, e.Principal, e.Outcome)));
        Assert.Contains(("customer.read", HostFixture.AdminUser, "not_found"), entries.Select(e => (e.Action, e.Principal, e.Outcome)));
        Assert.Contains(("customer.exported", HostFixture.AdminUser, "ok"), entries.Select(e => (e.Action, e.Principal, e.Outcome)));
        Assert.Contains(("customer.erased", HostFixture.AdminUser, "ok"), entries.Select(e => (e.Action, e.Principal, e.Outcome)));

        // Newest first, and nothing personal: the customer's name and e-mail appear nowhere, nor does the key's secret.
        Assert.Equal("customer.read", entries[0].Action);
        Assert.DoesNotContain("Zelda", raw, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Quartermain", raw, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("example.com", raw, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(key, raw, StringComparison.Ordinal);

        var byKey = await admin.GetFromJsonAsync<JsonElement>($"/api/audit?principal=key:{keyId}&limit=1");
        Assert.Single(byKey.GetProperty("items").EnumerateArray());
        Assert.True(byKey.GetProperty("total").GetInt32() >= 2);
    }

    [Fact]
    public async Task Key_creation_and_revocation_and_log_ins_are_recorded_without_secrets()
    {
        var from = DateTimeOffset.UtcNow.AddSeconds(-1);
        using var admin = await host.AdminClientAsync();
        var user = "audit-" + Guid.NewGuid().ToString("N")[..8];
        const string Password = "audit-password-12345";
        using (var created = await admin.PostAsJsonAsync("/admin/users", new { username = user, password = Password, role = "operator" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var anon = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.PostAsJsonAsync("/admin/login", new { username = user, password = "wrong-password-123" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.PostAsJsonAsync("/admin/login", new { username = "my-secret-password-typed-here", password = "x-password-123" })).StatusCode);
        await HostFixture.LoginAsync(anon, user, Password);
        var (keyId, key) = await host.CreateKeyAsync("audit integration", "integration");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/keys/{keyId}")).StatusCode);

        var mine = await AuditAsync(admin, $"principal={user}&from={Uri.EscapeDataString(from.ToString("O"))}");
        Assert.Equal([("admin.login", "ok"), ("admin.login", "failed")], mine.Select(e => (e.GetProperty("action").GetString(), e.GetProperty("outcome").GetString())));
        Assert.All(mine, e => Assert.Equal("-", e.GetProperty("subject").GetString()));

        var all = await AuditAsync(admin, $"from={Uri.EscapeDataString(from.ToString("O"))}&limit=1000");
        var raw = JsonSerializer.Serialize(all);
        Assert.DoesNotContain("my-secret-password-typed-here", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(key, raw, StringComparison.Ordinal);
        Assert.Contains(all, e => e.GetProperty("action").GetString() == "admin.login" && e.GetProperty("principal").GetString() == "unknown" && e.GetProperty("outcome").GetString() == "failed");
        Assert.Contains(all, e => e.GetProperty("action").GetString() == "key.created" && e.GetProperty("principal").GetString() == HostFixture.AdminUser && e.GetProperty("detail").GetString()!.Contains("key:" + keyId, StringComparison.Ordinal));
        Assert.Contains(all, e => e.GetProperty("action").GetString() == "key.revoked" && e.GetProperty("outcome").GetString() == "ok" && e.GetProperty("detail").GetString()!.Contains("key:" + keyId, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/admin/users/{user}")).StatusCode);
    }

    [Fact]
    public async Task Only_admins_read_the_audit_trail()
    {
        using var anon = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync("/api/audit")).StatusCode);
        foreach (var scope in new[] { "device", "display", "integration" })
        {
            using var machine = await host.KeyClientAsync(scope);
            Assert.Equal(HttpStatusCode.Forbidden, (await machine.GetAsync("/api/audit")).StatusCode);
        }

        using var admin = await host.AdminClientAsync();
        foreach (var role in new[] { "operator", "viewer" })
        {
            var user = $"audit-{role}-" + Guid.NewGuid().ToString("N")[..6];
            using (var created = await admin.PostAsJsonAsync("/admin/users", new { username = user, password = "audit-password-12345", role }))
            {
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            }

            using var staff = host.CreateClient();
            staff.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(staff, user, "audit-password-12345"));
            Assert.Equal(HttpStatusCode.Forbidden, (await staff.GetAsync("/api/audit")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/admin/users/{user}")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/audit?limit=0")).StatusCode);
    }

    private static async Task<List<JsonElement>> AuditAsync(HttpClient admin, string query)
    {
        using var res = await admin.GetAsync("/api/audit?" + query);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        return [.. (await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray()];
    }
}

/// <summary>A camera of the host that identifies a customer leaves an audit row with the camera as the principal.</summary>
public sealed class CameraAuditTests
{
    [Fact]
    public async Task A_camera_identification_is_audited_per_track_with_the_camera_as_principal()
    {
        using var host = new MediaHost();
        var folder = Path.Combine(host.DataDirectory, "media", "al");
        Directory.CreateDirectory(folder);
        for (var i = 0; i < 20; i++)
        {
            File.Copy(Photos.Lfw("Al_Sharpton", 1), Path.Combine(folder, $"frame-{i:D3}.jpg"));
        }

        using var admin = await host.AdminClientAsync();
        using var reg = await admin.PostAsJsonAsync("/register", new { name = "Camera Audit Person", face_image_b64 = Photos.Base64(Photos.Lfw("Al_Sharpton", 0)) });
        Assert.Equal(HttpStatusCode.OK, reg.StatusCode);
        var id = (await reg.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("customer_id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/cameras", new { id = "audit-door", source = folder, loop = true, start = true })).StatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        List<JsonElement> rows = [];
        while (rows.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
            var page = await admin.GetFromJsonAsync<JsonElement>($"/api/audit?principal=camera:audit-door&customer_id={id}");
            rows = [.. page.GetProperty("items").EnumerateArray()];
        }

        Assert.NotEmpty(rows);
        var row = rows[0];
        Assert.Equal("face.identified", row.GetProperty("action").GetString());
        Assert.Contains("camera=audit-door", row.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private sealed class MediaHost : HostFixture
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Scarlet:Media:Roots:0", Path.Combine(DataDirectory, "media"));
        }
    }
}
