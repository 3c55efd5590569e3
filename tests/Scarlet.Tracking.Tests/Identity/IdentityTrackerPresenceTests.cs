using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Scarlet.Tracking.Identity;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;

namespace Scarlet.Tracking.Tests.Identity;

/// <summary>Who is present in the live registry, and its pruning on a fake clock.</summary>
public sealed class IdentityTrackerPresenceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

    private static PersonPosition At(string camera, DateTimeOffset t) => new(camera, t, new PointF(10, 20), null);

    [Fact]
    public void A_person_is_present_only_while_a_live_track_has_recent_confirmed_detections()
    {
        var it = new IdentityTracker(new IdentityTrackerOptions { PresenceWindow = TimeSpan.FromSeconds(2) });
        it.Observe(1, At("a", T0), null, confirmed: true);

        // A static false positive matched only to weak detections: on the trail, never present.
        it.Observe(2, At("a", T0), null, confirmed: false);
        it.Observe(2, At("a", T0.AddSeconds(1)), null, confirmed: false);
        Assert.Equal(["person-1"], it.Present(T0.AddSeconds(1)).Select(p => p.PersonId));

        // No confirmed detection within the window: gone, though still kept (and found) until the retention.
        Assert.Empty(it.Present(T0.AddSeconds(3)));
        Assert.True(it.TryGet("person-1", out _));

        // Back on camera b, then that track ends: not present although the last detection is recent.
        it.Observe(1, At("b", T0.AddSeconds(10)), "alice", confirmed: true);
        Assert.Single(it.Present(T0.AddSeconds(10)));
        it.Leave("person-1", "b");
        Assert.Empty(it.Present(T0.AddSeconds(10)));

        // A camera that stops backs nobody.
        it.Observe(1, At("a", T0.AddSeconds(11)), null, confirmed: true);
        it.Observe(3, At("a", T0.AddSeconds(11)), null, confirmed: true);
        Assert.Equal(2, it.Present(T0.AddSeconds(11)).Count);
        it.LeaveCamera("a");
        Assert.Empty(it.Present(T0.AddSeconds(11)));
        Assert.True(it.TryGet(1, out var alice));
        Assert.Equal("alice", alice!.CustomerId);
        Assert.Equal(1, alice.GlobalId);
        Assert.Equal(T0.AddSeconds(11), alice.LastConfirmed);
    }

    [Fact]
    public async Task The_hosted_pruner_forgets_people_after_the_retention_on_its_interval()
    {
        var fake = new FakeTimeProvider(T0);
        var clock = new CountingTime(fake);
        var options = new CameraPipelineHostOptions { People = new IdentityTrackerOptions { Retention = TimeSpan.FromMinutes(5), PruneInterval = TimeSpan.FromMinutes(1) } };
        var it = new IdentityTracker(options.People);
        it.Observe(1, At("a", T0), null);
        it.Observe(2, At("a", T0.AddMinutes(3)), null);
        using var pruner = new IdentityTrackerPruner(it, Options.Create(options), clock, NullLogger<IdentityTrackerPruner>.Instance);
        await pruner.StartAsync(CancellationToken.None);
        try
        {
            // Minute by minute (each tick waits for the previous to finish): nobody is older than the retention before
            // minute 6; person 1 (last seen at 0) goes at minute 6, person 2 (at 3) at minute 9.
            var counts = new List<int>();
            for (var minute = 1; minute <= 10; minute++)
            {
                // The pruner's wait for this tick is registered (its loop runs on the thread pool).
                await WaitUntilAsync(() => clock.Timers >= minute);
                fake.Advance(TimeSpan.FromMinutes(1));
                counts.Add(await CountWhenSettledAsync(it, minute < 6 ? 2 : minute < 9 ? 1 : 0));
            }

            Assert.Equal([2, 2, 2, 2, 2, 1, 1, 1, 0, 0], counts);
            Assert.False(it.TryGet(1, out _));
        }
        finally
        {
            await pruner.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.NotEmpty(new IdentityTrackerOptions { PresenceWindow = TimeSpan.Zero }.Validate());
        Assert.NotEmpty(new IdentityTrackerOptions { PruneInterval = TimeSpan.FromSeconds(-1) }.Validate());
        Assert.NotEmpty(new IdentityTrackerOptions { Retention = TimeSpan.FromSeconds(1), PresenceWindow = TimeSpan.FromSeconds(2) }.Validate());
        Assert.Throws<ArgumentException>(() => new IdentityTracker(new IdentityTrackerOptions { TrailLength = 0 }));
        Assert.NotEmpty(new CameraPipelineHostOptions { People = new IdentityTrackerOptions { Retention = TimeSpan.Zero } }.Validate());
    }

    // The pruner's tick runs on the thread pool after the fake clock fires it: wait for its next wait to be registered
    // (the tick is done), with a bound so a wrong count fails rather than hangs.
    private static async Task<int> CountWhenSettledAsync(IdentityTracker it, int expected)
    {
        for (var i = 0; i < 200 && it.Count != expected; i++)
        {
            await Task.Delay(10);
        }

        return it.Count;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), "the pruner did not wait for its next tick");
    }

    /// <summary>The fake clock, counting the timers created on it (each of the pruner's waits is one).</summary>
    private sealed class CountingTime(FakeTimeProvider inner) : TimeProvider
    {
        private int _timers;

        public int Timers => Volatile.Read(ref _timers);

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = inner.CreateTimer(callback, state, dueTime, period);
            Interlocked.Increment(ref _timers);
            return timer;
        }
    }
}
