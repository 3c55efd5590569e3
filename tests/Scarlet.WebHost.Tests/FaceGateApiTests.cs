using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scarlet.Testing;

namespace Scarlet.WebHost.Tests;

[Collection("host")]
public sealed class FaceGateApiTests(HostFixture host)
{
    [Fact]
    public async Task Painted_faces_behind_a_person_produce_no_detections()
    {
        // biden2.jpg: Biden (box from x = 427) in front of a painted landscape that YuNet takes for two faces at x = 0
        // (scores 0.71 and 0.62, below the face gate's 0.72): only Biden may come back, whatever his status.
        using var anon = await host.KeyClientAsync("device");
        var image = Convert.ToBase64String(File.ReadAllBytes(TestAssets.Data("faces/face_recognition/biden/biden2.jpg")));
        using var frame = await anon.PostAsJsonAsync("/process-frame", new { frame_b64 = image, camera_id = "gate-1" });
        Assert.Equal(HttpStatusCode.OK, frame.StatusCode);
        var detections = (await frame.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detections").EnumerateArray().ToList();
        var biden = Assert.Single(detections);
        Assert.InRange(biden.GetProperty("bbox")[0].GetSingle(), 400f, 460f);
        Assert.InRange(biden.GetProperty("confidence").GetSingle(), 0.3f, 1f);
    }
}
