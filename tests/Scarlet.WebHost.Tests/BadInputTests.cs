using System.Net;
using System.Text;
using System.Text.Json;
using Scarlet.Testing;

namespace Scarlet.WebHost.Tests;

/// <summary>Every endpoint refuses bad input with 400/404/413 and problem details (a <c>detail</c>), never 500.</summary>
[Collection("host")]
public sealed class BadInputTests(HostFixture host)
{
    private const string NotImage = "aGVsbG8gd29ybGQsIHRoaXMgaXMgbm90IGFuIGltYWdl"; // "hello world, this is not an image"
    private const string BadBase64 = "!!not*base64!!";

    public static TheoryData<string, string, string?, int> Cases => new()
    {
        // Gateway / admin
        { "POST", "/admin/login", "{bad json", 400 },
        { "POST", "/admin/login", "{}", 400 },
        { "POST", "/admin/login", """{"username":"admin","password":"wrong-password"}""", 401 },
        { "POST", "/admin/login", """{"username":"nobody","password":"wrong-password"}""", 401 },
        { "POST", "/admin/users", """{"username":"x"}""", 400 },
        { "POST", "/admin/users", """{"username":"bad name!","password":"long-enough-password"}""", 400 },
        { "POST", "/admin/users", """{"username":"shorty","password":"short"}""", 400 },
        { "POST", "/admin/users", """{"username":"admin","password":"long-enough-password"}""", 400 },
        { "POST", "/admin/users", "[1,2,3]", 400 },
        { "DELETE", "/admin/users/nobody", null, 404 },
        { "DELETE", "/admin/users/admin", null, 400 },
        { "GET", "/admin/logs?limit=0", null, 400 },
        { "GET", "/admin/logs?limit=abc", null, 400 },
        { "GET", "/logs?limit=100000", null, 400 },
        { "POST", "/register", "{}", 400 },
        { "POST", "/register", """{"name":"x"}""", 400 },
        { "POST", "/register", $$"""{"name":"x","face_image_b64":"{{BadBase64}}"}""", 400 },
        { "POST", "/register", $$"""{"name":"x","face_image_b64":"{{NotImage}}"}""", 400 },
        { "POST", "/register", """{"name":42}""", 400 },
        { "POST", "/register", "not json", 400 },
        { "POST", "/register", $$"""{"name":"x","face_image_b64":"{{NotImage}}","face_images_b64":[null]}""", 400 },
        { "GET", "/cameras/nope/stream", null, 404 },
        { "GET", "/cameras/nope/tracking", null, 404 },
        { "GET", "/cameras/nope/snapshot", null, 404 },
        { "GET", "/no/such/route", null, 404 },
        { "PUT", "/health", null, 405 },

        // Faces and edge
        { "POST", "/generate-embedding", "{}", 400 },
        { "POST", "/generate-embedding", $$"""{"face_image_b64":"{{NotImage}}"}""", 400 },
        { "POST", "/recognize", $$"""{"face_image_b64":"{{BadBase64}}"}""", 400 },
        { "POST", "/recognize", "null", 400 },
        { "POST", "/recognize", """{"face_image_b64":42}""", 400 },
        { "POST", "/recognize", """{"face_image_b64":["aGVsbG8="]}""", 400 },
        { "POST", "/recognize", """{"face_image_b64":"  "}""", 400 },
        { "GET", "/users/nobody/face", null, 404 },
        { "POST", "/process-frame", "{}", 400 },
        { "POST", "/process-frame", $$"""{"frame_b64":"{{NotImage}}"}""", 400 },
        { "POST", "/process-frame", $$"""{"frame_b64":"{{BadBase64}}","camera_id":"c1"}""", 400 },
        { "POST", "/process-frame", """{"frame_b64":"data:image/png;base64,iVBORw0KGgo="}""", 400 },

        // Identity tracker
        { "GET", "/persons/nobody", null, 404 },
        { "POST", "/track", "{}", 400 },
        { "POST", "/track", """{"camera_id":"c1","objects":[{"object_id":"p1","bbox":[1,2]}]}""", 400 },

        // Promotions
        { "POST", "/promotions", "{}", 400 },
        { "POST", "/promotions", """{"title":"t","target_loyalty_status":"diamond"}""", 400 },
        { "POST", "/promotions", """{"title":"t","validity":"whenever"}""", 400 },
        { "GET", "/promotions/nobody", null, 404 },

        // User service
        { "POST", "/auto-register", "{}", 400 },
        { "POST", "/auto-register", $$"""{"face_image_b64":"{{NotImage}}"}""", 400 },
        { "GET", "/customer/nobody", null, 404 },
        { "GET", "/customer/by-vector/abc", null, 400 },
        { "GET", "/customer/by-vector/-1", null, 400 },
        { "GET", "/customer/by-vector/987654321", null, 404 },

        // /api extras
        { "GET", "/api/customers?limit=-5", null, 400 },
        { "GET", "/api/customers?offset=-1", null, 400 },
        { "DELETE", "/api/customers/nobody", null, 404 },
        { "GET", "/api/customers/nobody/export", null, 404 },
        { "POST", "/api/customers/nobody/consent", "{}", 404 },
        { "POST", "/api/customers/nobody/purchases", """{"product_id":"sku-coffee","amount":5}""", 404 },
        { "POST", "/api/customers/nobody/purchases", "{}", 400 },
        { "GET", "/api/customers/nobody/purchases", null, 404 },
        { "POST", "/api/customers/nobody/merge", """{"into":"also-nobody"}""", 404 },
        { "POST", "/api/customers/nobody/merge", "{}", 400 },
        { "POST", "/api/customers/same/merge", """{"into":"same"}""", 400 },
        { "DELETE", "/api/promotions/nope", null, 404 },
        { "POST", "/api/cameras", "{}", 400 },
        { "POST", "/api/cameras", """{"id":"bad id!","source":"rtsp://x/y"}""", 400 },
        { "POST", "/api/cameras", """{"id":"c1","source":"ftp://x/y"}""", 400 },
        { "POST", "/api/cameras", """{"id":"c1","source":"/no/such/file.avi"}""", 400 },
        { "GET", "/api/cameras/nope", null, 404 },
        { "POST", "/api/cameras/nope/start", null, 404 },
        { "POST", "/api/cameras/nope/pause", null, 404 },
        { "POST", "/api/cameras/nope/stop", null, 404 },
        { "DELETE", "/api/cameras/nope", null, 404 },
        { "POST", "/api/processing-tasks/start", "{}", 400 },
        { "POST", "/api/processing-tasks/start", """{"camera_ids":["nope"]}""", 404 },
        { "GET", "/api/processing-tasks/nope", null, 404 },
        { "POST", "/api/processing-tasks/stop", """{"task_id":"nope"}""", 404 },
        { "GET", "/api/detections?status=MAYBE", null, 400 },
        { "GET", "/api/detections?limit=0", null, 400 },
        { "GET", "/api/detections?start_date=yesterday", null, 400 },
        { "GET", "/api/analytics/visits?granularity=fortnight", null, 400 },
        { "GET", "/api/analytics/visits?from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z", null, 400 },
        { "GET", "/api/alerts?limit=0", null, 400 },
        { "POST", "/api/alerts/nope/acknowledge", null, 404 },
        { "POST", "/api/export/tracking-data", """{"format":"xml"}""", 400 },
        { "POST", "/api/export/video-with-overlays", """{"camera_id":"nope"}""", 404 },
        { "POST", "/api/export/video-with-overlays", "{}", 400 },
        { "GET", "/api/export/jobs/nope/status", null, 404 },
        { "GET", "/api/export/jobs/nope/download", null, 404 },
        { "POST", "/api/webhooks", """{"url":"not a url","secret":"0123456789abcdef"}""", 400 },
        { "POST", "/api/webhooks", """{"url":"https://example.com/hook","secret":"short"}""", 400 },
        { "DELETE", "/api/webhooks/nope", null, 404 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_gets_a_detail_and_the_right_status(string method, string path, string? json, int expected)
    {
        using var client = await host.AdminClientAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == (int)response.StatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");

        // Problem details with a detail, nothing internal in it.
        ErrorShapeTests.AssertProblem(response, text, expected, $"{method} {path}: {text}");
    }

    [Fact]
    public async Task Oversized_body_is_413_and_wrong_media_type_is_415()
    {
        using var client = await host.KeyClientAsync("device");
        var big = new string('A', 31 * 1024 * 1024);
        using var content = new StringContent("{\"frame_b64\":\"" + big + "\"}", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/process-frame", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("detail", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var form = new StringContent("name=x", Encoding.UTF8, "application/x-www-form-urlencoded");
        using var wrongType = await client.PostAsync("/register", form);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        Assert.Contains("detail", await wrongType.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_image_above_the_pixel_limit_is_400()
    {
        // A PNG header claiming 100000 x 100000 pixels: refused from the header, before decoding.
        var png = Convert.FromHexString("89504E470D0A1A0A0000000D49484452000186A0000186A00802000000");
        using var client = await host.KeyClientAsync("device");
        using var content = new StringContent(JsonSerializer.Serialize(new { face_image_b64 = Convert.ToBase64String(png) }), Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/recognize", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Escaped_base64_in_json_is_read_as_the_text_it_stands_for()
    {
        // JSON may escape any character ('/' as "\/" by some encoders, letters as \uXXXX): the image field is unescaped
        // into its pooled buffer, not taken byte for byte.
        using var client = await host.KeyClientAsync("device");
        var base64 = Photos.Base64(Photos.Lfw("Adrien_Brody", 1));
        Assert.Contains("/", base64, StringComparison.Ordinal);
        var escaped = base64.Replace("/", "\\/", StringComparison.Ordinal).Replace("A", "\\u0041", StringComparison.Ordinal);
        using var content = new StringContent("{\"face_image_b64\":\"" + escaped + "\"}", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/generate-embedding", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var plain = await client.PostAsync("/generate-embedding", new StringContent(JsonSerializer.Serialize(new { face_image_b64 = base64 }), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal(await plain.Content.ReadAsStringAsync(), text);
    }

    [Fact]
    public async Task A_photo_without_a_face_is_400()
    {
        using var client = await host.KeyClientAsync("device");
        using var img = new OpenCvSharp.Mat(240, 320, OpenCvSharp.MatType.CV_8UC3, new OpenCvSharp.Scalar(40, 120, 200));
        OpenCvSharp.Cv2.ImEncode(".jpg", img, out var jpeg);
        using var content = new StringContent(JsonSerializer.Serialize(new { name = "Nobody", face_image_b64 = Convert.ToBase64String(jpeg) }), Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/register", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("face", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}
