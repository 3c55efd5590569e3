using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Scarlet.WebHost.Tests;

/// <summary>The tracking-data export: streamed by pages, RFC 4180 CSV that round-trips hostile text, formulas defused.</summary>
[Collection("host")]
public sealed class ExportTests(HostFixture host)
{
    [Fact]
    public async Task A_camera_id_with_commas_quotes_line_breaks_and_a_formula_round_trips_through_the_csv()
    {
        // Device-chosen text: a spreadsheet would run the leading '=' as a formula, the rest breaks naive CSV.
        const string cameraId = "=HYPERLINK(\"x\"), till \"7\"\nsecond line";
        using var admin = await host.AdminClientAsync();
        using var device = await host.KeyClientAsync(admin, "device");
        using (var frame = await device.PostAsJsonAsync("/process-frame", new { frame_b64 = Photos.Base64(Photos.Lfw("Colin_Powell", 0)), camera_id = cameraId }))
        {
            Assert.Equal(HttpStatusCode.OK, frame.StatusCode);
        }

        // Detections reach the store through the event pipeline, after the response: wait until this one is there.
        var stored = DateTime.UtcNow.AddSeconds(30);
        while (!(await admin.GetStringAsync("/api/detections?camera_id=" + Uri.EscapeDataString(cameraId))).Contains("\"camera_id\"", StringComparison.Ordinal) && DateTime.UtcNow < stored)
        {
            await Task.Delay(100);
        }

        using var start = await admin.PostAsJsonAsync("/api/export/tracking-data", new { format = "csv", camera_id = cameraId });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var id = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string? status;
        do
        {
            await Task.Delay(100);
            status = (await admin.GetFromJsonAsync<JsonElement>($"/api/export/jobs/{id}/status")).GetProperty("status").GetString();
        }
        while (status == "running" && DateTime.UtcNow < deadline);
        Assert.Equal("completed", status);

        var bytes = await admin.GetByteArrayAsync($"/api/export/jobs/{id}/download");
        var text = Encoding.UTF8.GetString(bytes);
        Assert.StartsWith("id,timestamp,camera_id,status,customer_id,visitor_id,confidence,x1,y1,x2,y2\r\n", text, StringComparison.Ordinal);

        using var reader = CsvHelper.CsvReader.Create(bytes);
        var rows = 0;
        while (reader.Read())
        {
            rows++;
            Assert.Equal("'" + cameraId, reader.GetString("camera_id")); // the formula prefix is escaped, the rest intact
            Assert.True(float.Parse(reader.GetString("confidence"), System.Globalization.CultureInfo.InvariantCulture) >= 0);
            Assert.True(DateTimeOffset.TryParse(reader.GetString("timestamp"), System.Globalization.CultureInfo.InvariantCulture, out _));
        }

        Assert.True(rows >= 1, text);
    }
}
