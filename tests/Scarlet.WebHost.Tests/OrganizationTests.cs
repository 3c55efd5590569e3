using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Scarlet.Testing;

namespace Scarlet.WebHost.Tests;

/// <summary>
/// Organisations through HTTP: the superadmin creates one with its first admin; every principal works inside its own
/// organisation (ids of another are 404, faces of another never match, keys, cameras, users, audit stay apart).
/// </summary>
[Collection("host")]
public sealed class OrganizationTests(HostFixture host)
{
    private const string OrgAdminPassword = "org-admin-password-1";

    [Fact]
    public async Task The_superadmin_creates_an_organisation_whose_admin_sees_only_it()
    {
        using var super = await host.AdminClientAsync();
        var created = await NewOrganizationAsync("store-b");
        using var b = created.Admin;
        var org = created.Org;

        var listed = await super.GetFromJsonAsync<JsonElement>("/api/organizations");
        Assert.Contains(org, listed.EnumerateArray().Select(o => o.GetProperty("id").GetString()));
        Assert.Contains("default", listed.EnumerateArray().Select(o => o.GetProperty("id").GetString()));

        // A new organisation gets the demo catalogue as the default one did (Scarlet:Demo:SeedCatalog), so recommendations flow.
        var catalog = host.Services.GetRequiredService<Scarlet.Retail.Storage.ICatalogStore>();
        Assert.NotEmpty(await catalog.ListProductsInZoneAsync(org, "entrance"));

        var me = await b.GetFromJsonAsync<JsonElement>("/admin/me");
        Assert.Equal(org, me.GetProperty("organization_id").GetString());
        Assert.Equal("admin", me.GetProperty("role").GetString());
        var users = await b.GetFromJsonAsync<JsonElement>("/admin/users");
        Assert.Equal([org + "-admin"], users.EnumerateArray().Select(u => u.GetProperty("username").GetString()));

        // Only a superadmin manages organisations and grants superadmin.
        Assert.Equal(HttpStatusCode.Forbidden, (await b.GetAsync("/api/organizations")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await b.PostAsJsonAsync("/api/organizations", new { id = "x-" + org, admin = new { username = "x-" + org, password = OrgAdminPassword } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await b.PostAsJsonAsync("/admin/users", new { username = "boss-" + org, password = OrgAdminPassword, role = "superadmin" })).StatusCode);

        // A user made by B's admin is B's; the default organisation's admin cannot see or delete it.
        Assert.Equal(HttpStatusCode.Created, (await b.PostAsJsonAsync("/admin/users", new { username = "viewer-" + org, password = OrgAdminPassword })).StatusCode);
        Assert.DoesNotContain("viewer-" + org, (await super.GetFromJsonAsync<JsonElement>("/admin/users")).EnumerateArray().Select(u => u.GetProperty("username").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await super.DeleteAsync($"/admin/users/viewer-{org}")).StatusCode);

        Assert.Equal(HttpStatusCode.Conflict, (await super.PostAsJsonAsync("/api/organizations", new { id = org, admin = new { username = "again-" + org, password = OrgAdminPassword } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await super.PostAsJsonAsync("/api/organizations", new { id = "Not An Id", admin = new { username = "n-" + org, password = OrgAdminPassword } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await super.PostAsJsonAsync("/api/organizations", new { id = "no-admin-" + org })).StatusCode);

        // A taken user name leaves no organisation behind.
        Assert.Equal(HttpStatusCode.BadRequest, (await super.PostAsJsonAsync("/api/organizations", new { id = "taken-" + org, admin = new { username = HostFixture.AdminUser, password = OrgAdminPassword } })).StatusCode);
        Assert.DoesNotContain("taken-" + org, (await super.GetFromJsonAsync<JsonElement>("/api/organizations")).EnumerateArray().Select(o => o.GetProperty("id").GetString()));

        using var anon = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync("/api/organizations")).StatusCode);

        // An admin of the default organisation cannot remove the superadmin above it.
        var second = "second-admin-" + org;
        Assert.Equal(HttpStatusCode.Created, (await super.PostAsJsonAsync("/admin/users", new { username = second, password = OrgAdminPassword, role = "admin" })).StatusCode);
        using var plainAdmin = host.CreateClient();
        plainAdmin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(plainAdmin, second, OrgAdminPassword));
        Assert.Equal(HttpStatusCode.Forbidden, (await plainAdmin.DeleteAsync($"/admin/users/{HostFixture.AdminUser}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await plainAdmin.GetAsync("/api/organizations")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await super.DeleteAsync($"/admin/users/{second}")).StatusCode);
    }

    [Fact]
    public async Task Keys_and_audit_entries_belong_to_one_organisation()
    {
        using var super = await host.AdminClientAsync();
        var created = await NewOrganizationAsync("keys-b");
        using var b = created.Admin;
        var org = created.Org;
        var (aKeyId, aKey) = await host.CreateKeyAsync("a till", "device");
        var (bKeyId, _) = await HostFixture.CreateKeyAsync(b, "b till", "device");

        var bKeys = (await b.GetFromJsonAsync<JsonElement>("/api/keys")).EnumerateArray().Select(k => k.GetProperty("id").GetString()).ToList();
        Assert.Equal([bKeyId], bKeys);
        Assert.DoesNotContain(bKeyId, (await super.GetFromJsonAsync<JsonElement>("/api/keys")).EnumerateArray().Select(k => k.GetProperty("id").GetString()));

        // B cannot revoke A's key: 404, and the key still works.
        Assert.Equal(HttpStatusCode.NotFound, (await b.DeleteAsync($"/api/keys/{aKeyId}")).StatusCode);
        using (var till = host.CreateClient())
        {
            till.DefaultRequestHeaders.Add("X-Api-Key", aKey);
            Assert.Equal(HttpStatusCode.OK, (await till.PostAsJsonAsync("/recognize", new { face_image_b64 = Photos.Base64(Photos.Lfw("Colin_Powell", 0)) })).StatusCode);
        }

        // The audit trail: B's log-in and key are in B's trail, not in A's.
        var bAudit = await b.GetFromJsonAsync<JsonElement>("/api/audit?limit=1000");
        var bRows = bAudit.GetProperty("items").EnumerateArray().Select(r => (Action: r.GetProperty("action").GetString(), Principal: r.GetProperty("principal").GetString())).ToList();
        Assert.Contains(("admin.login", org + "-admin"), bRows);
        Assert.Contains(("key.created", org + "-admin"), bRows);
        Assert.DoesNotContain(bRows, r => r.Principal == HostFixture.AdminUser || r.Principal == "key:" + aKeyId);
        var aAudit = await super.GetFromJsonAsync<JsonElement>($"/api/audit?principal={org}-admin");
        Assert.Equal(0, aAudit.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Faces_customers_cameras_and_detections_stay_inside_their_organisation()
    {
        using var aAdmin = await host.AdminClientAsync();
        using var aDevice = await host.KeyClientAsync("device", "integration");
        var created = await NewOrganizationAsync("faces-b");
        using var bAdmin = created.Admin;
        var org = created.Org;
        using var bDevice = await host.KeyClientAsync(bAdmin, "device", "integration", "display");

        // A registers a person; A recognises another photo of them (so the B checks below can fail).
        const string Person = "Alejandro_Toledo";
        using var reg = await aDevice.PostAsJsonAsync("/register", new { name = "Org A Customer", email = "a@example.com", face_image_b64 = Photos.Base64(Photos.Lfw(Person, 0)) });
        Assert.Equal(HttpStatusCode.OK, reg.StatusCode);
        var aId = (await reg.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("customer_id").GetString()!;
        var aSees = await (await aDevice.PostAsJsonAsync("/recognize", new { face_image_b64 = Photos.Base64(Photos.Lfw(Person, 1)) })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(aId, Assert.Single(aSees.GetProperty("tracked_objects").EnumerateArray()).GetProperty("id").GetString());

        // In B the same face is nobody: no match on /recognize, a new face on /process-frame.
        var bSees = await (await bDevice.PostAsJsonAsync("/recognize", new { face_image_b64 = Photos.Base64(Photos.Lfw(Person, 1)) })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Empty(bSees.GetProperty("tracked_objects").EnumerateArray());
        var frame = await (await bDevice.PostAsJsonAsync("/process-frame", new { frame_b64 = Photos.Base64(Photos.Lfw(Person, 1)), camera_id = "till-" + org })).Content.ReadFromJsonAsync<JsonElement>();
        var detections = frame.GetProperty("detections").EnumerateArray().ToList();
        Assert.NotEmpty(detections);
        Assert.All(detections, d => Assert.Equal("NEW_FACE", d.GetProperty("status").GetString()));
        Assert.All(detections, d => Assert.Equal(JsonValueKind.Null, d.GetProperty("user_id").ValueKind));

        // B may register the same person (A's gallery does not make it a duplicate) and gets its own customer.
        using var bReg = await bDevice.PostAsJsonAsync("/register", new { name = "Org B Customer", email = "b@example.com", face_image_b64 = Photos.Base64(Photos.Lfw(Person, 0)) });
        Assert.Equal(HttpStatusCode.OK, bReg.StatusCode);
        var bId = (await bReg.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("customer_id").GetString()!;
        Assert.NotEqual(aId, bId);
        var aStill = await (await aDevice.PostAsJsonAsync("/recognize", new { face_image_b64 = Photos.Base64(Photos.Lfw(Person, 1)) })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal([aId], aStill.GetProperty("tracked_objects").EnumerateArray().Select(u => u.GetProperty("id").GetString()));

        // B's customer id is not found by A for read, face, promotions, export, erasure; and A's is not found by B.
        foreach (var path in new[] { $"/customer/{bId}", $"/users/{bId}/face", $"/promotions/{bId}", $"/api/customers/{bId}/export" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await aAdmin.GetAsync(path)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await aAdmin.DeleteAsync($"/api/customers/{bId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bDevice.GetAsync($"/customer/{aId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bAdmin.GetAsync($"/api/customers/{aId}/export")).StatusCode);
        Assert.Equal("Org B Customer", (await bDevice.GetFromJsonAsync<JsonElement>($"/customer/{bId}")).GetProperty("name").GetString());
        Assert.DoesNotContain(bId, (await aAdmin.GetFromJsonAsync<JsonElement>("/api/customers?limit=1000")).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetString()));

        // Detections: B's frame is in B's list only.
        Assert.Equal(0, (await aDevice.GetFromJsonAsync<JsonElement>($"/api/detections?camera_id=till-{org}")).GetProperty("total").GetInt32());
        Assert.True((await bDevice.GetFromJsonAsync<JsonElement>($"/api/detections?camera_id=till-{org}")).GetProperty("total").GetInt32() >= 1);

        // A camera belongs to the organisation that added it.
        var camera = "cam-" + org;
        using (var added = await bAdmin.PostAsJsonAsync("/api/cameras", new { id = camera, source = TestAssets.VtestVideo, start = false }))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        Assert.Contains(camera, (await bAdmin.GetFromJsonAsync<JsonElement>("/cameras")).EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.DoesNotContain(camera, (await aAdmin.GetFromJsonAsync<JsonElement>("/cameras")).EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        foreach (var path in new[] { $"/api/cameras/{camera}", $"/cameras/{camera}/snapshot", $"/cameras/{camera}/tracking" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await aAdmin.GetAsync(path)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await aAdmin.PostAsync($"/api/cameras/{camera}/start", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await aAdmin.GetAsync(await host.TicketPathAsync(aAdmin, $"/cameras/{camera}/stream"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await aAdmin.DeleteAsync($"/api/cameras/{camera}")).StatusCode);

        // Processing tasks and export jobs: B's are not found by A.
        using var task = await bAdmin.PostAsJsonAsync("/api/processing-tasks/start", new { camera_ids = new[] { camera } });
        Assert.Equal(HttpStatusCode.OK, task.StatusCode);
        var taskId = (await task.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetString()!;
        Assert.Equal(HttpStatusCode.NotFound, (await aAdmin.GetAsync($"/api/processing-tasks/{taskId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await aAdmin.PostAsJsonAsync("/api/processing-tasks/stop", new { task_id = taskId })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await aAdmin.PostAsJsonAsync("/api/processing-tasks/start", new { camera_ids = new[] { camera } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bAdmin.PostAsJsonAsync("/api/processing-tasks/stop", new { task_id = taskId })).StatusCode);
        using var export = await bAdmin.PostAsJsonAsync("/api/export/tracking-data", new { format = "json", camera_id = "till-" + org });
        Assert.Equal(HttpStatusCode.Accepted, export.StatusCode);
        var jobId = (await export.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!;
        Assert.Equal(HttpStatusCode.NotFound, (await aAdmin.GetAsync($"/api/export/jobs/{jobId}/status")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await aAdmin.GetAsync($"/api/export/jobs/{jobId}/download")).StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await bAdmin.GetFromJsonAsync<JsonElement>($"/api/export/jobs/{jobId}/status")).GetProperty("status").GetString() == "running" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        // The job ran in B after its request ended: it holds B's detections only.
        var exported = await bAdmin.GetFromJsonAsync<JsonElement>($"/api/export/jobs/{jobId}/download");
        Assert.NotEmpty(exported.EnumerateArray());
        Assert.All(exported.EnumerateArray(), d => Assert.Equal("till-" + org, d.GetProperty("camera_id").GetString()));
        Assert.Equal(HttpStatusCode.NoContent, (await bAdmin.DeleteAsync($"/api/cameras/{camera}")).StatusCode);
    }

    /// <summary>Creates an organisation as the superadmin and returns a client logged in as its first admin.</summary>
    private async Task<(HttpClient Admin, string Org)> NewOrganizationAsync(string prefix)
    {
        var org = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        using var super = await host.AdminClientAsync();
        using (var res = await super.PostAsJsonAsync("/api/organizations", new { id = org, name = "Store " + org, admin = new { username = org + "-admin", password = OrgAdminPassword, full_name = "B Admin" } }))
        {
            Assert.Equal(HttpStatusCode.Created, res.StatusCode);
            var body = await res.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(org, body.GetProperty("id").GetString());
            Assert.Equal(org, body.GetProperty("admin").GetProperty("organization_id").GetString());
        }

        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(client, org + "-admin", OrgAdminPassword));
        return (client, org);
    }
}
