using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Scarlet.Retail.Events;
using Scarlet.Retail.Tests.Support;

namespace Scarlet.Retail.Tests;

/// <summary>Another host's change waits for the shared store (on a fake clock) and is applied once it is back.</summary>
public sealed class RemoteChangeApplierTests
{
    private static readonly ActionEvent s_change = new() { OrganizationId = "org", Timestamp = RetailHarness.Start, CustomerId = "c1", StoreZone = "z", RecommendedProducts = [] };

    [Fact]
    public async Task A_change_waits_while_the_store_is_away_doubling_the_wait_to_five_seconds_and_is_applied_once()
    {
        var time = new WaitClock();
        var applier = new RemoteChangeApplier("test", NullLogger.Instance, time);
        var attempts = 0;
        var applied = 0;
        var task = applier.ApplyAsync(
            s_change,
            _ =>
            {
                if (Interlocked.Increment(ref attempts) <= 8)
                {
                    throw new StoreUnavailableException("the database is restarting");
                }

                applied++;
                return Task.CompletedTask;
            },
            CancellationToken.None);

        // The clock moves by exactly each wait the applier arms, so the waits are read, not timed.
        var waits = new List<TimeSpan>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!task.IsCompleted && DateTime.UtcNow < deadline)
        {
            if (time.Waits.TryDequeue(out var wait))
            {
                waits.Add(wait);
                time.Advance(wait);
            }
            else
            {
                await Task.Delay(2);
            }
        }

        await task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, applied);
        Assert.Equal(9, attempts);
        Assert.Equal([0.25, 0.5, 1, 2, 4, 5, 5, 5], waits.Select(w => w.TotalSeconds));
    }

    [Fact]
    public async Task Any_other_failure_gives_the_change_up_at_once_and_cancellation_stops_the_wait()
    {
        var time = new FakeTimeProvider(RetailHarness.Start);
        var applier = new RemoteChangeApplier("test", NullLogger.Instance, time);
        var tries = 0;
        await applier.ApplyAsync(s_change, _ => { tries++; throw new InvalidOperationException("a bug, not an outage"); }, CancellationToken.None);
        Assert.Equal(1, tries);

        using var cts = new CancellationTokenSource();
        var waiting = applier.ApplyAsync(s_change, _ => throw new StoreUnavailableException("down"), cts.Token);
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    /// <summary>A fake clock that notes each wait once its timer is armed (armed first: an advance cannot come before it).</summary>
    private sealed class WaitClock() : FakeTimeProvider(RetailHarness.Start)
    {
        public System.Collections.Concurrent.ConcurrentQueue<TimeSpan> Waits { get; } = new();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (dueTime > TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
            {
                Waits.Enqueue(dueTime);
            }

            return timer;
        }
    }
}
