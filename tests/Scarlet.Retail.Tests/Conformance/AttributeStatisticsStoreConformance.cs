namespace Scarlet.Retail.Tests.Conformance;

/// <summary>The face attribute aggregates: counters per hour, camera, zone and value; per-customer rows erased with the customer.</summary>
public abstract class AttributeStatisticsStoreConformance : StoreConformance
{
    [Fact]
    public async Task Counts_add_up_per_value_and_are_filtered_by_hour_camera_zone_and_organisation()
    {
        var a = S.Attributes;
        await a.AddAsync(OrgA, new AttributeObservation(T0.AddMinutes(5), "cam1", "entrance", "female", "19-30", "happy"));
        await a.AddAsync(OrgA, new AttributeObservation(T0.AddMinutes(50), "cam1", "entrance", "female", "31-50", null), 2);
        await a.AddAsync(OrgA, new AttributeObservation(T0.AddMinutes(70), "cam2", "", "male", null, "neutral"));
        await a.AddAsync(OrgB, new AttributeObservation(T0, "cam1", "entrance", "male", "51+", "sad"));

        var gender = await a.CountAsync(OrgA, AttributeKind.Gender, T0, T0.AddHours(2));
        Assert.Equal([new AttributeCount("female", 3), new AttributeCount("male", 1)], gender);

        // The hour of T0+5 min is counted from any time inside it; an end inside the second hour excludes it only when before its start.
        Assert.Equal([new AttributeCount("female", 3)], await a.CountAsync(OrgA, AttributeKind.Gender, T0.AddMinutes(30), T0.AddMinutes(59)));
        Assert.Equal([new AttributeCount("male", 1)], await a.CountAsync(OrgA, AttributeKind.Gender, T0.AddHours(1), T0.AddHours(3)));
        Assert.Equal([new AttributeCount("female", 3)], await a.CountAsync(OrgA, AttributeKind.Gender, T0, T0.AddHours(2), cameraId: "cam1"));
        Assert.Equal([new AttributeCount("male", 1)], await a.CountAsync(OrgA, AttributeKind.Gender, T0, T0.AddHours(2), zone: ""));
        Assert.Equal([new AttributeCount("19-30", 1), new AttributeCount("31-50", 2)], await a.CountAsync(OrgA, AttributeKind.AgeGroup, T0, T0.AddHours(2)));
        Assert.Equal([new AttributeCount("happy", 1), new AttributeCount("neutral", 1)], await a.CountAsync(OrgA, AttributeKind.Emotion, T0, T0.AddHours(2)));
        Assert.Equal([new AttributeCount("male", 1)], await a.CountAsync(OrgB, AttributeKind.Gender, T0, T0.AddHours(2)));
        Assert.Empty(await a.CountAsync(OrgA, AttributeKind.Gender, T0.AddDays(1), T0.AddDays(2)));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => a.AddAsync(OrgA, new AttributeObservation(T0, "cam1", "", "male", null, null), 0));
    }

    [Fact]
    public async Task Customer_attributes_are_kept_per_organisation_replaced_and_erased_with_the_customer()
    {
        var c = await S.Customers.AddAsync(NewCustomer(OrgA), []);
        await S.Attributes.SetCustomerAsync(OrgA, new CustomerAttributes(c.Id, "female", 34f, "happy", T0));
        await S.Attributes.SetCustomerAsync(OrgA, new CustomerAttributes(c.Id, "female", 36.5f, null, T0.AddHours(1)));
        Assert.Equal(new CustomerAttributes(c.Id, "female", 36.5f, null, T0.AddHours(1)), await S.Attributes.GetCustomerAsync(OrgA, c.Id));
        Assert.Null(await S.Attributes.GetCustomerAsync(OrgB, c.Id));
        await Assert.ThrowsAsync<RetailNotFoundException>(() => S.Attributes.SetCustomerAsync(OrgB, new CustomerAttributes(c.Id, "male", null, null, T0)));
        await Assert.ThrowsAsync<RetailNotFoundException>(() => S.Attributes.SetCustomerAsync(OrgA, new CustomerAttributes("nobody", "male", null, null, T0)));

        await S.Customers.EraseAsync(OrgA, c.Id, "admin", T0.AddDays(1));
        Assert.Null(await S.Attributes.GetCustomerAsync(OrgA, c.Id));
    }
}
