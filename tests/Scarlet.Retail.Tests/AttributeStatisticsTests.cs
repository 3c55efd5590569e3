using Microsoft.Extensions.Options;
using Scarlet.Recognition;
using Scarlet.Retail.Tests.Conformance;

namespace Scarlet.Retail.Tests;

/// <summary>
/// <see cref="AttributeStatistics"/>: every person counted into the aggregates (age groups, every value listed); the
/// estimate kept with a customer only when the option is on and the customer consented (not auto-registered).
/// </summary>
public sealed class AttributeStatisticsTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 10, 15, 0, TimeSpan.Zero);
    private StoreSet _s = null!;

    public async Task InitializeAsync()
    {
        _s = await SqliteStores.CreateAsync();
        await _s.Organizations.EnsureAsync("org", "org");
    }

    public Task DisposeAsync() => _s.Owner.DisposeAsync().AsTask();

    [Fact]
    public async Task People_are_counted_by_group_and_only_consenting_customers_keep_their_estimate()
    {
        var consented = await _s.Customers.AddAsync(new Customer { Id = "ada", OrganizationId = "org", Name = "Ada", Consent = new ConsentRecord("Ada", T0, "kiosk") }, []);
        var auto = await _s.Customers.AddAsync(new Customer { Id = "auto", OrganizationId = "org", Name = "Visitor", IsAutoRegistered = true, Consent = new ConsentRecord("operator", T0, "auto-register") }, []);
        var none = await _s.Customers.AddAsync(new Customer { Id = "bea", OrganizationId = "org", Name = "Bea" }, []);
        var on = new AttributeStatistics(_s.Attributes, _s.Customers, Options.Create(new RetailOptions { StoreCustomerAttributes = true }));
        var off = new AttributeStatistics(_s.Attributes, _s.Customers, Options.Create(new RetailOptions()));
        var woman = new FaceAttributes(34f, 30f, 39f, Gender.Female, 0.97f, Emotion.Happy, 0.8f);
        var man = new FaceAttributes(17f, 15f, 20f, Gender.Male, 0.9f, null, 0f);

        Assert.True(await on.RecordAsync("org", T0, "cam1", "entrance", woman, consented.Id));
        Assert.False(await on.RecordAsync("org", T0, "cam1", "entrance", man, auto.Id));
        Assert.False(await on.RecordAsync("org", T0, "cam1", null, man, none.Id));
        Assert.False(await off.RecordAsync("org", T0, "cam1", "entrance", woman, consented.Id));
        Assert.False(await on.RecordAsync("org", T0, "cam1", "entrance", woman with { Gender = Gender.Unknown, AgeYears = 64f }));

        Assert.Equal(new CustomerAttributes("ada", "female", 34f, "happy", T0), await on.GetCustomerAsync("org", "ada"));
        Assert.Null(await on.GetCustomerAsync("org", "auto"));
        Assert.Null(await on.GetCustomerAsync("org", "bea"));

        var (from, to) = (T0.AddHours(-1), T0.AddHours(1));
        Assert.Equal([("female", 2L), ("male", 2L), ("unknown", 1L)], (await on.GetAsync("org", AttributeKind.Gender, from, to)).Select(c => (c.Value, c.Count)));
        Assert.Equal([("0-18", 2L), ("19-30", 0L), ("31-50", 2L), ("51+", 1L)], (await on.GetAsync("org", AttributeKind.AgeGroup, from, to)).Select(c => (c.Value, c.Count)));
        var emotions = await on.GetAsync("org", AttributeKind.Emotion, from, to);
        Assert.Equal(7, emotions.Count);
        Assert.Equal(3, emotions.Single(e => e.Value == "happy").Count); // the two men's faces had emotion off
        Assert.Equal([("female", 2L), ("male", 1L), ("unknown", 1L)], (await on.GetAsync("org", AttributeKind.Gender, from, to, zone: "entrance")).Select(c => (c.Value, c.Count)));
    }
}
