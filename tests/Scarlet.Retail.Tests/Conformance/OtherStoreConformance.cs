namespace Scarlet.Retail.Tests.Conformance;

public abstract class PromotionStoreConformance : StoreConformance
{
    private static Promotion Promo(string org, string id, int priority = 0, DateTimeOffset? from = null, DateTimeOffset? to = null) => new()
    {
        Id = id,
        OrganizationId = org,
        Title = "T " + id,
        Discount = "10%",
        ValidFrom = from ?? T0,
        ValidTo = to ?? T0.AddDays(7),
        Priority = priority,
        TargetLoyaltyStatus = LoyaltyStatus.Gold,
        Zones = ["dairy", "bakery"],
        TimeWindows = [new(new TimeOnly(8, 0), new TimeOnly(12, 30))],
        MaxImpressionsPerCustomer = 2,
        FrequencyCapPeriod = TimeSpan.FromHours(6),
        CreatedAt = T0,
    };

    [Fact]
    public async Task Round_trips_and_lists_valid_by_priority()
    {
        await S.Promotions.AddAsync(Promo(OrgA, "low", 1));
        await S.Promotions.AddAsync(Promo(OrgA, "high", 9));
        await S.Promotions.AddAsync(Promo(OrgA, "future", 5, T0.AddDays(1)));
        await S.Promotions.AddAsync(Promo(OrgA, "past", 5, T0.AddDays(-3), T0));
        var got = await S.Promotions.GetAsync(OrgA, "low");
        Assert.NotNull(got);
        Assert.Equal(Promo(OrgA, "low", 1) with { Zones = got.Zones, TimeWindows = got.TimeWindows }, got);
        Assert.Equal(new[] { "dairy", "bakery" }, got.Zones);
        Assert.Equal(new DailyTimeWindow(new TimeOnly(8, 0), new TimeOnly(12, 30)), Assert.Single(got.TimeWindows));
        Assert.Equal(new[] { "high", "low" }, (await S.Promotions.ListValidAsync(OrgA, T0)).Select(p => p.Id));
    }

    [Fact]
    public async Task Impressions_are_counted_per_customer_since_a_time_and_isolated()
    {
        await S.Promotions.AddAsync(Promo(OrgA, "p"));
        await S.Promotions.RecordImpressionAsync(OrgA, new PromotionImpression("p", "c1", "dairy", T0));
        await S.Promotions.RecordImpressionAsync(OrgA, new PromotionImpression("p", "c1", "dairy", T0.AddHours(2)));
        await S.Promotions.RecordImpressionAsync(OrgA, new PromotionImpression("p", "c2", null, T0.AddHours(2)));
        Assert.Equal(2, await S.Promotions.CountImpressionsAsync(OrgA, "p", "c1", T0));
        Assert.Equal(1, await S.Promotions.CountImpressionsAsync(OrgA, "p", "c1", T0.AddHours(1)));
        Assert.Equal(0, await S.Promotions.CountImpressionsAsync(OrgB, "p", "c1", T0));
        await Assert.ThrowsAsync<RetailNotFoundException>(() => S.Promotions.RecordImpressionAsync(OrgB, new PromotionImpression("p", "c1", null, T0)));
    }

    [Fact]
    public async Task Updates_every_editable_field_and_a_disabled_one_is_never_valid()
    {
        await S.Promotions.AddAsync(Promo(OrgA, "p", 1));
        var edited = Promo(OrgA, "p", 7, T0.AddDays(-1), T0.AddDays(2)) with
        {
            Title = "Edited",
            Description = "d",
            Discount = "2 for 1",
            TargetLoyaltyStatus = null,
            Zones = ["entrance"],
            TimeWindows = [new(new TimeOnly(22, 0), new TimeOnly(2, 0))],
            MaxImpressionsPerCustomer = null,
            FrequencyCapPeriod = TimeSpan.FromDays(1),
            Enabled = false,
        };
        Assert.True(await S.Promotions.UpdateAsync(edited));
        var got = await S.Promotions.GetAsync(OrgA, "p");
        Assert.NotNull(got);
        Assert.Equal(edited with { Zones = got.Zones, TimeWindows = got.TimeWindows }, got);
        Assert.Equal(new[] { "entrance" }, got.Zones);
        Assert.Equal(edited.TimeWindows, got.TimeWindows);
        Assert.Empty(await S.Promotions.ListValidAsync(OrgA, T0));

        Assert.True(await S.Promotions.UpdateAsync(edited with { Enabled = true }));
        Assert.Equal("p", Assert.Single(await S.Promotions.ListValidAsync(OrgA, T0)).Id);
        Assert.False(await S.Promotions.UpdateAsync(edited with { OrganizationId = OrgB }));
        Assert.False(await S.Promotions.UpdateAsync(edited with { Id = "missing" }));
    }

    [Fact]
    public async Task Lists_with_activity_tier_and_zone_filters_and_pages()
    {
        await S.Promotions.AddAsync(Promo(OrgA, "gold-dairy", 9));
        await S.Promotions.AddAsync(Promo(OrgA, "all-anywhere", 8) with { TargetLoyaltyStatus = null, Zones = [] });
        await S.Promotions.AddAsync(Promo(OrgA, "silver-entrance", 7) with { TargetLoyaltyStatus = LoyaltyStatus.Silver, Zones = ["entrance"] });
        await S.Promotions.AddAsync(Promo(OrgA, "off", 6) with { Enabled = false });
        await S.Promotions.AddAsync(Promo(OrgA, "expired", 5, T0.AddDays(-3), T0));
        await S.Promotions.AddAsync(Promo(OrgB, "other-org", 9));
        var all = new PromotionQuery { OrganizationId = OrgA, At = T0 };

        async Task<string[]> Ids(PromotionQuery q) => [.. (await S.Promotions.ListAsync(q)).Items.Select(p => p.Id)];

        Assert.Equal(["gold-dairy", "all-anywhere", "silver-entrance", "off", "expired"], await Ids(all));
        Assert.Equal(["gold-dairy", "all-anywhere", "silver-entrance"], await Ids(all with { Active = true }));
        Assert.Equal(["off", "expired"], await Ids(all with { Active = false }));
        Assert.Equal(["gold-dairy", "all-anywhere", "off", "expired"], await Ids(all with { Tier = LoyaltyStatus.Gold }));
        Assert.Equal(["all-anywhere", "silver-entrance"], await Ids(all with { Zone = "entrance" }));
        Assert.Equal(["all-anywhere"], await Ids(all with { Zone = "entrance", Tier = LoyaltyStatus.Gold, Active = true }));

        var page = await S.Promotions.ListAsync(all with { Limit = 2, Offset = 2 });
        Assert.Equal(5, page.Total);
        Assert.Equal(["silver-entrance", "off"], page.Items.Select(p => p.Id));
        Assert.Equal(2, (await S.Promotions.ListAsync(all with { Active = false, Limit = 1 })).Total);
    }

    [Fact]
    public async Task Queries_never_cross_organisations()
    {
        await S.Promotions.AddAsync(Promo(OrgA, "p"));
        Assert.Null(await S.Promotions.GetAsync(OrgB, "p"));
        Assert.Empty(await S.Promotions.ListValidAsync(OrgB, T0));
        Assert.False(await S.Promotions.DeleteAsync(OrgB, "p"));
        Assert.True(await S.Promotions.DeleteAsync(OrgA, "p"));
    }
}

public abstract class VisitStoreConformance : StoreConformance
{
    private Task VisitAsync(string org, string id, DateTimeOffset entry, TimeSpan? dwell, string? customer = null, string person = "p", string store = "s1", bool returning = false) =>
        S.Visits.AddAsync(new Visit { Id = id, OrganizationId = org, StoreId = store, PersonId = person, CustomerId = customer, EntryAt = entry, ExitAt = entry + dwell, IsReturning = returning });

    [Fact]
    public async Task Open_visit_is_found_closed_and_counted()
    {
        await VisitAsync(OrgA, "v1", T0, null, person: "p1");
        await VisitAsync(OrgA, "v2", T0, null, person: "p2", store: "s2");
        Assert.Equal(2, await S.Visits.CountOpenAsync(OrgA, null));
        Assert.Equal(1, await S.Visits.CountOpenAsync(OrgA, "s1"));
        Assert.Equal(0, await S.Visits.CountOpenAsync(OrgB, null));
        var open = await S.Visits.GetOpenAsync(OrgA, "s1", "p1");
        Assert.Equal("v1", open?.Id);
        Assert.Null(await S.Visits.GetOpenAsync(OrgB, "s1", "p1"));
        var closed = await S.Visits.CloseAsync(OrgA, "v1", T0.AddMinutes(12), "cust");
        Assert.Equal(TimeSpan.FromMinutes(12), closed.Dwell);
        Assert.Equal("cust", closed.CustomerId);
        Assert.Null(await S.Visits.GetOpenAsync(OrgA, "s1", "p1"));
        await Assert.ThrowsAsync<RetailNotFoundException>(() => S.Visits.CloseAsync(OrgB, "v2", T0, null));
    }

    [Fact]
    public async Task HasVisitedBefore_matches_customer_or_visitor_in_the_same_store_and_organisation()
    {
        await VisitAsync(OrgA, "v1", T0, TimeSpan.FromMinutes(5), customer: "c1");
        Assert.True(await S.Visits.HasVisitedBeforeAsync(OrgA, "s1", "c1", null, T0.AddDays(1)));
        Assert.False(await S.Visits.HasVisitedBeforeAsync(OrgA, "s1", "c1", null, T0));
        Assert.False(await S.Visits.HasVisitedBeforeAsync(OrgA, "s2", "c1", null, T0.AddDays(1)));
        Assert.False(await S.Visits.HasVisitedBeforeAsync(OrgB, "s1", "c1", null, T0.AddDays(1)));
        Assert.False(await S.Visits.HasVisitedBeforeAsync(OrgA, "s1", null, null, T0.AddDays(1)));
    }

    [Theory]
    [InlineData(StatisticsGranularity.Hour, 3)]
    [InlineData(StatisticsGranularity.Day, 2)]
    [InlineData(StatisticsGranularity.Week, 2)]
    [InlineData(StatisticsGranularity.Month, 1)]
    public async Task Statistics_bucket_by_granularity(StatisticsGranularity granularity, int buckets)
    {
        // T0 is Monday 2025-03-10 09:00 UTC.
        await VisitAsync(OrgA, "a", T0, TimeSpan.FromMinutes(10), customer: "c1");
        await VisitAsync(OrgA, "b", T0.AddMinutes(30), TimeSpan.FromMinutes(20), customer: "c1", person: "p2", returning: true);
        await VisitAsync(OrgA, "c", T0.AddHours(1), null, person: "p3");
        await VisitAsync(OrgA, "d", T0.AddDays(-1), TimeSpan.FromMinutes(60), person: "p4"); // Sunday: previous ISO week
        await VisitAsync(OrgA, "e", T0.AddDays(-10), TimeSpan.FromMinutes(60), person: "p5"); // February
        await VisitAsync(OrgB, "x", T0, TimeSpan.FromMinutes(60), person: "p9");
        var stats = await S.Visits.GetStatisticsAsync(OrgA, "s1", T0.AddDays(-1), T0.AddDays(1), granularity);
        Assert.Equal(buckets, stats.Count);
        var last = stats[^1];
        var first = stats[0];
        switch (granularity)
        {
            case StatisticsGranularity.Hour:
                Assert.Equal(T0, stats[1].PeriodStart);
                Assert.Equal((2, 1, 1, 15.0 * 60), (stats[1].Visits, stats[1].UniqueVisitors, stats[1].ReturningVisits, stats[1].AverageDwellSeconds));
                Assert.Equal((1, 0.0), (last.Visits, last.AverageDwellSeconds));
                break;
            case StatisticsGranularity.Day:
                Assert.Equal(new DateTimeOffset(2025, 3, 10, 0, 0, 0, TimeSpan.Zero), last.PeriodStart);
                Assert.Equal((3, 2), (last.Visits, last.UniqueVisitors));
                break;
            case StatisticsGranularity.Week:
                Assert.Equal(new DateTimeOffset(2025, 3, 3, 0, 0, 0, TimeSpan.Zero), first.PeriodStart);
                Assert.Equal(new DateTimeOffset(2025, 3, 10, 0, 0, 0, TimeSpan.Zero), last.PeriodStart);
                break;
            case StatisticsGranularity.Month:
                var all = await S.Visits.GetStatisticsAsync(OrgA, null, T0.AddDays(-30), T0.AddDays(1), granularity);
                Assert.Equal(new[] { new DateTimeOffset(2025, 2, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero) }, all.Select(b => b.PeriodStart));
                Assert.Equal(new[] { 1, 4 }, all.Select(b => b.Visits));
                break;
        }
    }

    [Fact]
    public async Task Latest_update_delete_overlap_summary_and_zone_stays()
    {
        await VisitAsync(OrgA, "a", T0, TimeSpan.FromMinutes(10), customer: "c1");
        await VisitAsync(OrgA, "b", T0.AddHours(2), TimeSpan.FromMinutes(20), customer: "c1", person: "p2", returning: true);
        await S.Visits.AddAsync(new Visit { Id = "v", OrganizationId = OrgA, StoreId = "s1", PersonId = "person-3", VisitorId = "person-3", EntryAt = T0.AddMinutes(5) });
        await VisitAsync(OrgB, "x", T0.AddHours(3), null, customer: "c1");
        Assert.Equal("b", (await S.Visits.GetLatestAsync(OrgA, "s1", "c1", null))?.Id);
        Assert.Equal("b", (await S.Visits.GetLatestAsync(OrgA, null, "c1", "person-3"))?.Id); // the customer wins
        Assert.Equal("v", (await S.Visits.GetLatestAsync(OrgA, "s1", null, "person-3"))?.Id);
        Assert.Null(await S.Visits.GetLatestAsync(OrgA, "s2", "c1", null));
        Assert.Null(await S.Visits.GetLatestAsync(OrgA, null, null, null));

        // The provisional visitor's visit becomes c1's and its last sighting is set.
        var v = (await S.Visits.GetLatestAsync(OrgA, "s1", null, "person-3"))! with { CustomerId = "c1", ExitAt = T0.AddMinutes(7), IsReturning = true };
        await S.Visits.UpdateAsync(v);
        Assert.Equal(v, await S.Visits.GetLatestAsync(OrgA, "s1", null, "person-3"));
        await Assert.ThrowsAsync<RetailNotFoundException>(() => S.Visits.UpdateAsync(v with { OrganizationId = OrgB }));

        Assert.Equal(["a", "v"], (await S.Visits.ListOverlappingAsync(OrgA, "s1", T0.AddMinutes(6), T0.AddHours(1))).Select(x => x.Id));
        Assert.Equal(["x"], (await S.Visits.ListOverlappingAsync(OrgB, null, T0, T0.AddDays(1))).Select(x => x.Id)); // still in view

        var summary = await S.Visits.GetSummaryAsync(OrgA, "s1", T0.AddHours(-1), T0.AddDays(1));
        Assert.Equal(new VisitSummary(3, 1, 1, 1, 3, (600 + 1200 + 120) / 3.0), summary);
        Assert.Equal(new VisitSummary(0, 0, 0, 0, 0, 0), await S.Visits.GetSummaryAsync(OrgA, "s9", T0, T0.AddDays(1)));

        await S.Visits.AddZoneStayAsync(new ZoneStay(OrgA, "checkout", "person-3", "v", T0.AddMinutes(5), T0.AddMinutes(6)) { CameraId = "till" });
        await S.Visits.AddZoneStayAsync(new ZoneStay(OrgA, "checkout", "person-3", "v", T0.AddMinutes(6).AddSeconds(30), T0.AddMinutes(7)) { CameraId = "door" });
        await S.Visits.AddZoneStayAsync(new ZoneStay(OrgA, "aisle", "person-4", null, T0, T0.AddSeconds(45)));
        await S.Visits.AddZoneStayAsync(new ZoneStay(OrgB, "aisle", "person-4", null, T0, T0.AddSeconds(45)));
        Assert.Equal(
            [new ZoneDwell("aisle", 1, 1, 45, 45, 45), new ZoneDwell("checkout", 2, 1, 90, 45, 60)],
            await S.Visits.GetZoneDwellAsync(OrgA, T0.AddHours(-1), T0.AddHours(1)));

        // Per camera (migration 12): filtered to one camera, or one row per zone and camera (a stay of no known camera apart).
        Assert.Equal([new ZoneDwell("checkout", 1, 1, 60, 60, 60)], await S.Visits.GetZoneDwellAsync(OrgA, T0.AddHours(-1), T0.AddHours(1), cameraId: "till"));
        Assert.Equal(
            [("aisle", null), ("checkout", "door"), ("checkout", "till")],
            (await S.Visits.GetZoneDwellAsync(OrgA, T0.AddHours(-1), T0.AddHours(1), byCamera: true)).Select(z => (z.Zone, z.CameraId)).OrderBy(z => z.Zone).ThenBy(z => z.CameraId, StringComparer.Ordinal));
        Assert.Equal(30, (await S.Visits.GetZoneDwellAsync(OrgA, T0.AddHours(-1), T0.AddHours(1), "door", byCamera: true)).Single().TotalDwellSeconds);

        // Merged into c1's first visit: the row goes, its zone stays follow.
        Assert.True(await S.Visits.DeleteAsync(OrgA, "v", "a"));
        Assert.False(await S.Visits.DeleteAsync(OrgA, "v", "a"));
        Assert.Equal(["b", "a"], (await S.Visits.ListForCustomerAsync(OrgA, "c1")).Select(x => x.Id));
        Assert.Equal(1, (await S.Visits.GetZoneDwellAsync(OrgA, T0.AddHours(-1), T0.AddHours(1)))[1].Visits);
    }
}

public abstract class EventStoreConformance : StoreConformance
{
    [Fact]
    public async Task Detections_filter_by_camera_customer_status_and_dates_with_paging()
    {
        for (var i = 0; i < 25; i++)
        {
            await S.Events.AddDetectionAsync(new DetectionRecord
            {
                OrganizationId = OrgA,
                CameraId = i % 2 == 0 ? "cam-1" : "cam-2",
                Status = (RecognitionStatus)(i % 4),
                CustomerId = i % 4 == 0 ? "c1" : null,
                Box = new(i, i, 10, 10),
                Confidence = 0.5f,
                Distance = 0.25f,
                Timestamp = T0.AddMinutes(i),
            });
        }

        await S.Events.AddDetectionAsync(new DetectionRecord { OrganizationId = OrgB, CameraId = "cam-1", Timestamp = T0 });

        var all = await S.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = OrgA, Limit = 10 });
        Assert.Equal(25, all.Total);
        Assert.Equal(10, all.Items.Count);
        Assert.Equal(T0.AddMinutes(24), all.Items[0].Timestamp);
        var page3 = await S.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = OrgA, Limit = 10, Offset = 20 });
        Assert.Equal(5, page3.Items.Count);
        Assert.Equal(13, (await S.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = OrgA, CameraId = "cam-1" })).Total);
        Assert.Equal(7, (await S.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = OrgA, CustomerId = "c1" })).Total);
        var newFaces = await S.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = OrgA, Status = RecognitionStatus.NewFace });
        Assert.All(newFaces.Items, d => Assert.Equal(RecognitionStatus.NewFace, d.Status));
        Assert.Equal(6, newFaces.Total);
        Assert.Equal(5, (await S.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = OrgA, From = T0.AddMinutes(10), To = T0.AddMinutes(15) })).Total);
        Assert.Equal(1, (await S.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = OrgB })).Total);
        var one = all.Items[^1];
        Assert.Equal((new Scarlet.Vision.BoundingBox(15, 15, 10, 10), 0.25f), (one.Box!.Value, one.Distance!.Value));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => S.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = OrgA, Limit = 0 }));
    }

    [Fact]
    public async Task AssignVisitor_links_detections_and_visits_in_one_organisation_only()
    {
        await S.Events.AddDetectionAsync(new DetectionRecord { OrganizationId = OrgA, CameraId = "c", VisitorId = "v-1", Timestamp = T0 });
        await S.Events.AddDetectionAsync(new DetectionRecord { OrganizationId = OrgB, CameraId = "c", VisitorId = "v-1", Timestamp = T0 });
        Assert.Equal(1, await S.Events.AssignVisitorAsync(OrgA, "v-1", "cust"));
        Assert.Equal(1, (await S.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = OrgA, CustomerId = "cust" })).Total);
        Assert.Equal(0, (await S.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = OrgB, CustomerId = "cust" })).Total);
    }

    [Fact]
    public async Task Logs_dead_letters_and_audit_are_ordered_and_isolated()
    {
        for (var i = 0; i < 5; i++)
        {
            await S.Events.AppendLogAsync(new LogEntry(0, OrgA, T0.AddSeconds(i), "info", "t", "m" + i));
        }

        await S.Events.AppendLogAsync(new LogEntry(0, OrgB, T0, "info", "t", "other"));
        Assert.Equal(new[] { "m4", "m3", "m2" }, (await S.Events.GetLogsAsync(OrgA, 3)).Select(l => l.Message));
        Assert.Equal((5L, 1L), (await S.Events.CountLogsAsync(OrgA), await S.Events.CountLogsAsync(OrgB)));
        await S.Events.AddDeadLetterAsync(new DeadLetter(0, OrgA, "webhook:x", "e1", "action-events", "{}", 5, "HTTP 500", T0));
        var dl = Assert.Single(await S.Events.ListDeadLettersAsync(OrgA));
        Assert.Equal(("e1", 5, "HTTP 500"), (dl.EventId, dl.Attempts, dl.LastError));
        Assert.Empty(await S.Events.ListDeadLettersAsync(OrgB));
        await S.Events.AppendAuditAsync(new AuditRecord(0, OrgA, "a", "s", "admin", T0, "d"));
        Assert.Single(await S.Events.GetAuditAsync(OrgA));
        Assert.Empty(await S.Events.GetAuditAsync(OrgB));
    }

    [Fact]
    public async Task Audit_query_filters_by_subject_actor_and_time_newest_first_with_outcomes()
    {
        await S.Events.AppendAuditAsync(new AuditRecord(0, OrgA, "customer.read", "c1", "alice", T0, string.Empty));
        await S.Events.AppendAuditAsync(new AuditRecord(0, OrgA, "face.recognized", "c1", "key:k1", T0.AddMinutes(1), "faces=1"));
        await S.Events.AppendAuditAsync(new AuditRecord(0, OrgA, "admin.login", "-", "bob", T0.AddMinutes(2), string.Empty) { Outcome = "failed" });
        await S.Events.AppendAuditAsync(new AuditRecord(0, OrgB, "customer.read", "c1", "alice", T0, string.Empty));

        var c1 = await S.Events.QueryAuditAsync(new AuditQuery { OrganizationId = OrgA, Subject = "c1" });
        Assert.Equal(2, c1.Total);
        Assert.Equal(["face.recognized", "customer.read"], c1.Items.Select(a => a.Action));
        Assert.Equal("key:k1", c1.Items[0].Actor);
        Assert.Equal(AuditRecord.Succeeded, c1.Items[0].Outcome);
        Assert.Equal("failed", Assert.Single((await S.Events.QueryAuditAsync(new AuditQuery { OrganizationId = OrgA, Actor = "bob" })).Items).Outcome);
        var window = await S.Events.QueryAuditAsync(new AuditQuery { OrganizationId = OrgA, From = T0.AddMinutes(1), To = T0.AddMinutes(2) });
        Assert.Equal("face.recognized", Assert.Single(window.Items).Action);
        var page = await S.Events.QueryAuditAsync(new AuditQuery { OrganizationId = OrgA, Limit = 1, Offset = 1 });
        Assert.Equal((3, "face.recognized"), (page.Total, Assert.Single(page.Items).Action));
    }
}

public abstract class AlertStoreConformance : StoreConformance
{
    [Fact]
    public async Task Alerts_are_listed_counted_and_acknowledged_once()
    {
        await S.Alerts.AddAsync(new Alert { Id = "a1", OrganizationId = OrgA, Level = AlertLevel.Critical, Kind = AlertKind.ClosedZonePresence, Zone = "z", Message = "m", RaisedAt = T0 });
        await S.Alerts.AddAsync(new Alert { Id = "a2", OrganizationId = OrgA, Level = AlertLevel.Warning, Kind = AlertKind.DwellExceeded, Zone = "z", PersonId = "p", Message = "m", RaisedAt = T0.AddMinutes(1) });
        Assert.Equal(2, await S.Alerts.CountActiveAsync(OrgA));
        Assert.Equal(0, await S.Alerts.CountActiveAsync(OrgB));
        Assert.Null(await S.Alerts.AcknowledgeAsync(OrgB, "a1", "mallory", T0));
        var ack = await S.Alerts.AcknowledgeAsync(OrgA, "a1", "admin", T0.AddMinutes(5));
        Assert.Equal(("admin", T0.AddMinutes(5)), (ack!.AcknowledgedBy, ack.AcknowledgedAt));
        var again = await S.Alerts.AcknowledgeAsync(OrgA, "a1", "other", T0.AddMinutes(9));
        Assert.Equal("admin", again!.AcknowledgedBy);
        Assert.Equal(1, await S.Alerts.CountActiveAsync(OrgA));
        Assert.Equal(new[] { "a2" }, (await S.Alerts.ListAsync(OrgA, true, 10)).Select(a => a.Id));
        Assert.Equal(new[] { "a2", "a1" }, (await S.Alerts.ListAsync(OrgA, false, 10)).Select(a => a.Id));
        Assert.Empty(await S.Alerts.ListAsync(OrgB, false, 10));
    }

    [Fact]
    public async Task Alerts_are_queried_by_level_camera_acknowledgement_and_time()
    {
        await S.Alerts.AddAsync(new Alert { Id = "q1", OrganizationId = OrgA, Level = AlertLevel.Critical, Kind = AlertKind.RestrictedEntry, Zone = "back", CameraId = "cam1", RuleId = "r1", PersonId = "person-1", Message = "m", RaisedAt = T0 });
        await S.Alerts.AddAsync(new Alert { Id = "q2", OrganizationId = OrgA, Level = AlertLevel.Warning, Kind = AlertKind.CameraOffline, CameraId = "cam2", RuleId = "r2", Message = "m", RaisedAt = T0.AddMinutes(1) });
        await S.Alerts.AddAsync(new Alert { Id = "q3", OrganizationId = OrgA, Level = AlertLevel.Critical, Kind = AlertKind.Crowd, Zone = "front", CameraId = "cam1", Message = "m", RaisedAt = T0.AddMinutes(2) });
        await S.Alerts.AddAsync(new Alert { Id = "q4", OrganizationId = OrgB, Level = AlertLevel.Critical, Kind = AlertKind.Crowd, CameraId = "cam1", Message = "m", RaisedAt = T0 });
        await S.Alerts.AcknowledgeAsync(OrgA, "q3", "op", T0.AddMinutes(3));

        async Task<string[]> Ids(AlertQuery q) => [.. (await S.Alerts.QueryAsync(q)).Items.Select(a => a.Id)];
        Assert.Equal(["q3", "q2", "q1"], await Ids(new AlertQuery { OrganizationId = OrgA }));
        Assert.Equal(["q3", "q1"], await Ids(new AlertQuery { OrganizationId = OrgA, Level = AlertLevel.Critical }));
        Assert.Equal(["q3", "q1"], await Ids(new AlertQuery { OrganizationId = OrgA, CameraId = "cam1" }));
        Assert.Equal(["q3"], await Ids(new AlertQuery { OrganizationId = OrgA, Acknowledged = true }));
        Assert.Equal(["q2", "q1"], await Ids(new AlertQuery { OrganizationId = OrgA, Acknowledged = false }));
        Assert.Equal(["q2"], await Ids(new AlertQuery { OrganizationId = OrgA, From = T0.AddMinutes(1), To = T0.AddMinutes(2) }));
        var page = await S.Alerts.QueryAsync(new AlertQuery { OrganizationId = OrgA, Limit = 1, Offset = 1 });
        Assert.Equal((3, "q2"), (page.Total, page.Items.Single().Id));
        var q1 = (await S.Alerts.QueryAsync(new AlertQuery { OrganizationId = OrgA, Level = AlertLevel.Critical, Acknowledged = false })).Items.Single();
        Assert.Equal(("cam1", "r1", AlertKind.RestrictedEntry, "person-1"), (q1.CameraId, q1.RuleId, q1.Kind, q1.PersonId));
    }
}

public abstract class VisitorAndCatalogStoreConformance : StoreConformance
{
    [Fact]
    public async Task Visitors_round_trip_and_stale_ones_are_purged_with_their_references()
    {
        var v = new VisitorCluster { Id = "v-1", OrganizationId = OrgA, Centroid = [0.6f, 0.8f], Sightings = 2, FirstSeen = T0, LastSeen = T0.AddMinutes(5) };
        await S.Visitors.UpsertAsync(v);
        await S.Visitors.UpsertAsync(v with { Id = "v-2", LastSeen = T0.AddDays(20) });
        var got = await S.Visitors.GetAsync(OrgA, "v-1");
        Assert.Equal(v.Centroid, got!.Centroid);
        Assert.Equal((2, T0.AddMinutes(5)), (got.Sightings, got.LastSeen));
        Assert.Null(await S.Visitors.GetAsync(OrgB, "v-1"));
        Assert.Empty(await S.Visitors.ListAsync(OrgB));

        // An upsert from another organisation must not take over the row.
        await S.Visitors.UpsertAsync(v with { OrganizationId = OrgB, Sightings = 99 });
        Assert.Equal(2, (await S.Visitors.GetAsync(OrgA, "v-1"))!.Sightings);

        await S.Events.AddDetectionAsync(new DetectionRecord { OrganizationId = OrgA, CameraId = "c", VisitorId = "v-1", CropPath = "/tmp/x", Timestamp = T0 });
        Assert.Empty((await S.Visitors.DeleteStaleAsync(OrgB, T0.AddDays(10))).VisitorIds);
        var purge = await S.Visitors.DeleteStaleAsync(OrgA, T0.AddDays(10));
        Assert.Equal(new[] { "v-1" }, purge.VisitorIds);
        Assert.Equal(new[] { "/tmp/x" }, purge.CropPaths);
        Assert.Equal(new[] { "v-2" }, (await S.Visitors.ListAsync(OrgA)).Select(x => x.Id));
        var d = Assert.Single((await S.Events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = OrgA })).Items);
        Assert.Null(d.VisitorId);
        Assert.Null(d.CropPath);
    }

    [Fact]
    public async Task Products_are_listed_by_zone_per_organisation()
    {
        await ProductAsync(OrgA, "milk", "dairy", "z-dairy");
        await ProductAsync(OrgA, "butter", "dairy", "z-dairy", "z-promo");
        await ProductAsync(OrgB, "cheese", "dairy", "z-dairy");
        Assert.Equal(new[] { "butter", "milk" }, (await S.Catalog.ListProductsInZoneAsync(OrgA, "z-dairy")).Select(p => p.Id));
        Assert.Equal(new[] { "z-dairy", "z-promo" }, (await S.Catalog.GetProductAsync(OrgA, "butter"))!.Zones);
        Assert.Null(await S.Catalog.GetProductAsync(OrgB, "milk"));
        await ProductAsync(OrgA, "butter", "fats", "z-promo");
        Assert.Equal(new[] { "milk" }, (await S.Catalog.ListProductsInZoneAsync(OrgA, "z-dairy")).Select(p => p.Id));
        Assert.Equal("fats", (await S.Catalog.GetProductAsync(OrgA, "butter"))!.Category);
    }
}
