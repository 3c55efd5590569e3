using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Scarlet.Retail;
using Scarlet.Retail.Storage;
using Scarlet.Testing;

namespace Scarlet.WebHost.Tests;

/// <summary>One headless Debian chromium (<c>apt-get install chromium</c>) for all the dashboard's page tests.</summary>
public sealed class DashboardBrowser : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (scripts/setup.sh --test).");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

/// <summary>
/// The dashboard in a real browser, a test per page: each does the page's main action in the page and checks the result
/// through the API, saves a screenshot of the page under <c>artifacts/screenshots/</c>, and checks that the page asked
/// nothing of another origin and broke no Content Security Policy rule.
/// </summary>
[Collection("live")]
public sealed class DashboardBrowserTests(LiveHostFixture host, DashboardBrowser browser) : IClassFixture<DashboardBrowser>
{
    private static readonly string Shots = Path.Combine(TestAssets.RepoRoot, "artifacts", "screenshots");

    private sealed record Session(IPage Page, List<string> External, List<string> ConsoleErrors) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Assert.Empty(External);
            Assert.DoesNotContain(ConsoleErrors, e => e.Contains("Content Security Policy", StringComparison.Ordinal));
            await Page.Context.CloseAsync();
        }
    }

    private string BaseUrl => host.BaseAddress.ToString().TrimEnd('/');

    private async Task<Session> OpenAsync(string user = HostFixture.AdminUser, string password = HostFixture.AdminPassword, string page = "live")
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 }, AcceptDownloads = true });
        var p = await context.NewPageAsync();
        var external = new List<string>();
        var ws = BaseUrl.Replace("http", "ws", StringComparison.Ordinal);
        p.Request += (_, r) =>
        {
            if (!r.Url.StartsWith(BaseUrl, StringComparison.Ordinal) && !r.Url.StartsWith(ws, StringComparison.Ordinal) && !r.Url.StartsWith("data:", StringComparison.Ordinal) && !r.Url.StartsWith("blob:", StringComparison.Ordinal))
            {
                external.Add(r.Url);
            }
        };
        var errors = new List<string>();
        p.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                errors.Add(m.Text);
            }
        };
        p.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await p.GotoAsync($"{BaseUrl}/#{page}");
        Assert.False(await p.IsVisibleAsync("#app-view"));
        await p.FillAsync("#username", user);
        await p.FillAsync("#password", password);
        await p.ClickAsync("#login-button");
        await p.WaitForSelectorAsync("#app-view:not([hidden])");
        await p.WaitForSelectorAsync($"#page-{page}:not([hidden])");
        return new Session(p, external, errors);
    }

    private static async Task ShotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Shots);
        var path = Path.Combine(Shots, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 10_000);
    }

    private static Task WaitAsync(IPage page, string js, int timeoutMs = 30_000) =>
        page.WaitForFunctionAsync(js, null, new PageWaitForFunctionOptions { Timeout = timeoutMs });

    private static async Task<string> RegisterAsync(HttpClient admin, string person, string name)
    {
        var r = await admin.PostAsJsonAsync("/register", new { name, face_image_b64 = Photos.Base64(Photos.Lfw(person, 0)) });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        return (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("customer_id").GetString()!;
    }

    [Fact]
    public async Task Live_shows_every_camera_one_count_of_people_and_detections_in_words()
    {
        using var admin = await host.AdminClientAsync();
        await RegisterAsync(admin, "Bode_Miller", "Bode Miller");
        await using var s = await OpenAsync();
        var page = s.Page;

        // The grid has a tile per camera of the API, and its streams show frames.
        var cameras = await admin.GetFromJsonAsync<JsonElement>("/cameras");
        await WaitAsync(page, $"() => document.querySelectorAll('#camera-grid .tile').length === {cameras.GetArrayLength()}");
        await WaitAsync(page, "() => document.querySelector('#camera-grid img').naturalWidth > 0", 60_000);

        // A recognised face comes to the feed in words: who, where, status; no raw status or score.
        using var device = await host.KeyClientAsync("device");
        var frame = await device.PostAsJsonAsync("/process-frame", new { frame_b64 = Photos.Base64(Photos.Lfw("Bode_Miller", 1)), camera_id = "till-2" });
        Assert.Equal(HttpStatusCode.OK, frame.StatusCode);
        var line = page.Locator("#detections li", new PageLocatorOptions { HasText = "Bode Miller, recognised at till-2" });
        await line.First.WaitForAsync();
        Assert.DoesNotMatch(@"MATCHED|\(0\.\d+\)", await line.First.TextContentAsync() ?? string.Empty);

        // One count of people present: the number shown is the one the API answered the page (it refreshes every 2 s,
        // and the demo video's people come and go, so the page's own response is the one to compare with).
        var response = await page.RunAndWaitForResponseAsync(() => Task.CompletedTask, r => r.Url.Contains("/api/analytics/active-persons", StringComparison.Ordinal), new PageRunAndWaitForResponseOptions { Timeout = 10_000 });
        var present = (await response.JsonAsync())!.Value.GetProperty("present").GetArrayLength();
        await WaitAsync(page, $"() => document.getElementById('present-count').textContent === '{present}' && document.querySelectorAll('#present tr').length === {Math.Min(present, 50)}", 1_500);
        await ShotAsync(page, "live");

        // Click a camera: it alone, its stream running, the tracking socket advancing the frame index.
        await page.ClickAsync("#camera-grid .tile");
        await page.WaitForSelectorAsync("#single-card:not([hidden])");
        await WaitAsync(page, "() => document.getElementById('live').naturalWidth > 0", 60_000);
        await WaitAsync(page, "() => /^\\d+$/.test(document.getElementById('frame-index').textContent)");
        var first = long.Parse(await page.TextContentAsync("#frame-index") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        await WaitAsync(page, $"() => Number(document.getElementById('frame-index').textContent) > {first}");
        await ShotAsync(page, "live-camera");
    }

    [Fact]
    public async Task Customers_register_search_detail_export_and_erase()
    {
        await using var s = await OpenAsync(page: "customers");
        var page = s.Page;

        // Register from an LFW photo through the file input; the registration is real (their other photo is recognised).
        await page.FillAsync("#reg-name", "Amelia Vega");
        await page.FillAsync("#reg-email", "amelia@example.com");
        await page.SetInputFilesAsync("#reg-photo", Photos.Lfw("Amelia_Vega", 0));
        await page.ClickAsync("#register-button");
        await WaitAsync(page, "() => document.getElementById('register-result').textContent.startsWith('Registered')");
        var id = (await page.TextContentAsync("#register-result"))!.Split(' ')[1];
        using var device = await host.KeyClientAsync("device");
        var rec = await (await device.PostAsJsonAsync("/recognize", new { face_image_b64 = Photos.Base64(Photos.Lfw("Amelia_Vega", 1)) })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(rec.GetProperty("tracked_objects").EnumerateArray(), o => o.GetProperty("name").GetString() == "Amelia Vega");

        // A purchase made at a till shows in the detail, with the loyalty it drives.
        using var admin = await host.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/customers/{id}/purchases", new { product_id = "sku-coffee", quantity = 2, amount = 31.5m })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await device.PostAsJsonAsync("/process-frame", new { frame_b64 = Photos.Base64(Photos.Lfw("Amelia_Vega", 1)), camera_id = "till-7" })).StatusCode);

        // The frame's detection is stored by the event pipeline, a moment after the answer.
        for (var i = 0; i < 50 && (await admin.GetFromJsonAsync<JsonElement>($"/api/detections?customer_id={id}")).GetProperty("total").GetInt32() == 0; i++)
        {
            await Task.Delay(100);
        }

        // Search, open the detail.
        await page.FillAsync("#customer-search", "amelia");
        await page.ClickAsync("#customer-search-button");
        await WaitAsync(page, "() => document.getElementById('customer-page').textContent === '1-1 of 1'");
        Assert.All(await page.Locator("#customers tr").AllTextContentsAsync(), t => Assert.Contains("Amelia", t, StringComparison.Ordinal));
        await page.ClickAsync($"#customers tr[data-customer-id='{id}']");
        await page.Locator("#cd-purchases tr", new PageLocatorOptions { HasText = "sku-coffee" }).WaitForAsync();
        await page.Locator("#cd-detections tr", new PageLocatorOptions { HasText = "till-7" }).Filter(new LocatorFilterOptions { HasText = "recognised" }).WaitForAsync();
        var facts = await page.TextContentAsync("#cd-facts") ?? string.Empty;
        Assert.Contains("31.50", facts, StringComparison.Ordinal);
        Assert.Contains(id, facts, StringComparison.Ordinal);
        await ShotAsync(page, "customers");

        // Export: the download is the API's export of this customer.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#cd-export"));
        var exported = JsonDocument.Parse(await File.ReadAllTextAsync(await download.PathAsync()));
        Assert.Contains(id, exported.RootElement.GetRawText(), StringComparison.Ordinal);
        Assert.Contains("sku-coffee", exported.RootElement.GetRawText(), StringComparison.Ordinal);

        // Erase, after the confirmation: gone from the API and the page.
        await page.ClickAsync("#cd-erase");
        await page.WaitForSelectorAsync("#customer-detail", new PageWaitForSelectorOptions { State = WaitForSelectorState.Hidden });
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/customer/{id}")).StatusCode);
        await page.Locator($"#customers tr[data-customer-id='{id}']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
    }

    [Fact]
    public async Task Promotions_create_and_delete()
    {
        await using var s = await OpenAsync(page: "promotions");
        var page = s.Page;
        await page.FillAsync("#promo-title", "Gold week in the bakery");
        await page.FillAsync("#promo-discount", "15%");
        await page.SelectOptionAsync("#promo-tier", "gold");
        await page.FillAsync("#promo-days", "7");
        await page.FillAsync("#promo-zones", "bakery, entrance");
        await page.ClickAsync("#promo-create");
        var row = page.Locator("#promo-list tr", new PageLocatorOptions { HasText = "Gold week in the bakery" });
        await row.WaitForAsync();
        await ShotAsync(page, "promotions");

        using var admin = await host.AdminClientAsync();
        var listed = (await admin.GetFromJsonAsync<JsonElement>("/api/promotions")).EnumerateArray().Single(p => p.GetProperty("title").GetString() == "Gold week in the bakery");
        Assert.Equal("gold", listed.GetProperty("target_loyalty_status").GetString());
        Assert.Equal(["bakery", "entrance"], listed.GetProperty("zones").EnumerateArray().Select(z => z.GetString()));
        Assert.InRange(listed.GetProperty("valid_to").GetDateTimeOffset() - DateTimeOffset.UtcNow, TimeSpan.FromDays(6.9), TimeSpan.FromDays(7.1));

        await row.Locator("button", new LocatorLocatorOptions { HasText = "Delete" }).ClickAsync();
        await row.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
        Assert.DoesNotContain((await admin.GetFromJsonAsync<JsonElement>("/api/promotions")).EnumerateArray(), p => p.GetProperty("id").GetString() == listed.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Promotions_edit_prefilled_and_switch_off_and_on()
    {
        using var admin = await host.AdminClientAsync();
        string id;
        DateTimeOffset validTo;
        using (var created = await admin.PostAsJsonAsync("/promotions", new { title = "Silver Sunday", discount = "5%", target_loyalty_status = "silver", zones = new[] { "dairy" }, priority = 3, validity = "10 days" }))
        {
            var body = await created.Content.ReadFromJsonAsync<JsonElement>();
            (id, validTo) = (body.GetProperty("id").GetString()!, body.GetProperty("valid_to").GetDateTimeOffset());
        }

        await using var s = await OpenAsync(page: "promotions");
        var page = s.Page;
        var row = page.Locator($"#promo-list tr[data-promotion-id='{id}']");
        await row.Locator("button", new LocatorLocatorOptions { HasText = "Edit" }).ClickAsync();

        // The form holds the promotion as stored.
        Assert.Equal("Silver Sunday", await page.InputValueAsync("#promo-title"));
        Assert.Equal("5%", await page.InputValueAsync("#promo-discount"));
        Assert.Equal("silver", await page.InputValueAsync("#promo-tier"));
        Assert.Equal("dairy", await page.InputValueAsync("#promo-zones"));
        Assert.Equal("3", await page.InputValueAsync("#promo-priority"));
        Assert.Equal("Save", (await page.TextContentAsync("#promo-create"))?.Trim());

        await page.FillAsync("#promo-title", "Gold Sunday");
        await page.FillAsync("#promo-discount", "12%");
        await page.SelectOptionAsync("#promo-tier", "gold");
        await page.FillAsync("#promo-start", "09:00");
        await page.FillAsync("#promo-end", "13:30");
        await ShotAsync(page, "promotions-edit");
        await page.ClickAsync("#promo-create");
        await row.Locator("td", new LocatorLocatorOptions { HasText = "Gold Sunday" }).WaitForAsync();

        var edited = await admin.GetFromJsonAsync<JsonElement>($"/api/promotions/{id}");
        Assert.Equal("Gold Sunday", edited.GetProperty("title").GetString());
        Assert.Equal("12%", edited.GetProperty("discount").GetString());
        Assert.Equal("gold", edited.GetProperty("target_loyalty_status").GetString());
        Assert.Equal(3, edited.GetProperty("priority").GetInt32());
        Assert.Equal("dairy", Assert.Single(edited.GetProperty("zones").EnumerateArray()).GetString());
        var window = Assert.Single(edited.GetProperty("time_windows").EnumerateArray());
        Assert.Equal(("09:00", "13:30"), (window.GetProperty("start").GetString(), window.GetProperty("end").GetString()));
        Assert.True(edited.GetProperty("enabled").GetBoolean());
        Assert.Equal(validTo.ToUnixTimeMilliseconds(), edited.GetProperty("valid_to").GetDateTimeOffset().ToUnixTimeMilliseconds());

        // Off and on again from the list.
        await row.Locator("button", new LocatorLocatorOptions { HasText = "Disable" }).ClickAsync();
        await row.Locator("td", new LocatorLocatorOptions { HasText = "off" }).WaitForAsync();
        Assert.False((await admin.GetFromJsonAsync<JsonElement>($"/api/promotions/{id}")).GetProperty("enabled").GetBoolean());
        await row.Locator("button", new LocatorLocatorOptions { HasText = "Enable" }).ClickAsync();
        await row.Locator("td", new LocatorLocatorOptions { HasText = "active" }).WaitForAsync();
        Assert.True((await admin.GetFromJsonAsync<JsonElement>($"/api/promotions/{id}")).GetProperty("enabled").GetBoolean());
        (await admin.DeleteAsync($"/api/promotions/{id}")).Dispose();
    }

    [Fact]
    public async Task Cameras_add_a_file_pause_and_remove()
    {
        await using var s = await OpenAsync(page: "cameras");
        var page = s.Page;
        await page.FillAsync("#cam-name", "Browser aisle");
        await page.FillAsync("#cam-source", TestAssets.VtestVideo);
        await page.FillAsync("#cam-zone", "aisle-3");
        await page.ClickAsync("#cam-add");
        await WaitAsync(page, "() => document.getElementById('cam-result').textContent.startsWith('Added')");
        var id = (await page.TextContentAsync("#cam-result"))!.Split(' ')[1];
        var row = page.Locator($"#camera-list tr[data-camera-id='{id}']");
        await row.WaitForAsync();

        using var admin = await host.AdminClientAsync();
        var cam = await admin.GetFromJsonAsync<JsonElement>($"/api/cameras/{id}");
        Assert.Equal("aisle-3", cam.GetProperty("zone").GetString());
        foreach (var health in new[] { "fps", "frames_captured", "frames_dropped" })
        {
            Assert.True(cam.TryGetProperty(health, out _), health);
        }

        // Pause from the page once it runs; the API says paused.
        await row.Locator("button", new LocatorLocatorOptions { HasText = "pause" }).ClickAsync();
        await page.Locator($"#camera-list tr[data-camera-id='{id}']", new PageLocatorOptions { HasText = "paused" }).WaitForAsync();
        Assert.Equal("paused", (await admin.GetFromJsonAsync<JsonElement>($"/api/cameras/{id}")).GetProperty("status").GetString());

        // Its health in the row: reconnects as the API counts them, and the last frame's age once a frame arrived.
        Assert.Equal(["Reconnects", "Last frame"], (await page.Locator("#page-cameras thead th").AllTextContentsAsync()).Skip(7).Take(2));
        await WaitAsync(page, $"() => {{ const r = document.querySelector(\"#camera-list tr[data-camera-id='{id}']\"); return r && /^\\d+\\.\\d s$/.test(r.children[8].textContent); }}");
        var cells = await row.Locator("td").AllTextContentsAsync();
        var shown = (await admin.GetFromJsonAsync<JsonElement>($"/api/cameras/{id}")).GetProperty("health");
        Assert.Equal(shown.GetProperty("reconnects").GetInt64().ToString(CultureInfo.InvariantCulture), cells[7]);
        Assert.InRange(double.Parse(cells[8][..^2], CultureInfo.InvariantCulture), 0, 30);
        Assert.Equal(JsonValueKind.Number, shown.GetProperty("last_frame_age_seconds").ValueKind);
        await ShotAsync(page, "cameras");

        await page.Locator($"#camera-list tr[data-camera-id='{id}'] button", new PageLocatorOptions { HasText = "remove" }).ClickAsync();
        await page.Locator($"#camera-list tr[data-camera-id='{id}']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/cameras/{id}")).StatusCode);
    }

    [Fact]
    public async Task Alerts_filter_by_level_and_acknowledge()
    {
        // Two alerts as the alert engine stores them (zone rules are issue 16's).
        var store = host.Services.GetRequiredService<IAlertStore>();
        var critical = new Alert { Id = Guid.NewGuid().ToString("N"), OrganizationId = "default", Level = AlertLevel.Critical, Kind = AlertKind.OccupancyExceeded, Zone = "stockroom", Message = "Browser test: too many people in the stockroom", RaisedAt = DateTimeOffset.UtcNow };
        var info = critical with { Id = Guid.NewGuid().ToString("N"), Level = AlertLevel.Info, Kind = AlertKind.DwellExceeded, Message = "Browser test: a long stay at the tills" };
        await store.AddAsync(critical);
        await store.AddAsync(info);

        await using var s = await OpenAsync(page: "alerts");
        var page = s.Page;
        await page.Locator($"#alert-list tr[data-alert-id='{info.Id}']").WaitForAsync();
        await page.SelectOptionAsync("#alert-level", "critical");
        await page.Locator($"#alert-list tr[data-alert-id='{info.Id}']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
        Assert.All(await page.Locator("#alert-list tr td:nth-child(2)").AllTextContentsAsync(), l => Assert.Equal("critical", l));
        var row = page.Locator($"#alert-list tr[data-alert-id='{critical.Id}']");
        await ShotAsync(page, "alerts");
        await row.Locator("button", new LocatorLocatorOptions { HasText = "Acknowledge" }).ClickAsync();
        await page.Locator($"#alert-list tr[data-alert-id='{critical.Id}']", new PageLocatorOptions { HasText = HostFixture.AdminUser }).WaitForAsync();

        using var admin = await host.AdminClientAsync();
        var acked = (await admin.GetFromJsonAsync<JsonElement>("/api/alerts?limit=1000")).EnumerateArray().Single(a => a.GetProperty("id").GetString() == critical.Id);
        Assert.Equal(HostFixture.AdminUser, acked.GetProperty("acknowledged_by").GetString());
        Assert.DoesNotContain((await admin.GetFromJsonAsync<JsonElement>("/api/alerts?active_only=true&limit=1000")).EnumerateArray(), a => a.GetProperty("id").GetString() == critical.Id);
    }

    [Fact]
    public async Task Analytics_charts_show_the_api_numbers_on_hover()
    {
        // Two finished visits as the visit tracker stores them (the demo video's may still be open), one returning.
        var visitStore = host.Services.GetRequiredService<IVisitStore>();
        var now = DateTimeOffset.UtcNow;
        string occupancyDay;
        DateTimeOffset tenOClock;
        foreach (var (days, returning) in new[] { (1, false), (3, true) })
        {
            await visitStore.AddAsync(new Visit { Id = Guid.NewGuid().ToString("N"), OrganizationId = "default", StoreId = "default", PersonId = "browser-" + Guid.NewGuid().ToString("N"), EntryAt = now.AddDays(-days), ExitAt = now.AddDays(-days).AddMinutes(12), IsReturning = returning });
        }

        // Occupancy of a past store day (yesterday in the store's time zone: no camera adds to it any more): two
        // overlapping visits from 10:00 of that day.
        using (var early = await host.AdminClientAsync())
        {
            var today = DateOnly.ParseExact((await early.GetFromJsonAsync<JsonElement>("/api/analytics/visits/occupancy")).GetProperty("date").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            occupancyDay = today.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var dayStart = (await early.GetFromJsonAsync<JsonElement>($"/api/analytics/visits/occupancy?date={occupancyDay}")).GetProperty("from").GetDateTimeOffset();
            tenOClock = dayStart.AddHours(10);
            foreach (var (enter, leave) in new[] { (600, 630), (615, 680) })
            {
                await visitStore.AddAsync(new Visit { Id = Guid.NewGuid().ToString("N"), OrganizationId = "default", StoreId = "default", PersonId = "browser-" + Guid.NewGuid().ToString("N"), EntryAt = dayStart.AddMinutes(enter), ExitAt = dayStart.AddMinutes(leave) });
            }
        }

        // Three visitors' attributes as the aggregates hold them (two hours ago, one camera).
        await host.Services.GetRequiredService<IAttributeStatisticsStore>().AddAsync("default", new AttributeObservation(now.AddHours(-2), "browser-cam", "entrance", "female", "31-50", "happy"), 3);

        await using var s = await OpenAsync(page: "analytics");
        var page = s.Page;
        await page.SelectOptionAsync("#an-granularity", "day");
        await WaitAsync(page, "() => window.Chart && Chart.getChart('chart-visits') && Chart.getChart('chart-visits').data.labels.length >= 30");

        // The visit series are the API's buckets over the same 30 days.
        using var admin = await host.AdminClientAsync();
        var from = await page.EvaluateAsync<string>("() => new Date(Date.now() - 30 * 86400e3).toISOString()");
        var api = await admin.GetFromJsonAsync<JsonElement>($"/api/analytics/visits?granularity=day&from={Uri.EscapeDataString(from)}");
        var visits = await page.EvaluateAsync<int[]>("() => Chart.getChart('chart-visits').data.datasets[0].data");
        var apiVisits = api.GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("visits").GetInt32());
        Assert.InRange(visits.Sum(), 2, apiVisits);
        Assert.InRange(visits.Length, 30, 31); // every day of the 30, the empty ones too
        var returningShown = await page.EvaluateAsync<int[]>("() => Chart.getChart('chart-visits').data.datasets[2].data");
        Assert.True(returningShown.Sum() >= 1);

        // Recognition outcomes: one number per status, the API's count (detections only grow meanwhile).
        await page.Locator("#an-outcomes tr").Nth(3).WaitForAsync();
        foreach (var status in new[] { "MATCHED", "NEW_FACE", "MULTIPLE_MATCHES", "UNKNOWN" })
        {
            var shown = int.Parse(await page.Locator($"#an-outcomes tr[data-status='{status}'] td:nth-child(2)").TextContentAsync() ?? "-1", System.Globalization.CultureInfo.InvariantCulture);
            var total = (await admin.GetFromJsonAsync<JsonElement>($"/api/detections?limit=1&status={status}")).GetProperty("total").GetInt32();
            Assert.InRange(shown, 0, total);
        }

        // Gender, age and emotion: the statistics endpoints' counts, every value a bar.
        await WaitAsync(page, "() => Chart.getChart('chart-gender') && Chart.getChart('chart-age') && Chart.getChart('chart-emotion')");
        foreach (var (kind, canvas) in new[] { ("gender", "chart-gender"), ("age", "chart-age"), ("emotion", "chart-emotion") })
        {
            var stats = await admin.GetFromJsonAsync<JsonElement>($"/api/client/statistics/{kind}/");
            var labels = await page.EvaluateAsync<string[]>($"() => Chart.getChart('{canvas}').data.labels");
            var shown = await page.EvaluateAsync<long[]>($"() => Chart.getChart('{canvas}').data.datasets[0].data");
            Assert.Equal(stats.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("value").GetString()), labels);
            Assert.Equal(stats.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("count").GetInt64()), shown);
            Assert.True(shown.Sum() >= 3, $"{kind}: {string.Join(",", shown)}");
        }

        // Numbers on hover: the pointer over the chart opens its tooltip.
        var box = (await page.Locator("#chart-visits").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + (box.Width * 0.9f), box.Y + (box.Height / 2));
        await WaitAsync(page, "() => Chart.getChart('chart-visits').tooltip.getActiveElements().length === 3");
        await ShotAsync(page, "analytics");

        // Occupancy over the day: the page's today first, then the day picked; mean and peak per hour are the route's.
        await WaitAsync(page, "() => Chart.getChart('chart-occupancy') && document.getElementById('an-occ-date').value !== ''");
        await page.FillAsync("#an-occ-date", occupancyDay);
        await WaitAsync(page, $"() => document.getElementById('an-occ-summary').textContent.startsWith('{occupancyDay}')");
        var occupancy = (await admin.GetFromJsonAsync<JsonElement>($"/api/analytics/visits/occupancy?date={occupancyDay}&interval_minutes=60")).GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(occupancy.Select(p => p.GetProperty("average").GetDouble()), await page.EvaluateAsync<double[]>("() => Chart.getChart('chart-occupancy').data.datasets[0].data"));
        Assert.Equal(occupancy.Select(p => p.GetProperty("peak").GetInt32()), await page.EvaluateAsync<int[]>("() => Chart.getChart('chart-occupancy').data.datasets[1].data"));
        Assert.Equal(occupancy.Count, await page.EvaluateAsync<int>("() => Chart.getChart('chart-occupancy').data.labels.length"));
        Assert.InRange(occupancy.Count, 23, 25); // one point per hour of the store day (23 or 25 on a clock change)
        var ten = occupancy.Single(p => p.GetProperty("period_start").GetDateTimeOffset() == tenOClock);
        Assert.True(ten.GetProperty("peak").GetInt32() >= 2, ten.ToString()); // the two visits overlap from 10:15
        Assert.True(ten.GetProperty("average").GetDouble() >= 1.25, ten.ToString()); // 30 + 45 person-minutes in the hour

        // Numbers on hover: mean and peak of the hour under the pointer.
        var occupancyChart = page.Locator("#chart-occupancy");
        var occupancyBox = (await occupancyChart.BoundingBoxAsync())!;
        await occupancyChart.HoverAsync(new LocatorHoverOptions { Position = new Position { X = occupancyBox.Width * 0.45f, Y = occupancyBox.Height / 2 } }); // scrolled into view first
        await WaitAsync(page, "() => Chart.getChart('chart-occupancy').tooltip.getActiveElements().length === 2");
        await ShotAsync(page, "analytics-occupancy");
    }

    [Fact]
    public async Task Settings_users_keys_and_audit_then_a_viewer_sees_read_only_pages()
    {
        using var admin = await host.AdminClientAsync();
        await RegisterAsync(admin, "Brad_Garrett", "Brad Garrett");
        var session = await OpenAsync(page: "settings");
        var page = session.Page;

        // A new viewer.
        await page.FillAsync("#user-name", "browser-viewer");
        await page.FillAsync("#user-password", "viewer-password-123");
        await page.SelectOptionAsync("#user-role", "viewer");
        await page.ClickAsync("#user-create");
        await page.Locator("#users tr[data-username='browser-viewer']").WaitForAsync();
        Assert.Contains((await admin.GetFromJsonAsync<JsonElement>("/admin/users")).EnumerateArray(), u => u.GetProperty("username").GetString() == "browser-viewer" && u.GetProperty("role").GetString() == "viewer");

        // API keys: created with a scope, shown once, works; "Done" removes it from the page; revoking stops it at once.
        await page.FillAsync("#key-name", "browser till");
        await page.CheckAsync("input[name='key-scope'][value='device']");
        await page.ClickAsync("#key-create");
        await page.WaitForSelectorAsync("#new-key-box:not([hidden])");
        var key = await page.TextContentAsync("#new-key") ?? string.Empty;
        Assert.StartsWith("sck_", key, StringComparison.Ordinal);
        var keyRow = page.Locator("#keys tr", new PageLocatorOptions { HasText = "browser till" });
        await keyRow.WaitForAsync();
        Assert.DoesNotContain(key, await page.TextContentAsync("#keys") ?? string.Empty, StringComparison.Ordinal);
        using var till = host.CreateClient();
        till.DefaultRequestHeaders.Add("X-Api-Key", key);
        var photo = new { face_image_b64 = Photos.Base64(Photos.Lfw("Boris_Becker", 0)) };
        Assert.Equal(HttpStatusCode.OK, (await till.PostAsJsonAsync("/recognize", photo)).StatusCode);
        await page.ClickAsync("#new-key-done");
        Assert.DoesNotContain(key, await page.ContentAsync(), StringComparison.Ordinal);
        await keyRow.Locator("button", new LocatorLocatorOptions { HasText = "Revoke" }).ClickAsync();
        await page.Locator("#keys tr", new PageLocatorOptions { HasText = "revoked" }).Filter(new LocatorFilterOptions { HasText = "browser till" }).WaitForAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await till.PostAsJsonAsync("/recognize", photo)).StatusCode);

        // The audit log: this admin's entries, paged; the key's creation and revocation are there.
        await page.FillAsync("#audit-principal", HostFixture.AdminUser);
        await page.ClickAsync("#audit-search");
        await page.Locator("#audit tr", new PageLocatorOptions { HasText = "key.revoked" }).First.WaitForAsync();
        Assert.Contains("key.created", await page.TextContentAsync("#audit") ?? string.Empty, StringComparison.Ordinal);
        Assert.Matches(@"^1-\d+ of \d+$", await page.TextContentAsync("#audit-page") ?? string.Empty);
        await page.FillAsync("#audit-principal", "nobody-at-all");
        await page.ClickAsync("#audit-search");
        await WaitAsync(page, "() => document.getElementById('audit-page').textContent === 'no entries'");
        await page.FillAsync("#audit-principal", HostFixture.AdminUser);
        await page.ClickAsync("#audit-search");
        await page.Locator("#audit tr").First.WaitForAsync();
        await ShotAsync(page, "settings");

        // Log-out forgets: nothing of the session stays in the page, and nothing comes back later.
        await page.ClickAsync("#logout");
        await page.WaitForSelectorAsync("#login-view:not([hidden])");
        Assert.False(await page.IsVisibleAsync("#app-view"));
        Assert.Equal(string.Empty, await page.InputValueAsync("#password"));
        await page.WaitForTimeoutAsync(3_000);
        var html = await page.ContentAsync();
        Assert.DoesNotContain("browser till", html, StringComparison.Ordinal);
        Assert.DoesNotContain("browser-viewer", html, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#customers tr, #present tr, #detections li, #keys tr, #audit tr, #users tr, #camera-grid .tile, #alert-list tr").CountAsync());
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('scarlet.token')"));
        await session.DisposeAsync();

        // The viewer: read-only pages (no change, no export), no settings.
        await using var viewer = await OpenAsync("browser-viewer", "viewer-password-123", "customers");
        page = viewer.Page;
        await page.Locator("#customers tr").First.WaitForAsync();
        Assert.False(await page.IsVisibleAsync("#register-form"));
        Assert.False(await page.IsVisibleAsync("#nav-settings"));
        await page.Locator("#customers tr").First.ClickAsync();
        await page.WaitForSelectorAsync("#customer-detail:not([hidden])");
        Assert.False(await page.IsVisibleAsync("#cd-export"));
        Assert.False(await page.IsVisibleAsync("#cd-erase"));
        await ShotAsync(page, "viewer-customers");
        foreach (var (hash, form) in new[] { ("promotions", "#promo-form"), ("cameras", "#camera-form") })
        {
            await page.GotoAsync($"{BaseUrl}/#{hash}");
            await page.WaitForSelectorAsync($"#page-{hash}:not([hidden])");
            Assert.False(await page.IsVisibleAsync(form));
        }

        await page.Locator("#camera-list tr").First.WaitForAsync();
        Assert.Equal(0, await page.Locator("#camera-list button").CountAsync());
    }
}
