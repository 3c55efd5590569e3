using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Scarlet.Testing;
using Xunit;

namespace Scarlet.WebHost.Tests;

/// <summary>The host with a small upload limit (3 MB) for the video upload tests, and a 3-second clip of PETS09 vtest.avi cut by ffmpeg (<see cref="CutClip"/>, into a temp folder of its own).</summary>
public sealed class VideoHostFixture : HostFixture
{
    public const long MaxBytes = 3_000_000;

    /// <summary>The LFW person shown in the clip (photos 3 to 6; photos 0 to 2 are for enrolling).</summary>
    public const string Customer = "Tony_Blair";

    /// <summary>
    /// Gets the clip: the first 3 s (30 frames, 768x576, 10 fps) of vtest.avi with photos of <see cref="Customer"/> moving
    /// over the scene (as the demo faces camera builds it), as H.264 MP4 with the index at the end (as cameras write it).
    /// </summary>
    public string Clip { get; } = CutClip();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Scarlet:Videos:MaxBytes", MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (Directory.Exists(Path.GetDirectoryName(Clip)))
        {
            Directory.Delete(Path.GetDirectoryName(Clip)!, recursive: true);
        }
    }

    public static string CutClip()
    {
        var folder = Path.Combine(Path.GetTempPath(), "scarlet-video-tests-" + Guid.NewGuid().ToString("N"));
        var frames = Path.Combine(folder, "frames");
        Directory.CreateDirectory(frames);
        using (var capture = new OpenCvSharp.VideoCapture(TestAssets.VtestVideo))
        using (var frame = new OpenCvSharp.Mat())
        {
            for (var i = 0; i < 30 && capture.Read(frame); i++)
            {
                using var photo = OpenCvSharp.Cv2.ImRead(Photos.Lfw(Customer, 3 + (i / 8)));
                var side = frame.Height * 2 / 5;
                using (var target = new OpenCvSharp.Mat(frame, new OpenCvSharp.Rect(60 + (i * 8), frame.Height / 8, side, side)))
                {
                    OpenCvSharp.Cv2.Resize(photo, target, new OpenCvSharp.Size(side, side), 0, 0, OpenCvSharp.InterpolationFlags.Area);
                }

                OpenCvSharp.Cv2.ImWrite(Path.Combine(frames, $"{i:D3}.png"), frame);
            }
        }

        var clip = Path.Combine(folder, "clip.mp4");
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-hide_banner", "-loglevel", "error", "-y", "-framerate", "10", "-i", Path.Combine(frames, "%03d.png"), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", clip })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "ffmpeg (scripts/setup.sh installs it): " + err);
        Directory.Delete(frames, recursive: true);
        return clip;
    }
}

/// <summary>
/// <c>/api/videos</c> black-box: a real clip uploaded, analysed on the camera pipeline (progress, tracks, an alert from a
/// zone rule of the camera named in the form), the overlay video read back by ffprobe; limits, bad files, auth, organisations.
/// </summary>
public sealed class VideoUploadTests(VideoHostFixture host) : IClassFixture<VideoHostFixture>
{
    [Fact]
    public async Task An_uploaded_clip_is_analysed_into_tracks_alerts_visits_and_an_h264_overlay_video()
    {
        using var admin = await host.AdminClientAsync();

        // A camera whose zone (the whole frame) and occupancy rule (more than 1 person) apply to the upload.
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/cameras", new { id = "upload-cam", source = TestAssets.VtestVideo, start = false })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/api/cameras/upload-cam/zones", new StringContent("""{"zones":[{"name":"floor","kind":"aisle","points":[[0,0],[1,0],[1,1],[0,1]]}]}""", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/alert-rules", new { id = "upload-busy", kind = "zone_occupancy", camera_id = "upload-cam", zone = "floor", threshold = 1, level = "warning", cooldown_seconds = 3600 })).StatusCode);

        // The customer whose face walks through the clip, enrolled from three other photos.
        using var reg = await admin.PostAsJsonAsync("/register", new
        {
            name = "Video Customer",
            face_image_b64 = Photos.Base64(Photos.Lfw(VideoHostFixture.Customer, 0)),
            face_images_b64 = new[] { Photos.Base64(Photos.Lfw(VideoHostFixture.Customer, 1)), Photos.Base64(Photos.Lfw(VideoHostFixture.Customer, 2)) },
        });
        Assert.Equal(HttpStatusCode.OK, reg.StatusCode);
        var customer = (await reg.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("customer_id").GetString();

        var job = await UploadAsync(admin, File.ReadAllBytes(host.Clip), "clip.mp4", "upload-cam");
        Assert.True(job.Status == HttpStatusCode.Accepted, $"{job.Status} {job.Body}");
        var id = job.Body.GetProperty("job_id").GetString()!;
        Assert.Equal(30, job.Body.GetProperty("progress").GetProperty("frames_total").GetInt64());

        // Progress until done: frames done never go back, and end at the clip's 30.
        var last = -1L;
        JsonElement status;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            await Task.Delay(250);
            status = await admin.GetFromJsonAsync<JsonElement>($"/api/videos/{id}");
            var done = status.GetProperty("progress").GetProperty("frames_done").GetInt64();
            Assert.True(done >= last, $"progress went back from {last} to {done}");
            last = done;
        }
        while (status.GetProperty("status").GetString() is "queued" or "running" && DateTime.UtcNow < deadline);
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.Equal(30, status.GetProperty("progress").GetProperty("frames_done").GetInt64());

        var results = await admin.GetFromJsonAsync<JsonElement>($"/api/videos/{id}/results");
        Assert.Equal(30, results.GetProperty("frames").GetInt64());
        Assert.Equal(3.0, results.GetProperty("duration_seconds").GetDouble(), 3);

        // The first 3 s of vtest.avi show several walkers: tracks with time spans inside the clip.
        var tracks = results.GetProperty("tracks").EnumerateArray().ToList();
        Assert.True(tracks.Count >= 3, $"{tracks.Count} tracks");
        Assert.All(tracks, t =>
        {
            var first = t.GetProperty("first_seen_seconds").GetDouble();
            var lastSeen = t.GetProperty("last_seen_seconds").GetDouble();
            Assert.InRange(first, 0, 3);
            Assert.InRange(lastSeen, first, 3);
            Assert.StartsWith("person-", t.GetProperty("person_id").GetString(), StringComparison.Ordinal);
        });
        Assert.Contains(tracks, t => t.GetProperty("last_seen_seconds").GetDouble() - t.GetProperty("first_seen_seconds").GetDouble() > 2);

        // The camera's rule fired on the clip (several people on the floor), once in its cool-down; not in the store's alerts.
        var alerts = results.GetProperty("alerts").EnumerateArray().ToList();
        Assert.Single(alerts);
        Assert.Equal(("upload-busy", "floor", "upload-cam"), (alerts[0].GetProperty("rule_id").GetString(), alerts[0].GetProperty("zone").GetString(), alerts[0].GetProperty("camera_id").GetString()));
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/api/alerts?camera_id=upload-cam")).GetArrayLength());

        var visits = results.GetProperty("visits");
        Assert.InRange(visits.GetProperty("people").GetInt32(), 1, tracks.Count);
        Assert.InRange(visits.GetProperty("max_dwell_seconds").GetDouble(), 2, 3);

        // The enrolled customer is identified on a track by its face vote over the organisation's gallery.
        var identified = results.GetProperty("identifications").EnumerateArray().Select(i => i.GetProperty("customer_id").GetString()).ToList();
        Assert.Contains(customer, identified);
        Assert.Contains(tracks, t => t.GetProperty("customer_id").GetString() == customer && t.GetProperty("identity_status").GetString() == "known");
        Assert.True(visits.GetProperty("identified").GetInt32() >= 1);

        // The overlay video: H.264 MP4 a browser plays, every frame of the clip.
        using var video = await admin.GetAsync($"/api/videos/{id}/video");
        Assert.Equal(HttpStatusCode.OK, video.StatusCode);
        Assert.Equal("video/mp4", video.Content.Headers.ContentType!.MediaType);
        var path = Path.Combine(Path.GetDirectoryName(host.Clip)!, id + ".mp4");
        await File.WriteAllBytesAsync(path, await video.Content.ReadAsByteArrayAsync());
        Assert.Equal("h264,768,576,yuv420p,30", Ffprobe.VideoStream(path));

        // Erasing the customer takes them out of the stored results and deletes the overlay video that names them.
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/customers/{customer}")).StatusCode);
        var redacted = results;
        for (var i = 0; i < 100 && (redacted = await admin.GetFromJsonAsync<JsonElement>($"/api/videos/{id}/results")).ToString().Contains(customer!, StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }

        Assert.DoesNotContain(customer!, redacted.ToString(), StringComparison.Ordinal);
        Assert.Equal(tracks.Count, redacted.GetProperty("tracks").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/videos/{id}/video")).StatusCode);
        using (var db = new Scarlet.Retail.Storage.Sqlite.SqliteDatabase(host.DatabasePath))
        {
            var row = Assert.Single(await new Scarlet.Retail.Storage.Sql.SqlVideoJobStore(db).ListAsync(), r => r.Id == id);
            Assert.DoesNotContain(customer!, row.Results, StringComparison.Ordinal);
        }

        // Listed, then deleted with its files.
        Assert.Contains((await admin.GetFromJsonAsync<JsonElement>("/api/videos")).EnumerateArray(), j => j.GetProperty("job_id").GetString() == id);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/videos/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/videos/{id}")).StatusCode);
        Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(host.DatabasePath)!, "videos", id)));
    }

    [Fact]
    public async Task Too_big_not_a_video_truncated_and_malformed_uploads_are_refused_with_a_detail()
    {
        using var admin = await host.AdminClientAsync();
        var clip = File.ReadAllBytes(host.Clip);

        // Too big: declared (Content-Length) and streamed without a length (chunked): 413 either way.
        var big = new byte[VideoHostFixture.MaxBytes + 1];
        clip.CopyTo(big, 0);
        var declared = await UploadAsync(admin, big, "big.mp4");
        Assert.True(declared.Status == HttpStatusCode.RequestEntityTooLarge, $"{declared.Status} {declared.Body}");
        Assert.False(string.IsNullOrEmpty(declared.Body.GetProperty("detail").GetString()));
        var chunked = await UploadAsync(admin, big, "big.mp4", chunked: true);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.Status);
        Assert.Contains("larger than", chunked.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Not a video, whatever its name says; a JPEG is not one either.
        foreach (var (bytes, name) in new[] { (Encoding.UTF8.GetBytes(new string('x', 5000)), "notes.mp4"), (File.ReadAllBytes(Photos.Lfw("Colin_Powell", 0)), "face.avi") })
        {
            var r = await UploadAsync(admin, bytes, name);
            Assert.Equal(HttpStatusCode.BadRequest, r.Status);
            Assert.Contains("not a video", r.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // Truncated: the MP4's index (at its end) is cut off: nothing decodes.
        var truncated = await UploadAsync(admin, clip[..(clip.Length / 2)], "cut.mp4");
        Assert.Equal(HttpStatusCode.BadRequest, truncated.Status);
        Assert.Contains("decodes", truncated.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A truncated AVI (no index, the stream cut after about 20 frames) is analysed as far as it decodes: never a crash or a hang.
        var avi = await UploadAsync(admin, File.ReadAllBytes(TestAssets.VtestVideo)[..200_000], "cut.avi");
        Assert.True(avi.Status == HttpStatusCode.Accepted, $"{avi.Status} {avi.Body}");
        var aviId = avi.Body.GetProperty("job_id").GetString()!;
        var aviStatus = await WaitForEndAsync(admin, aviId);
        Assert.True(aviStatus.GetProperty("status").GetString() == "completed", aviStatus.ToString());
        Assert.InRange(aviStatus.GetProperty("progress").GetProperty("frames_done").GetInt64(), 1, 794); // fewer than the 795 its header announces
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/videos/{aviId}")).StatusCode);

        // No file part; not multipart at all; a camera of nobody.
        using (var form = new MultipartFormDataContent { { new StringContent("x"), "camera_id" } })
        {
            using var r = await admin.PostAsync("/api/videos", form);
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        }

        using (var r = await admin.PostAsJsonAsync("/api/videos", new { file = "x" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.Contains("multipart", (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await UploadAsync(admin, clip, "clip.mp4", "no-such-camera")).Status);

        // Nothing refused is left behind in the work folder.
        var work = Path.Combine(Path.GetDirectoryName(host.DatabasePath)!, "videos");
        var jobs = (await admin.GetFromJsonAsync<JsonElement>("/api/videos")).EnumerateArray().Select(j => j.GetProperty("job_id").GetString()).ToHashSet();
        Assert.All(Directory.GetDirectories(work), d => Assert.Contains(Path.GetFileName(d), jobs));
    }

    [Fact]
    public async Task Uploads_need_an_operator_and_another_organisations_job_is_not_found()
    {
        using (var anonymous = host.CreateClient())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await UploadAsync(anonymous, File.ReadAllBytes(host.Clip), "clip.mp4")).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/videos")).StatusCode);
        }

        using var admin = await host.AdminClientAsync();
        using (var display = await host.KeyClientAsync(admin, "display"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await UploadAsync(display, File.ReadAllBytes(host.Clip), "clip.mp4")).Status);
        }

        var job = await UploadAsync(admin, File.ReadAllBytes(host.Clip), "clip.mp4");
        Assert.True(job.Status == HttpStatusCode.Accepted, $"{job.Status} {job.Body}");
        var id = job.Body.GetProperty("job_id").GetString()!;

        var org = "videos-b-" + Guid.NewGuid().ToString("N")[..8];
        const string password = "another-correct-horse-battery";
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/organizations", new { id = org, name = "Store " + org, admin = new { username = org + "-admin", password, full_name = "B Admin" } })).StatusCode);
        using var b = host.CreateClient();
        b.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await HostFixture.LoginAsync(b, org + "-admin", password));
        foreach (var path in new[] { $"/api/videos/{id}", $"/api/videos/{id}/results", $"/api/videos/{id}/video" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync(path)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await b.DeleteAsync($"/api/videos/{id}")).StatusCode);
        Assert.Empty((await b.GetFromJsonAsync<JsonElement>("/api/videos")).EnumerateArray());

        // The owner cancels it (running or not): gone, and its results were never half-served.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/videos/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/videos/{id}/results")).StatusCode);
    }

    /// <summary>Polls a job until it is no longer queued or running (at most a minute).</summary>
    internal static async Task<JsonElement> WaitForEndAsync(HttpClient client, string id)
    {
        JsonElement status;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            await Task.Delay(250);
            status = await client.GetFromJsonAsync<JsonElement>($"/api/videos/{id}");
        }
        while (status.GetProperty("status").GetString() is "queued" or "running" && DateTime.UtcNow < deadline);
        return status;
    }

    internal static async Task<(HttpStatusCode Status, JsonElement Body)> UploadAsync(HttpClient client, byte[] bytes, string fileName, string? cameraId = null, bool chunked = false)
    {
        using var form = new MultipartFormDataContent();
        HttpContent file = chunked ? new StreamContent(new UnknownLengthStream(bytes)) : new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        if (cameraId is not null)
        {
            form.Add(new StringContent(cameraId), "camera_id");
        }

        if (chunked)
        {
            form.Headers.ContentLength = null;
        }

        using var res = await client.PostAsync("/api/videos", form);
        var text = await res.Content.ReadAsStringAsync();
        return (res.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    /// <summary>A stream that does not say its length, so the request goes out chunked (no Content-Length to refuse up front).</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
