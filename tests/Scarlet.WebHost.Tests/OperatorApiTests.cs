using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Scarlet.WebHost.Tests;

/// <summary>
/// The operator's API, black-box over HTTP: promotions listed with filters and pages, read, edited, switched off and
/// on; customers edited; auto-registered customers flagged; a till's order of several lines stored all or nothing.
/// </summary>
[Collection("host")]
public sealed class OperatorApiTests(HostFixture host)
{
    [Fact]
    public async Task Promotions_are_listed_with_filters_and_pages_read_edited_and_switched_off_and_on()
    {
        using var admin = await host.AdminClientAsync();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var zone = "zone-" + tag;
        var gold = await CreateAsync(admin, new { title = "Gold " + tag, target_loyalty_status = "gold", zones = new[] { zone }, priority = 900, validity = "7 days" });
        var all = await CreateAsync(admin, new { title = "All " + tag, zones = new[] { zone }, priority = 899, time_windows = new[] { new { start = "22:00", end = "02:00" } } });
        var other = await CreateAsync(admin, new { title = "Elsewhere " + tag, zones = new[] { "zone-other-" + tag }, priority = 898 });

        // Filters: zone (listing it or zone-free), tier (targeting it or all), active; pages with the total in a header.
        Assert.Equal([gold, all], await IdsAsync(admin, $"/api/promotions?zone={zone}&limit=1000", tag));
        Assert.Equal([all], await IdsAsync(admin, $"/api/promotions?zone={zone}&tier=silver&limit=1000", tag));
        Assert.Equal([gold, all], await IdsAsync(admin, $"/api/promotions?zone={zone}&tier=gold&active=true&limit=1000", tag));
        using (var page = await admin.GetAsync($"/api/promotions?zone={zone}&limit=1&offset=1"))
        {
            var items = await page.Content.ReadFromJsonAsync<JsonElement>();
            var total = int.Parse(page.Headers.GetValues("X-Total-Count").Single(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(total >= 2, $"total {total}");
            Assert.Equal(1, items.GetArrayLength());
        }

        // One promotion, read back with its schedule.
        var read = await admin.GetFromJsonAsync<JsonElement>($"/api/promotions/{all}");
        Assert.Equal("All " + tag, read.GetProperty("title").GetString());
        Assert.Equal("all", read.GetProperty("target_loyalty_status").GetString());
        Assert.True(read.GetProperty("enabled").GetBoolean());
        var window = Assert.Single(read.GetProperty("time_windows").EnumerateArray());
        Assert.Equal("22:00", window.GetProperty("start").GetString());
        Assert.Equal("02:00", window.GetProperty("end").GetString());

        // Edit: the fields given change, the others stay.
        var from = DateTimeOffset.UtcNow.AddDays(-1);
        var to = DateTimeOffset.UtcNow.AddDays(3);
        using (var put = await admin.PutAsJsonAsync($"/api/promotions/{gold}", new { title = "Platinum " + tag, discount = "25%", target_loyalty_status = "platinum", valid_from = from, valid_to = to, time_windows = new[] { new { start = "09:00", end = "12:30" } } }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var edited = await admin.GetFromJsonAsync<JsonElement>($"/api/promotions/{gold}");
        Assert.Equal("Platinum " + tag, edited.GetProperty("title").GetString());
        Assert.Equal("25%", edited.GetProperty("discount").GetString());
        Assert.Equal("platinum", edited.GetProperty("target_loyalty_status").GetString());
        Assert.Equal(to.ToUnixTimeSeconds(), edited.GetProperty("valid_to").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.Equal(900, edited.GetProperty("priority").GetInt32());
        Assert.Equal(zone, Assert.Single(edited.GetProperty("zones").EnumerateArray()).GetString());
        Assert.Equal("12:30", Assert.Single(edited.GetProperty("time_windows").EnumerateArray()).GetProperty("end").GetString());
        Assert.Equal([all], await IdsAsync(admin, $"/api/promotions?zone={zone}&tier=gold&limit=1000", tag));

        // Off: kept, listed as inactive, never chosen; on again: back.
        using (var off = await admin.PutAsJsonAsync($"/api/promotions/{all}", new { enabled = false }))
        {
            Assert.Equal(HttpStatusCode.OK, off.StatusCode);
            var body = await off.Content.ReadFromJsonAsync<JsonElement>();
            Assert.False(body.GetProperty("enabled").GetBoolean());
            Assert.False(body.GetProperty("active").GetBoolean());
        }

        Assert.Equal([gold], await IdsAsync(admin, $"/api/promotions?zone={zone}&active=true&limit=1000", tag));
        Assert.Equal([all], await IdsAsync(admin, $"/api/promotions?zone={zone}&active=false&limit=1000", tag));
        using (var on = await admin.PatchAsJsonAsync($"/api/promotions/{all}", new { enabled = true }))
        {
            Assert.True((await on.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("active").GetBoolean());
        }

        Assert.Equal("All " + tag, (await admin.GetFromJsonAsync<JsonElement>($"/api/promotions/{all}")).GetProperty("title").GetString());

        // Bad edits are 400s naming the field; the promotion is unchanged.
        await AssertFieldErrorAsync(await admin.PutAsJsonAsync($"/api/promotions/{other}", new { valid_from = to, valid_to = from }), "valid_to");
        await AssertFieldErrorAsync(await admin.PutAsJsonAsync($"/api/promotions/{other}", new { target_loyalty_status = "diamond" }), "target_loyalty_status");
        await AssertFieldErrorAsync(await admin.PutAsJsonAsync($"/api/promotions/{other}", new { time_windows = new[] { new { start = "25:00", end = "10:00" } } }), "time_windows");
        await AssertFieldErrorAsync(await admin.PutAsJsonAsync($"/api/promotions/{other}", new { title = " " }), "title");
        await AssertFieldErrorAsync(await admin.GetAsync("/api/promotions?tier=diamond"), "tier");
        await AssertFieldErrorAsync(await admin.GetAsync("/api/promotions?active=maybe"), "active");
        Assert.Equal("Elsewhere " + tag, (await admin.GetFromJsonAsync<JsonElement>($"/api/promotions/{other}")).GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsJsonAsync("/api/promotions/nope", new { enabled = false })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/promotions/nope")).StatusCode);

        using var deleted = await admin.DeleteAsync($"/api/promotions/{other}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/promotions/{other}")).StatusCode);
    }

    [Fact]
    public async Task An_auto_registered_customer_is_flagged_edited_and_gets_the_promotions_of_its_new_tier()
    {
        using var admin = await host.AdminClientAsync();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var id = await AutoRegisterAsync(admin, "Andre_Agassi");
        var customer = await admin.GetFromJsonAsync<JsonElement>($"/customer/{id}");
        Assert.True(customer.GetProperty("is_auto_registered").GetBoolean());
        Assert.Equal("bronze", customer.GetProperty("loyalty_status").GetString());

        // Boxes are in the pixels of the image sent, whose size the answer gives (LFW photos are 250 x 250).
        using (var recognized = await admin.PostAsJsonAsync("/recognize", new { face_image_b64 = Photos.Base64(Photos.Lfw("Andre_Agassi", 0)) }))
        {
            var body = await recognized.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal((250, 250), (body.GetProperty("frame_width").GetInt32(), body.GetProperty("frame_height").GetInt32()));
            var match = Assert.Single(body.GetProperty("tracked_objects").EnumerateArray());
            Assert.Equal(id, match.GetProperty("id").GetString());
            Assert.All(match.GetProperty("bbox").EnumerateArray(), v => Assert.InRange(v.GetSingle(), -25f, 275f));
        }

        var platinum = await CreateAsync(admin, new { title = "Platinum only " + tag, target_loyalty_status = "platinum", priority = 950 });
        Assert.DoesNotContain(platinum, await SeedPromotionIdsAsync(admin, id));

        var email = $"andre-{tag}@example.com";
        using (var patched = await admin.PatchAsJsonAsync($"/api/customers/{id}", new { name = "Andre A.", email, loyalty_status = "platinum", consent = true }))
        {
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
            var body = await patched.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("Andre A.", body.GetProperty("name").GetString());
            Assert.Equal(email, body.GetProperty("email").GetString());
            Assert.Equal("platinum", body.GetProperty("loyalty_status").GetString());
            Assert.True(body.GetProperty("has_consent").GetBoolean());
            Assert.True(body.GetProperty("is_auto_registered").GetBoolean());
        }

        // The seed's promotions for the customer follow the tier, and a disabled promotion is never offered.
        Assert.Contains(platinum, await SeedPromotionIdsAsync(admin, id));
        using (var off = await admin.PutAsJsonAsync($"/api/promotions/{platinum}", new { enabled = false }))
        {
            Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        }

        Assert.DoesNotContain(platinum, await SeedPromotionIdsAsync(admin, id));

        // Only the fields given change; an empty e-mail removes it.
        using (var renamed = await admin.PatchAsJsonAsync($"/api/customers/{id}", new { name = "Andre Agassi" }))
        {
            var body = await renamed.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(email, body.GetProperty("email").GetString());
            Assert.Equal("platinum", body.GetProperty("loyalty_status").GetString());
        }

        using (var cleared = await admin.PatchAsJsonAsync($"/api/customers/{id}", new { email = "" }))
        {
            Assert.Equal(JsonValueKind.Null, (await cleared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("email").ValueKind);
        }

        // Validation, a taken e-mail (409 without store text), unknown customers.
        await AssertFieldErrorAsync(await admin.PatchAsJsonAsync($"/api/customers/{id}", new { email = "not-an-address" }), "email");
        await AssertFieldErrorAsync(await admin.PatchAsJsonAsync($"/api/customers/{id}", new { loyalty_status = "diamond" }), "loyalty_status");
        await AssertFieldErrorAsync(await admin.PatchAsJsonAsync($"/api/customers/{id}", new { name = "" }), "name");
        await AssertFieldErrorAsync(await admin.PatchAsJsonAsync($"/api/customers/{id}", new { consent = false }), "consent");
        var second = await AutoRegisterAsync(admin, "Anastasia_Myskina");
        using (var taken = await admin.PatchAsJsonAsync($"/api/customers/{second}", new { email = $"taken-{tag}@example.com" }))
        {
            Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        }

        using (var conflict = await admin.PatchAsJsonAsync($"/api/customers/{id}", new { email = $"taken-{tag}@example.com" }))
        {
            ErrorShapeTests.AssertProblem(conflict, await conflict.Content.ReadAsStringAsync(), 409, "taken e-mail");
        }

        Assert.Equal(HttpStatusCode.NotFound, (await admin.PatchAsJsonAsync("/api/customers/nobody", new { name = "x" })).StatusCode);
        using var viewer = await host.KeyClientAsync("integration");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PatchAsJsonAsync($"/api/customers/{id}", new { name = "x" })).StatusCode);
    }

    [Fact]
    public async Task A_till_order_of_several_lines_is_stored_all_or_nothing()
    {
        using var admin = await host.AdminClientAsync();
        var id = await AutoRegisterAsync(admin, "Ana_Guevara");

        using (var order = await admin.PostAsJsonAsync($"/api/customers/{id}/purchases", new
        {
            items = new object[]
            {
                new { product_id = "sku-coffee", quantity = 2, amount = 24.50m },
                new { product_id = "sku-scarf", amount = 30m },
                new { product_id = "sku-giftcard", quantity = 1, amount = 50m },
            },
        }))
        {
            Assert.Equal(HttpStatusCode.OK, order.StatusCode);
            Assert.Equal(104.50m, (await order.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("total_spend").GetDecimal());
        }

        var purchases = await admin.GetFromJsonAsync<JsonElement>($"/api/customers/{id}/purchases");
        Assert.Equal(["sku-coffee", "sku-giftcard", "sku-scarf"], purchases.EnumerateArray().Select(p => p.GetProperty("product_id").GetString()).Order(StringComparer.Ordinal));

        // An unknown product in the third line: nothing of the order is stored.
        using (var bad = await admin.PostAsJsonAsync($"/api/customers/{id}/purchases", new
        {
            items = new object[] { new { product_id = "sku-coffee", amount = 10m }, new { product_id = "sku-scarf", amount = 10m }, new { product_id = "sku-nope", amount = 10m } },
        }))
        {
            ErrorShapeTests.AssertProblem(bad, await bad.Content.ReadAsStringAsync(), 404, "unknown product");
        }

        Assert.Equal(3, (await admin.GetFromJsonAsync<JsonElement>($"/api/customers/{id}/purchases")).GetArrayLength());
        Assert.Equal(104.50m, (await admin.GetFromJsonAsync<JsonElement>($"/customer/{id}")).GetProperty("total_spend").GetDecimal());

        // Line validation names the line; the one-line form still works.
        await AssertFieldErrorAsync(await admin.PostAsJsonAsync($"/api/customers/{id}/purchases", new { items = new object[] { new { product_id = "sku-coffee", amount = 1m }, new { product_id = "sku-coffee", quantity = 0, amount = 1m } } }), "items[1].quantity");
        await AssertFieldErrorAsync(await admin.PostAsJsonAsync($"/api/customers/{id}/purchases", new { items = Array.Empty<object>() }), "items");
        await AssertFieldErrorAsync(await admin.PostAsJsonAsync($"/api/customers/{id}/purchases", new { items = new object[] { new { product_id = "sku-coffee", amount = -1m } } }), "items[0].amount");
        using var single = await admin.PostAsJsonAsync($"/api/customers/{id}/purchases", new { product_id = "sku-coffee", amount = 5.5m });
        Assert.Equal(110m, (await single.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("total_spend").GetDecimal());
    }

    [Fact]
    public async Task Stopping_one_processing_task_leaves_a_camera_another_task_uses_running()
    {
        using var admin = await host.AdminClientAsync();
        var tag = Guid.NewGuid().ToString("N")[..6];
        string[] cams = ["shared-" + tag, "own-" + tag];
        foreach (var cam in cams)
        {
            using var add = await admin.PostAsJsonAsync("/api/cameras", new { id = cam, source = Scarlet.Testing.TestAssets.VtestVideo, start = false });
            Assert.Equal(HttpStatusCode.Created, add.StatusCode);
        }

        try
        {
            var a = await StartTaskAsync(admin, cams[0], cams[1]);
            var b = await StartTaskAsync(admin, cams[0]);
            Assert.Equal("stopped", await StopTaskAsync(admin, a));
            Assert.NotEqual("stopped", await CameraStatusAsync(admin, cams[0]));
            Assert.Equal("stopped", await CameraStatusAsync(admin, cams[1]));
            Assert.Equal("running", (await admin.GetFromJsonAsync<JsonElement>($"/api/processing-tasks/{b}")).GetProperty("status").GetString());

            // Stopping the stopped task again stops nothing; stopping the last task using the camera stops it.
            Assert.Equal("stopped", await StopTaskAsync(admin, a));
            Assert.NotEqual("stopped", await CameraStatusAsync(admin, cams[0]));
            Assert.Equal("stopped", await StopTaskAsync(admin, b));
            Assert.Equal("stopped", await CameraStatusAsync(admin, cams[0]));
        }
        finally
        {
            foreach (var cam in cams)
            {
                (await admin.DeleteAsync($"/api/cameras/{cam}")).Dispose();
            }
        }
    }

    private static async Task<string> StartTaskAsync(HttpClient admin, params string[] cameras)
    {
        using var res = await admin.PostAsJsonAsync("/api/processing-tasks/start", new { camera_ids = cameras });
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        return (await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetString()!;
    }

    private static async Task<string> StopTaskAsync(HttpClient admin, string task)
    {
        using var res = await admin.PostAsJsonAsync("/api/processing-tasks/stop", new { task_id = task });
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        return (await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString()!;
    }

    private static async Task<string> CameraStatusAsync(HttpClient admin, string camera) =>
        (await admin.GetFromJsonAsync<JsonElement>($"/api/cameras/{camera}")).GetProperty("status").GetString()!;

    private static async Task<string> CreateAsync(HttpClient admin, object promotion)
    {
        using var res = await admin.PostAsJsonAsync("/promotions", promotion);
        Assert.True(res.StatusCode == HttpStatusCode.Created, await res.Content.ReadAsStringAsync());
        return (await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>The ids of a listing, only this test's promotions (their titles carry the tag), in the listed order.</summary>
    private static async Task<string[]> IdsAsync(HttpClient client, string path, string tag)
    {
        using var res = await client.GetAsync(path);
        Assert.True(res.StatusCode == HttpStatusCode.OK, await res.Content.ReadAsStringAsync());
        return [.. (await res.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Where(p => p.GetProperty("title").GetString()!.EndsWith(tag, StringComparison.Ordinal)).Select(p => p.GetProperty("id").GetString()!)];
    }

    private static async Task<string[]> SeedPromotionIdsAsync(HttpClient client, string customerId) =>
        [.. (await client.GetFromJsonAsync<JsonElement>($"/promotions/{customerId}")).EnumerateArray().Select(p => p.GetProperty("id").GetString()!)];

    private static async Task<string> AutoRegisterAsync(HttpClient admin, string person)
    {
        using var res = await admin.PostAsJsonAsync("/auto-register", new { face_image_b64 = Photos.Base64(Photos.Lfw(person, 0)) });
        var text = await res.Content.ReadAsStringAsync();
        Assert.True(res.StatusCode == HttpStatusCode.OK, text);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("customer_id").GetString()!;
    }

    private static async Task AssertFieldErrorAsync(HttpResponseMessage response, string field)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            ErrorShapeTests.AssertProblem(response, text, 400, field);
            Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), $"{field}: {text}");
        }
    }
}
