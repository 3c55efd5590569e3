using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Scarlet.Recognition;
using Scarlet.Retail;

namespace Scarlet.WebHost.Tests;

/// <summary>
/// Duplicate and lookalike registrations through the API on real LFW photos: 409 for a face taken for a registered one
/// (naming the customer to admins only), 200 and a flag for a lookalike, the review list, and the merge.
/// </summary>
[Collection("host")]
public sealed class DuplicateApiTests(HostFixture host)
{
    // Two different people our pipeline finds alike; the lookalike test sets its host's thresholds around their similarity.
    private const string Existing = "Gerhard_Schroeder";
    private const string Lookalike = "Abdullah_Gul";

    [Fact]
    public async Task A_second_photo_of_a_registered_face_is_409_naming_the_customer_to_admins_only()
    {
        const string person = "Jean_Chretien";

        // A till's device key may register but not read customers: a refusal does not name the customer to it.
        using var anon = await host.KeyClientAsync("device");
        using var admin = await host.AdminClientAsync();
        var threshold = host.Services.GetRequiredService<FaceIdentityService>().DuplicateThreshold;
        var similarity = Cosine(await EmbedAsync(anon, person, 0), await EmbedAsync(anon, person, 1));
        Assert.True(similarity >= threshold, $"photos 1 and 2 of {person} score {similarity:F3}, below the duplicate threshold {threshold}: the test needs a closer pair");

        using var first = await anon.PostAsJsonAsync("/register", Registration("Jean", person, 0));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var id = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("customer_id").GetString()!;

        using (var again = await anon.PostAsJsonAsync("/register", Registration("Someone else", person, 1)))
        {
            var body = await ConflictAsync(again);
            Assert.False(body.TryGetProperty("existing_customer_id", out _));
        }

        // A bearer token that is not valid is no principal: 401, and nothing about the face.
        using (var forged = host.CreateClient())
        {
            forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
            using var again = await forged.PostAsJsonAsync("/register", Registration("Someone else", person, 1));
            Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
            Assert.DoesNotContain(id, await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // An integration key may read customers, so a device that also holds it is told whom the face belongs to.
        using (var integration = await host.KeyClientAsync("device", "integration"))
        {
            using var again = await integration.PostAsJsonAsync("/register", Registration("Someone else", person, 1));
            Assert.Equal(id, (await ConflictAsync(again)).GetProperty("existing_customer_id").GetString());
        }

        using (var again = await admin.PostAsJsonAsync("/register", Registration("Someone else", person, 1)))
        {
            Assert.Equal(id, (await ConflictAsync(again)).GetProperty("existing_customer_id").GetString());
        }

        using (var auto = await admin.PostAsJsonAsync("/auto-register", new { face_image_b64 = Photos.Base64(Photos.Lfw(person, 1)) }))
        {
            Assert.Equal(id, (await ConflictAsync(auto)).GetProperty("existing_customer_id").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/customer/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anon.GetAsync($"/customer/{id}")).StatusCode);
    }

    [Fact]
    public async Task Registration_takes_several_photos_as_templates_and_refuses_too_many()
    {
        const string person = "Vladimir_Putin";
        using var anon = await host.KeyClientAsync("device", "integration");
        using var reg = await anon.PostAsJsonAsync("/register", new
        {
            name = "Vladimir",
            face_image_b64 = Photos.Base64(Photos.Lfw(person, 0)),
            face_images_b64 = new[] { Photos.Base64(Photos.Lfw(person, 1)) },
        });
        Assert.Equal(HttpStatusCode.OK, reg.StatusCode);
        var id = (await reg.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("customer_id").GetString()!;
        var face = await anon.GetFromJsonAsync<JsonElement>($"/users/{id}/face");
        Assert.Equal(2, face.GetProperty("embeddings").GetInt32());

        // Photos of two people are not one customer's templates.
        using var mixed = await anon.PostAsJsonAsync("/register", new
        {
            name = "Mixed",
            face_image_b64 = Photos.Base64(Photos.Lfw("Colin_Powell", 1)),
            face_images_b64 = new[] { Photos.Base64(Photos.Lfw("Gloria_Macapagal_Arroyo", 0)) },
        });
        Assert.Equal(HttpStatusCode.BadRequest, mixed.StatusCode);
        Assert.Contains("does not show the same person", (await mixed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        var six = Enumerable.Range(0, 5).Select(_ => "x").ToArray();
        using var tooMany = await anon.PostAsJsonAsync("/register", new { name = "Too many", face_image_b64 = "x", face_images_b64 = six });
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("at most 4 more photos", (await tooMany.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Merge_refuses_a_customer_into_itself_and_unknown_ids()
    {
        using var anon = host.CreateClient();
        using var admin = await host.AdminClientAsync();
        using var reg = await admin.PostAsJsonAsync("/register", Registration("Colin", "Colin_Powell", 0));
        Assert.Equal(HttpStatusCode.OK, reg.StatusCode);
        var id = (await reg.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("customer_id").GetString()!;

        await ExpectAsync(admin, $"/api/customers/{id}/merge", new { into = id }, HttpStatusCode.BadRequest, "A customer cannot be merged into itself");
        await ExpectAsync(admin, $"/api/customers/{id}/merge", new { into = "nobody" }, HttpStatusCode.NotFound, "Customer not found");
        await ExpectAsync(admin, "/api/customers/nobody/merge", new { into = id }, HttpStatusCode.NotFound, "Customer not found");
        await ExpectAsync(admin, $"/api/customers/{id}/merge", new { }, HttpStatusCode.BadRequest, "into is required");
        await ExpectAsync(anon, $"/api/customers/{id}/merge", new { into = "nobody" }, HttpStatusCode.Unauthorized, "Not authenticated");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/customer/{id}")).StatusCode);
    }

    [Fact]
    public async Task A_lookalike_is_registered_flagged_listed_and_merged_into_the_other_customer()
    {
        // Measured on the shared host; a host of its own puts the pair between its match and duplicate thresholds.
        float similarity;
        using (var probe = await host.KeyClientAsync("device"))
        {
            similarity = Cosine(await EmbedAsync(probe, Existing, 0), await EmbedAsync(probe, Lookalike, 0));
        }

        using var tuned = new TunedHost(similarity - 0.1f, similarity + 0.1f);
        using var anon = await tuned.KeyClientAsync("device");
        using var admin = await tuned.AdminClientAsync();

        var kept = await RegisterAsync(anon, "Gerhard", Existing, 0);
        Assert.False(kept.GetProperty("possible_duplicate").GetBoolean());
        Assert.False(kept.TryGetProperty("possible_duplicate_of", out _));
        var keptId = kept.GetProperty("customer_id").GetString()!;

        // An admin registering the lookalike learns whom it resembles.
        var twin = await RegisterAsync(admin, "Abdullah", Lookalike, 0);
        Assert.True(twin.GetProperty("possible_duplicate").GetBoolean());
        Assert.Equal(keptId, twin.GetProperty("possible_duplicate_of").GetString());
        var pair = Assert.Single(await DuplicatesAsync(admin));
        Assert.Equal((twin.GetProperty("customer_id").GetString(), "Abdullah", keptId, "Gerhard"), (pair.GetProperty("customer_id").GetString(), pair.GetProperty("customer_name").GetString(), pair.GetProperty("existing_customer_id").GetString(), pair.GetProperty("existing_customer_name").GetString()));
        var faces = tuned.Services.GetRequiredService<FaceIdentityService>();
        Assert.Equal(similarity - 0.1f, faces.MatchThreshold, 1e-6f); // the host setting reached the galleries
        Assert.InRange(pair.GetProperty("similarity").GetSingle(), faces.MatchThreshold, faces.DuplicateThreshold);
        Assert.Equal(HttpStatusCode.Forbidden, (await anon.GetAsync("/api/customers/duplicates")).StatusCode);

        // Erasing one of the two takes the pair with it; a device registering the lookalike only learns that it is one.
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/customers/{twin.GetProperty("customer_id").GetString()}")).StatusCode);
        Assert.Empty(await DuplicatesAsync(admin));
        twin = await RegisterAsync(anon, "Abdullah", Lookalike, 0);
        Assert.True(twin.GetProperty("possible_duplicate").GetBoolean());
        Assert.False(twin.TryGetProperty("possible_duplicate_of", out _));
        var twinId = twin.GetProperty("customer_id").GetString()!;
        Assert.Equal(twinId, Assert.Single(await DuplicatesAsync(admin)).GetProperty("customer_id").GetString());

        // They turn out to be one person: merge, keeping the purchases of both.
        (await admin.PostAsJsonAsync($"/api/customers/{keptId}/purchases", new { product_id = "sku-coffee", amount = 5 })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync($"/api/customers/{twinId}/purchases", new { product_id = "sku-scarf", amount = 12 })).EnsureSuccessStatusCode();
        using var merge = await admin.PostAsJsonAsync($"/api/customers/{twinId}/merge", new { into = keptId });
        Assert.Equal(HttpStatusCode.OK, merge.StatusCode);
        var merged = await merge.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((twinId, keptId, 1, 2), (merged.GetProperty("merged_customer_id").GetString(), merged.GetProperty("customer").GetProperty("id").GetString(), merged.GetProperty("purchases_moved").GetInt32(), merged.GetProperty("embeddings").GetInt32()));
        Assert.Equal(17m, merged.GetProperty("customer").GetProperty("total_spend").GetDecimal());

        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/customer/{twinId}")).StatusCode);
        var purchases = await admin.GetFromJsonAsync<JsonElement>($"/api/customers/{keptId}/purchases");
        Assert.Equal(["sku-coffee", "sku-scarf"], purchases.EnumerateArray().Select(p => p.GetProperty("product_id").GetString()).Order(StringComparer.Ordinal));
        Assert.Empty(await DuplicatesAsync(admin));

        // Another photo of the merged-away face is now recognised as the kept customer.
        var rec = await (await anon.PostAsJsonAsync("/recognize", new { face_image_b64 = Photos.Base64(Photos.Lfw(Lookalike, 1)) })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(keptId, Assert.Single(rec.GetProperty("tracked_objects").EnumerateArray()).GetProperty("id").GetString());

        // The host's event log has the flag and the merge (there is no separate audit API yet).
        var logs = await WaitForLogsAsync(admin, l => l.Contains($"merged into customer {keptId} by {HostFixture.AdminUser}", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Contains($"Customer {twinId} flagged as a possible duplicate of customer {keptId}", StringComparison.Ordinal));
    }

    private static object Registration(string name, string person, int index) => new { name, face_image_b64 = Photos.Base64(Photos.Lfw(person, index)) };

    private static async Task<JsonElement> RegisterAsync(HttpClient client, string name, string person, int index)
    {
        using var res = await client.PostAsJsonAsync("/register", Registration(name, person, index));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        return await res.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<JsonElement> ConflictAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("This face is already registered", body.GetProperty("detail").GetString());
        return body;
    }

    private static async Task ExpectAsync(HttpClient client, string path, object body, HttpStatusCode status, string detail)
    {
        using var res = await client.PostAsJsonAsync(path, body);
        Assert.Equal(status, res.StatusCode);
        Assert.Equal(detail, (await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    private static async Task<List<JsonElement>> DuplicatesAsync(HttpClient admin) =>
        [.. (await admin.GetFromJsonAsync<JsonElement>("/api/customers/duplicates")).EnumerateArray()];

    private static async Task<float[]> EmbedAsync(HttpClient client, string person, int index)
    {
        var res = await (await client.PostAsJsonAsync("/generate-embedding", new { face_image_b64 = Photos.Base64(Photos.Lfw(person, index)) })).Content.ReadFromJsonAsync<JsonElement>();
        return [.. res.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle())];
    }

    private static float Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            (dot, na, nb) = (dot + ((double)a[i] * b[i]), na + ((double)a[i] * a[i]), nb + ((double)b[i] * b[i]));
        }

        return (float)(dot / Math.Sqrt(na * nb));
    }

    private static async Task<List<string>> WaitForLogsAsync(HttpClient admin, Func<string, bool> predicate)
    {
        // The event log is written by the pipeline's own queue, after the request returned: poll it (bounded).
        for (var i = 0; i < 400; i++)
        {
            var messages = (await admin.GetFromJsonAsync<JsonElement>("/admin/logs?limit=100")).EnumerateArray().Select(l => l.GetProperty("message").GetString()!).ToList();
            if (messages.Any(predicate))
            {
                return messages;
            }

            await Task.Delay(25);
        }

        throw new Xunit.Sdk.XunitException("The expected log line was not written.");
    }

    /// <summary>The production host with the gallery's thresholds set through the host's settings (Scarlet:Recognition:Gallery:*).</summary>
    private sealed class TunedHost(float match, float duplicate) : HostFixture
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Scarlet:Recognition:Gallery:MatchThreshold", match.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Scarlet:Recognition:Gallery:DuplicateThreshold", duplicate.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
