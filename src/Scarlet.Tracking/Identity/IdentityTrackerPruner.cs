using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scarlet.Tracking.Pipeline;

namespace Scarlet.Tracking.Identity;

/// <summary>
/// Forgets people the <see cref="IdentityTracker"/> has not seen for <see cref="IdentityTrackerOptions.Retention"/>,
/// every <see cref="IdentityTrackerOptions.PruneInterval"/>, so the registry does not grow for the life of the host.
/// </summary>
internal sealed partial class IdentityTrackerPruner(IdentityTracker identities, IOptions<CameraPipelineHostOptions> options, TimeProvider time, ILogger<IdentityTrackerPruner> logger) : BackgroundService
{
    /// <summary>Runs one prune now (also what each tick does).</summary>
    /// <returns>The number of people forgotten.</returns>
    public int PruneNow()
    {
        var removed = identities.Prune(time.GetUtcNow());
        if (removed > 0)
        {
            LogPruned(logger, removed, identities.Count);
        }

        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.People.PruneInterval;
        try
        {
            while (true)
            {
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
                PruneNow();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Forgot {Removed} people not seen within the retention; {Kept} kept")]
    private static partial void LogPruned(ILogger logger, int removed, int kept);
}
