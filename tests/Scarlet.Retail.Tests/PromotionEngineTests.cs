using System.Text.Json;
using Scarlet.Retail.Events;
using Scarlet.Retail.Tests.Support;

namespace Scarlet.Retail.Tests;

public sealed class PromotionEngineTests
{
    private static readonly DateTimeOffset T = RetailHarness.Start; // Monday 09:00 UTC

    private static PromotionDraft Draft(string title, LoyaltyStatus? target = null, int priority = 0) => new()
    {
        Title = title,
        Discount = "10%",
        ValidFrom = T.AddDays(-1),
        ValidTo = T.AddDays(7),
        TargetLoyaltyStatus = target,
        Priority = priority,
    };

    [Fact]
    public async Task GetPromotionsFor_filters_by_tier_zone_window_validity_and_orders_by_priority()
    {
        await using var h = new RetailHarness(o => o.StoreTimeZone = "Europe/Paris");
        var org = await h.OrgAsync();
        var ada = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada" });
        var p = h.Promotions;
        var all = await p.CreateAsync(org, Draft("all", priority: 1));
        var bronze = await p.CreateAsync(org, Draft("bronze", LoyaltyStatus.Bronze, priority: 1));
        await p.CreateAsync(org, Draft("gold", LoyaltyStatus.Gold, priority: 9));
        var top = await p.CreateAsync(org, Draft("top", priority: 5));
        var dairy = await p.CreateAsync(org, Draft("dairy") with { Zones = ["dairy"] });
        h.Time.Advance(TimeSpan.FromSeconds(1)); // same priority and end: the older one first
        // 09:00 UTC is 10:00 in Paris: inside 09:30-11:00, outside 06:00-10:00.
        var morning = await p.CreateAsync(org, Draft("morning") with { TimeWindows = [new(new TimeOnly(9, 30), new TimeOnly(11, 0))] });
        await p.CreateAsync(org, Draft("early") with { TimeWindows = [new(new TimeOnly(6, 0), new TimeOnly(10, 0))] });
        await p.CreateAsync(org, Draft("expired") with { ValidFrom = T.AddDays(-9), ValidTo = T.AddDays(-2) });

        var inDairy = await p.GetPromotionsForAsync(org, ada.Id, "dairy", T);
        Assert.Equal(new[] { top.Id, bronze.Id, all.Id, dairy.Id, morning.Id }, inDairy.Select(x => x.Id));
        var nowhere = await p.GetPromotionsForAsync(org, ada.Id, null, T);
        Assert.DoesNotContain(nowhere, x => x.Title == "dairy");
        Assert.Equal(4, nowhere.Count);
        await Assert.ThrowsAsync<RetailNotFoundException>(() => p.GetPromotionsForAsync(org, "nobody", null, T));
        var otherOrg = await h.OrgAsync("org-b");
        await Assert.ThrowsAsync<RetailNotFoundException>(() => p.GetPromotionsForAsync(otherOrg, ada.Id, null, T));
    }

    [Fact]
    public async Task Frequency_cap_limits_impressions_per_customer_per_period()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        var ada = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada" });
        var bea = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Bea" });
        await h.Promotions.CreateAsync(org, Draft("capped") with { MaxImpressionsPerCustomer = 2, FrequencyCapPeriod = TimeSpan.FromHours(1) });
        var shown = h.NextAsync<PromotionShownEvent>();
        Assert.Single(await h.Promotions.ShowAsync(org, ada.Id, null));
        Assert.Equal(ada.Id, (await shown).CustomerId);
        Assert.Single(await h.Promotions.ShowAsync(org, ada.Id, null));
        Assert.Empty(await h.Promotions.ShowAsync(org, ada.Id, null));
        Assert.Single(await h.Promotions.GetPromotionsForAsync(org, bea.Id));
        h.Time.Advance(TimeSpan.FromMinutes(61));
        Assert.Single(await h.Promotions.GetPromotionsForAsync(org, ada.Id));
    }

    [Fact]
    public async Task Create_validates_and_json_uses_the_seed_names_with_all_for_every_tier()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => h.Promotions.CreateAsync(org, Draft("x") with { ValidTo = T.AddDays(-5) }));
        await Assert.ThrowsAsync<ArgumentException>(() => h.Promotions.CreateAsync(org, Draft("x") with { MaxImpressionsPerCustomer = 0 }));
        await Assert.ThrowsAsync<ArgumentException>(() => h.Promotions.CreateAsync(org, Draft(" ")));
        var p = await h.Promotions.CreateAsync(org, Draft("Spring"));
        var json = JsonSerializer.Serialize(p, ScarletJson.Options);
        Assert.Contains("\"target_loyalty_status\":\"all\"", json, StringComparison.Ordinal);
        Assert.Contains("\"title\":\"Spring\"", json, StringComparison.Ordinal);
        var gold = JsonSerializer.Deserialize<Promotion>(json.Replace("\"all\"", "\"gold\"", StringComparison.Ordinal), ScarletJson.Options);
        Assert.Equal(LoyaltyStatus.Gold, gold!.TargetLoyaltyStatus);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Promotion>(json.Replace("\"all\"", "\"diamond\"", StringComparison.Ordinal), ScarletJson.Options));
    }
}
