using System.Diagnostics;
using Scarlet.Vision;

namespace Scarlet.WebHost;

/// <summary>
/// How many face requests decode and run the models at once (<c>Scarlet:Inference:MaxConcurrentRequests</c>; 0, the
/// default, = no limit). Inference is synchronous CPU work on a thread-pool thread: past one request per core the extra
/// ones only time-slice the cores and hold thread-pool threads. Waiting here is asynchronous and first come, first
/// served. Off by default: on the shared 2-core machine a limit of 2 did not measurably win (docs/benchmarks.md);
/// <c>scarlet bench requests --host-env Scarlet__Inference__MaxConcurrentRequests=2</c> measures it elsewhere.
/// </summary>
internal sealed class InferenceGate : IDisposable
{
    /// <summary>The host's activity source: <c>request.queue</c>, the wait for a slot (a stage of <see cref="ServerTiming"/>).</summary>
    internal static readonly ActivitySource Activities = new(ScarletDiagnostics.ActivitySourcePrefix + "WebHost", "0.1.0");

    private readonly SemaphoreSlim? _slots;

    public InferenceGate(int maxConcurrentRequests)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxConcurrentRequests);
        _slots = maxConcurrentRequests == 0 ? null : new SemaphoreSlim(maxConcurrentRequests, maxConcurrentRequests);
    }

    /// <summary>Waits for a slot; dispose the result to give it back.</summary>
    public async ValueTask<Slot> EnterAsync(CancellationToken cancellationToken)
    {
        if (_slots is null)
        {
            return default;
        }

        if (!_slots.Wait(0, CancellationToken.None))
        {
            using var activity = Activities.StartActivity("request.queue");
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return new Slot(_slots);
    }

    public void Dispose() => _slots?.Dispose();

    /// <summary>A held slot.</summary>
    internal readonly struct Slot(SemaphoreSlim? slots) : IDisposable
    {
        public void Dispose() => slots?.Release();
    }
}
