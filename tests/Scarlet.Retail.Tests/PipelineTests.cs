using System.Reactive.Linq;
using System.Text.Json;
using Scarlet.Retail.Events;
using Scarlet.Retail.Tests.Support;

namespace Scarlet.Retail.Tests;

public sealed class PipelineTests
{
    private static readonly DateTimeOffset T = RetailHarness.Start;

    private static async Task<(RetailHarness H, string Org, Customer Ada)> SetupAsync()
    {
        var h = new RetailHarness(startPipeline: true);
        var org = await h.OrgAsync();
        foreach (var (id, cat, zone) in new[] { ("milk", "dairy", "z-dairy"), ("yogurt", "dairy", "z-dairy"), ("bread", "bakery", "z-dairy"), ("cheese", "dairy", "z-dairy"), ("soap", "home", "z-home") })
        {
            await h.Catalog.UpsertProductAsync(org, new Product { Id = id, Name = id, Category = cat, Zones = [zone] });
        }

        var ada = await h.Customers.RegisterAsync(org, new CustomerRegistration { Name = "Ada" });
        return (h, org, ada);
    }

    [Fact]
    public async Task Customer_identified_event_in_gives_action_event_with_recommendations_out()
    {
        var (h, org, ada) = await SetupAsync();
        await using var _ = h;
        await h.Customers.AddPurchaseAsync(org, ada.Id, "yogurt", 3, 6m);
        await h.Customers.AddPurchaseAsync(org, ada.Id, "soap", 1, 2m);

        var action = h.NextAsync<ActionEvent>();
        var shown = h.NextAsync<PromotionShownEvent>();
        await h.Promotions.CreateAsync(org, new PromotionDraft { Title = "Dairy week", ValidFrom = T.AddDays(-1), ValidTo = T.AddDays(1), Zones = ["z-dairy"] });
        h.Stream.Publish(new CustomerIdentifiedEvent { OrganizationId = org, Timestamp = T, CustomerId = ada.Id, CameraId = "cam-1", Confidence = 0.95f, StoreZone = "z-dairy" });

        var a = await action;
        // yogurt: 2*3 (dairy) + 3 (itself) = 9; cheese and milk: 6 each (by id); bread: 0.
        Assert.Equal(new[] { "yogurt", "cheese", "milk" }, a.RecommendedProducts);
        Assert.Equal((ada.Id, "z-dairy", T), (a.CustomerId, a.StoreZone, a.Timestamp));
        Assert.Equal("Dairy week", (await shown).Title);

        using var doc = JsonDocument.Parse(ScarletJson.Serialize(a));
        var root = doc.RootElement;
        Assert.Equal("action", root.GetProperty("type").GetString());
        Assert.Equal(ada.Id, root.GetProperty("customer_id").GetString());
        Assert.Equal("z-dairy", root.GetProperty("store_zone").GetString());
        Assert.Equal(3, root.GetProperty("recommended_products").GetArrayLength());
        Assert.Equal(T, root.GetProperty("timestamp").GetDateTimeOffset());
        Assert.Equal("action-events", root.GetProperty("topic").GetString());
    }

    [Fact]
    public async Task Recognition_outcome_flows_through_to_action_and_cooldown_suppresses_repeats()
    {
        var (h, org, ada) = await SetupAsync();
        await using var _ = h;
        var actions = new List<ActionEvent>();
        using var sub = h.Stream.Subscribe(e =>
        {
            if (e is ActionEvent a)
            {
                lock (actions)
                {
                    actions.Add(a);
                }
            }
        });
        var first = h.NextAsync<ActionEvent>();
        h.Stream.Publish(new RecognitionEvent { OrganizationId = org, Timestamp = T, CameraId = "cam-1", Status = RecognitionStatus.Matched, CustomerId = ada.Id, Confidence = 0.9f, StoreZone = "z-dairy" });
        Assert.Equal(ada.Id, (await first).CustomerId);

        // Per-frame identifications within the cooldown give no new action; after it, one more.
        for (var s = 1; s <= 5; s++)
        {
            h.Stream.Publish(new CustomerIdentifiedEvent { OrganizationId = org, Timestamp = T.AddSeconds(s), CustomerId = ada.Id, CameraId = "cam-1", StoreZone = "z-dairy" });
        }

        var later = h.NextAsync<ActionEvent>();
        h.Stream.Publish(new CustomerIdentifiedEvent { OrganizationId = org, Timestamp = T.AddMinutes(6), CustomerId = ada.Id, CameraId = "cam-1", StoreZone = "z-dairy" });
        Assert.Equal(T.AddMinutes(6), (await later).Timestamp);
        lock (actions)
        {
            Assert.Equal(2, actions.Count);
        }

        // The log has its own queue: wait for it to catch up.
        SpinWait.SpinUntil(() => h.Log.GetRecentAsync(org, 50).Result.Count(l => l.Type == ScarletTopics.Actions) == 2, 5000);
        var logs = await h.Log.GetRecentAsync(org, 50);
        Assert.Contains(logs, l => l.Type == ScarletTopics.CustomerIdentified);
        Assert.Contains(logs, l => l.Type == ScarletTopics.Actions);
    }

    [Fact]
    public async Task Zone_from_tracking_is_used_when_the_identification_has_none()
    {
        var (h, org, ada) = await SetupAsync();
        await using var _ = h;
        var action = h.NextAsync<ActionEvent>();
        h.Stream.Publish(new ZoneEnteredEvent { OrganizationId = org, Timestamp = T, Zone = "z-home", PersonId = "p1", CustomerId = ada.Id });
        h.Stream.Publish(new CustomerIdentifiedEvent { OrganizationId = org, Timestamp = T, CustomerId = ada.Id, CameraId = "cam-2" });
        var a = await action;
        Assert.Equal("z-home", a.StoreZone);
        Assert.Equal(new[] { "soap" }, a.RecommendedProducts);
    }

    [Fact]
    public async Task A_failing_subscriber_or_sink_never_stops_the_stream_or_the_others()
    {
        await using var h = new RetailHarness();
        var org = await h.OrgAsync();
        var seenByRaw = 0;
        var seenByGood = 0;
        var sinkCalls = 0;
        using var raw = h.Stream.Events.Subscribe(_ => { Interlocked.Increment(ref seenByRaw); throw new InvalidOperationException("raw observer"); });
        using var failing = h.Stream.Subscribe(_ => throw new InvalidOperationException("boom"));
        using var good = h.Stream.Subscribe(_ => Interlocked.Increment(ref seenByGood));
        using var sink = h.Stream.AddSink(new DelegateSink("bad", (_, _) => { Interlocked.Increment(ref sinkCalls); throw new IOException("down"); }));
        for (var i = 0; i < 5; i++)
        {
            h.Stream.Publish(new ZoneExitedEvent { OrganizationId = org, Timestamp = T, Zone = "z", PersonId = "p" + i });
        }

        Assert.Equal(5, seenByGood);
        Assert.Equal(1, seenByRaw); // Rx detaches an observer that throws; the others go on
        SpinWait.SpinUntil(() => Volatile.Read(ref sinkCalls) == 5, 5000);
        Assert.Equal(5, sinkCalls);
    }

    [Fact]
    public async Task A_handler_that_falls_behind_keeps_a_bounded_queue_and_loses_the_oldest_events()
    {
        using var stream = new ScarletEventStream(handlerQueueCapacity: 4);
        using var release = new ManualResetEventSlim();
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var started = new ManualResetEventSlim();
        using var slow = stream.Handle<ZoneExitedEvent>("slow", (e, ct) =>
        {
            seen.Enqueue(e.PersonId);
            started.Set();
            release.Wait(ct); // a webhook target that hangs
            return Task.CompletedTask;
        });
        var fast = 0;
        using var good = stream.Subscribe(_ => Interlocked.Increment(ref fast));

        stream.Publish(new ZoneExitedEvent { OrganizationId = "o", Timestamp = T, Zone = "z", PersonId = "p0" });
        Assert.True(started.Wait(5000));
        for (var i = 1; i <= 10; i++)
        {
            stream.Publish(new ZoneExitedEvent { OrganizationId = "o", Timestamp = T, Zone = "z", PersonId = "p" + i });
        }

        Assert.Equal(11, fast); // the publisher and the other consumers never waited for the slow one
        release.Set();
        SpinWait.SpinUntil(() => seen.Count == 5, 5000);
        Thread.Sleep(100);
        Assert.Equal(["p0", "p7", "p8", "p9", "p10"], seen.ToArray()); // the one in progress, then the newest 4, in order
    }

    [Fact]
    public void Each_handled_event_is_a_span_of_the_Scarlet_Retail_source_failures_marked()
    {
        var spans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name == "Scarlet.Retail",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using var stream = new ScarletEventStream();
        using var handler = stream.Handle<ZoneExitedEvent>("span-test", (e, _) => e.PersonId == "bad" ? throw new InvalidOperationException("x") : Task.CompletedTask);

        stream.Publish(new ZoneExitedEvent { OrganizationId = "o", Timestamp = T, Zone = "z", PersonId = "good" });
        stream.Publish(new ZoneExitedEvent { OrganizationId = "o", Timestamp = T, Zone = "z", PersonId = "bad" });

        // Other tests' streams run in parallel on the same source: only this handler's spans count.
        Assert.True(SpinWait.SpinUntil(() => spans.Count(a => Equals(a.GetTagItem("scarlet.handler"), "span-test")) == 2, 5000));
        var mine = spans.Where(a => Equals(a.GetTagItem("scarlet.handler"), "span-test")).ToList();
        Assert.All(mine, a => Assert.Equal(("event.handle", nameof(ZoneExitedEvent)), (a.OperationName, a.GetTagItem("scarlet.event.type"))));
        Assert.Equal([System.Diagnostics.ActivityStatusCode.Unset, System.Diagnostics.ActivityStatusCode.Error], mine.Select(a => a.Status));
    }

    [Fact]
    public async Task Visits_from_tracking_count_dwell_returning_and_active_persons()
    {
        var (h, org, ada) = await SetupAsync();
        await using var _ = h;
        var completed = h.NextAsync<VisitCompletedEvent>();
        h.Stream.Publish(new PersonEnteredStoreEvent { OrganizationId = org, Timestamp = T, StoreId = "s1", PersonId = "p1", CustomerId = ada.Id });
        h.Stream.Publish(new PersonEnteredStoreEvent { OrganizationId = org, Timestamp = T, StoreId = "s1", PersonId = "p2" });
        h.Stream.Publish(new PersonEnteredStoreEvent { OrganizationId = org, Timestamp = T.AddSeconds(1), StoreId = "s1", PersonId = "p1", CustomerId = ada.Id }); // duplicate entry
        h.Stream.Publish(new PersonExitedStoreEvent { OrganizationId = org, Timestamp = T.AddMinutes(25), StoreId = "s1", PersonId = "p1" });
        var store = h.Get<Scarlet.Retail.Storage.IVisitStore>();
        Assert.True(SpinWait.SpinUntil(() => store.ListForCustomerAsync(org, ada.Id).Result is [{ ExitAt: not null }], 5000));
        Assert.Equal(1, await h.Visits.GetActivePersonsAsync(org, "s1"));

        // The visit ends once she has been unseen for the 10-minute timeout: the pipeline's sweep, every minute.
        h.Time.SetUtcNow(T.AddMinutes(36));
        h.Scheduler.AdvanceBy(TimeSpan.FromMinutes(1));
        var v = (await completed).Visit;
        Assert.Equal((TimeSpan.FromMinutes(25), false, ada.Id), (v.Dwell, v.IsReturning, v.CustomerId));
        Assert.Equal(1, (await h.Customers.GetAsync(org, ada.Id))!.VisitCount);

        var second = h.NextAsync<VisitStartedEvent>();
        h.Stream.Publish(new PersonEnteredStoreEvent { OrganizationId = org, Timestamp = T.AddDays(2), StoreId = "s1", PersonId = "p7", CustomerId = ada.Id });
        Assert.True((await second).Visit.IsReturning);
        var days = await h.Visits.GetStatisticsAsync(org, "s1", T.AddDays(-1), T.AddDays(3), StatisticsGranularity.Day);
        Assert.Equal(new[] { 2, 1 }, days.Select(d => d.Visits));
        Assert.Equal(new[] { 0, 1 }, days.Select(d => d.ReturningVisits));
    }
}
