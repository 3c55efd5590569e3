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
        var time = new FakeTimeProvider(RetailHarness.Start);
        var applier = new RemoteChangeApplier("test", NullLogger.Instance, time);
        var attempts = new List<DateTimeOffset>();
        var applied = 0;
        var task = applier.ApplyAsync(
            s_change,
            _ =>
            {
                lock (attempts)
                {
                    attempts.Add(time.GetUtcNow());
                    if (attempts.Count <= 8)
                    {
                        throw new StoreUnavailableException("the database is restarting");
                    }
                }

                applied++;
                return Task.CompletedTask;
            },
            CancellationToken.None);

        // The clock moves a quarter second at a time; each step gives the applier a moment to register its next wait.
        for (var step = 0; step < 400 && !task.IsCompleted; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(20);
        }

        await task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, applied);
        Assert.Equal(9, attempts.Count);
        double[] expected = [0.25, 0.5, 1, 2, 4, 5, 5, 5];
        for (var i = 0; i < expected.Length; i++)
        {
            var gap = (attempts[i + 1] - attempts[i]).TotalSeconds;
            // At least the back-off; at most a few clock steps more (the step can come before the wait is registered).
            Assert.InRange(gap, expected[i], expected[i] + 0.75);
        }
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
}
