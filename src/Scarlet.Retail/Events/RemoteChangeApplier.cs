using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Scarlet.Retail.Events;

/// <summary>
/// Applies another host's change (an event read off the shared bus) to this host's state by reading the shared store:
/// while the store is away (<see cref="StoreUnavailableException"/>) it waits and tries again, 0.25 s doubling to 5 s,
/// for as long as it takes, so later changes queue behind this one in order and none is lost; any other failure is
/// logged once and the change is given up (the next change of the same thing reads the store afresh).
/// </summary>
public sealed class RemoteChangeApplier
{
    private readonly string _what;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;

    /// <summary>Initializes a new instance of the <see cref="RemoteChangeApplier"/> class.</summary>
    /// <param name="what">What follows the changes, for the log (e.g. "Gallery replica").</param>
    /// <param name="logger">Where waits and failures are logged.</param>
    /// <param name="time">The clock of the waits (the system clock when null).</param>
    public RemoteChangeApplier(string what, ILogger logger, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(what);
        ArgumentNullException.ThrowIfNull(logger);
        _what = what;
        _logger = logger;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                ShouldHandle = new PredicateBuilder().Handle<StoreUnavailableException>(),
                // 0.25 s doubling to 5 s; computed here so that an outage of hours (thousands of attempts) cannot
                // overflow an exponential formula.
                DelayGenerator = static args => new ValueTask<TimeSpan?>(TimeSpan.FromMilliseconds(Math.Min(250 << Math.Min(args.AttemptNumber, 5), 5000))),
            })
            .Build();
    }

    /// <summary>Runs <paramref name="apply"/> for <paramref name="change"/> until it succeeds, fails otherwise, or is cancelled.</summary>
    /// <param name="change">The other host's event (named in the log).</param>
    /// <param name="apply">Reads the store and applies the change.</param>
    /// <param name="cancellationToken">Stops the waiting (then throws <see cref="OperationCanceledException"/>).</param>
    /// <returns>A task that completes when the change is applied or given up.</returns>
    public async Task ApplyAsync(ScarletEvent change, Func<CancellationToken, Task> apply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(apply);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            await _pipeline.ExecuteAsync(
                static async (ctx, state) =>
                {
                    try
                    {
                        await state.apply(ctx.CancellationToken).ConfigureAwait(false);
                    }
                    catch (StoreUnavailableException ex)
                    {
                        state.self._logger.LogWarning("{What}: waiting for the store to apply {Topic} event {EventId}: {Reason}", state.self._what, state.change.Topic, state.change.EventId, ex.Message);
                        throw;
                    }
                },
                context,
                (self: this, change, apply)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.LogError(ex, "{What}: {Topic} event {EventId} of another host not applied", _what, change.Topic, change.EventId);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
