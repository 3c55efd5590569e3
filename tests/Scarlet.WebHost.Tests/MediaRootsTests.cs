using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Scarlet.Testing;

namespace Scarlet.WebHost.Tests;

/// <summary>Camera sources: rtsp/http(s) URLs, or files and folders under the media roots; anything else is 400.</summary>
[Collection("host")]
public sealed class MediaRootsTests(HostFixture host)
{
    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("/etc")]
    [InlineData("file:///etc/passwd")]
    [InlineData("ftp://example.com/cam")]
    [InlineData("rtmp://example.com/live")]
    [InlineData("v4l2:///dev/video0")]
    [InlineData("rtsp:///nohost")]
    public async Task Sources_outside_the_roots_or_with_other_schemes_are_400(string source)
    {
        using var admin = await host.AdminClientAsync();
        using var res = await admin.PostAsJsonAsync("/api/cameras", new { id = "bad-src", source, start = false });
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.False(string.IsNullOrEmpty((await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task A_path_that_climbs_out_of_a_root_is_400_and_urls_and_files_under_the_roots_are_accepted()
    {
        using var admin = await host.AdminClientAsync();
        var climbing = Path.Combine(Path.GetDirectoryName(TestAssets.VtestVideo)!, "..", "..", "..", "..", "etc", "hostname");
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/cameras", new { id = "climb", source = climbing, start = false })).StatusCode);

        foreach (var (id, source) in new[] { ("url-cam", "rtsp://camera.example/stream1"), ("file-cam", TestAssets.VtestVideo) })
        {
            using var res = await admin.PostAsJsonAsync("/api/cameras", new { id, source, start = false });
            Assert.Equal(HttpStatusCode.Created, res.StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/cameras/{id}")).StatusCode);
        }
    }
}

/// <summary>Configured media roots replace the defaults.</summary>
public sealed class ConfiguredMediaRootsTests
{
    [Fact]
    public async Task Only_the_configured_roots_are_accepted()
    {
        var root = Directory.CreateTempSubdirectory("scarlet-media-").FullName;
        try
        {
            var frames = Directory.CreateDirectory(Path.Combine(root, "frames")).FullName;
            using var parent = new HostFixture();
            using var factory = parent.WithWebHostBuilder(b => b.UseSetting("Scarlet:Media:Roots:0", root));
            using var admin = factory.CreateClient();
            admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(admin, HostFixture.AdminUser, HostFixture.AdminPassword));
            Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/cameras", new { id = "demo-file", source = TestAssets.VtestVideo, start = false })).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/cameras", new { id = "folder", source = frames, start = false })).StatusCode);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
