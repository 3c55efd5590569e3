using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Scarlet.Testing;

namespace Scarlet.WebHost.Tests;

/// <summary>
/// The dashboard in a real browser: Debian's chromium (<c>apt-get install chromium</c>) driven by Playwright, headless.
/// Logs in, registers a customer from an LFW photo, watches the live view update, saves a screenshot, creates an API key
/// (shown once), revokes it, reads the audit log, and logs out: the page then holds nothing of the session.
/// </summary>
[Collection("live")]
public sealed class DashboardBrowserTests(LiveHostFixture host)
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Admin_logs_in_registers_a_customer_and_sees_the_live_view()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (apt-get install -y --no-install-recommends chromium).");
        var baseUrl = host.BaseAddress.ToString().TrimEnd('/');
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var external = new List<string>();
        page.Request += (_, r) =>
        {
            if (!r.Url.StartsWith(baseUrl, StringComparison.Ordinal) && !r.Url.StartsWith(baseUrl.Replace("http", "ws", StringComparison.Ordinal), StringComparison.Ordinal) && !r.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                external.Add(r.Url);
            }
        };
        var consoleErrors = new List<string>();
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                consoleErrors.Add(m.Text);
            }
        };

        await page.GotoAsync(baseUrl + "/");

        // Before log-in only the log-in card shows (the hidden attribute is not overridden by a display rule).
        Assert.False(await page.IsVisibleAsync("#app-view"));
        Assert.False(await page.IsVisibleAsync("#logout"));
        await page.FillAsync("#username", HostFixture.AdminUser);
        await page.FillAsync("#password", HostFixture.AdminPassword);
        await page.ClickAsync("#login-button");
        await page.WaitForSelectorAsync("#app-view:not([hidden])");

        // Live view: the MJPEG image shows frames and the tracking socket advances the frame index.
        await page.WaitForFunctionAsync("() => document.getElementById('live').naturalWidth > 0", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        await page.WaitForFunctionAsync("() => /^\\d+$/.test(document.getElementById('frame-index').textContent)", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        var firstFrame = long.Parse(await page.TextContentAsync("#frame-index") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        await page.WaitForFunctionAsync($"() => Number(document.getElementById('frame-index').textContent) > {firstFrame}", null, new PageWaitForFunctionOptions { Timeout = 30_000 });

        // Register a customer from an LFW photo through the file input.
        await page.FillAsync("#reg-name", "Amelia Vega");
        await page.FillAsync("#reg-email", "amelia@example.com");
        await page.SetInputFilesAsync("#reg-photo", Photos.Lfw("Amelia_Vega", 0));
        await page.ClickAsync("#register-button");
        await page.WaitForFunctionAsync("() => document.getElementById('register-result').textContent.startsWith('Registered')", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        await page.WaitForSelectorAsync("#customers td:text('Amelia Vega')");

        var shots = Path.Combine(TestAssets.RepoRoot, "artifacts", "screenshots");
        Directory.CreateDirectory(shots);
        var shot = Path.Combine(shots, "dashboard.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
        Assert.True(new FileInfo(shot).Length > 10_000);

        // The registration is real: the customer exists and their other photo is recognised.
        using var client = await host.KeyClientAsync("device");
        var rec = await (await client.PostAsJsonAsync("/recognize", new { face_image_b64 = Photos.Base64(Photos.Lfw("Amelia_Vega", 1)) })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(rec.GetProperty("tracked_objects").EnumerateArray(), o => o.GetProperty("name").GetString() == "Amelia Vega");

        // API keys: create one with a scope; the key is shown once and works; "Done" removes it from the page; the list
        // never shows it; revoking it stops it at once.
        Assert.True(await page.IsVisibleAsync("#keys-card"));
        await page.FillAsync("#key-name", "browser till");
        await page.CheckAsync("input[name='key-scope'][value='device']");
        await page.ClickAsync("#key-create");
        await page.WaitForSelectorAsync("#new-key-box:not([hidden])");
        var key = await page.TextContentAsync("#new-key") ?? string.Empty;
        Assert.StartsWith("sck_", key, StringComparison.Ordinal);
        var keyRow = page.Locator("#keys tr", new PageLocatorOptions { HasText = "browser till" });
        await keyRow.WaitForAsync();
        Assert.Contains("device", await keyRow.TextContentAsync() ?? string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain(key, await page.TextContentAsync("#keys") ?? string.Empty, StringComparison.Ordinal);
        using var till = host.CreateClient();
        till.DefaultRequestHeaders.Add("X-Api-Key", key);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await till.PostAsJsonAsync("/recognize", new { face_image_b64 = Photos.Base64(Photos.Lfw("Amelia_Vega", 1)) })).StatusCode);
        await page.ClickAsync("#new-key-done");
        Assert.DoesNotContain(key, await page.ContentAsync(), StringComparison.Ordinal);
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await keyRow.Locator("button", new LocatorLocatorOptions { HasText = "Revoke" }).ClickAsync();
        await page.Locator("#keys tr", new PageLocatorOptions { HasText = "revoked" }).Filter(new LocatorFilterOptions { HasText = "browser till" }).WaitForAsync();
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await till.PostAsJsonAsync("/recognize", new { face_image_b64 = Photos.Base64(Photos.Lfw("Amelia_Vega", 1)) })).StatusCode);

        // The audit page: this admin's entries, newest first, paged; the key's creation and revocation are there.
        Assert.True(await page.IsVisibleAsync("#audit-card"));
        await page.FillAsync("#audit-principal", HostFixture.AdminUser);
        await page.ClickAsync("#audit-search");
        await page.Locator("#audit tr", new PageLocatorOptions { HasText = "key.revoked" }).First.WaitForAsync();
        Assert.Contains("key.created", await page.TextContentAsync("#audit") ?? string.Empty, StringComparison.Ordinal);
        Assert.Matches(@"^1-\d+ of \d+$", await page.TextContentAsync("#audit-page") ?? string.Empty);
        await page.FillAsync("#audit-principal", "nobody-at-all");
        await page.ClickAsync("#audit-search");
        await page.WaitForFunctionAsync("() => document.getElementById('audit-page').textContent === 'no entries'");
        Assert.Equal(0, await page.Locator("#audit tr").CountAsync());
        await page.FillAsync("#audit-principal", HostFixture.AdminUser);
        await page.ClickAsync("#audit-search");
        await page.Locator("#audit tr").First.WaitForAsync();

        // Log-out forgets: no customer name or e-mail in the DOM, no password in its field, the live view gone, and
        // nothing comes back later (timers, sockets and late responses of the session are stopped or dropped).
        Assert.Contains("Amelia Vega", await page.ContentAsync(), StringComparison.Ordinal);
        await page.ClickAsync("#logout");
        await page.WaitForSelectorAsync("#login-view:not([hidden])");
        Assert.False(await page.IsVisibleAsync("#app-view"));
        Assert.Equal(string.Empty, await page.InputValueAsync("#password"));
        Assert.Null(await page.GetAttributeAsync("#live", "src"));
        await page.WaitForTimeoutAsync(3_000);
        var html = await page.ContentAsync();
        Assert.DoesNotContain("Amelia Vega", html, StringComparison.Ordinal);
        Assert.DoesNotContain("amelia@example.com", html, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#customers tr, #present tr, #detections li, #promotions li, #keys tr, #audit tr").CountAsync());
        Assert.DoesNotContain("browser till", html, StringComparison.Ordinal);
        Assert.False(await page.IsVisibleAsync("#keys-card"));
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('scarlet.token')"));
        Assert.Empty(external);
        Assert.DoesNotContain(consoleErrors, e => e.Contains("Content Security Policy", StringComparison.Ordinal));
    }
}
