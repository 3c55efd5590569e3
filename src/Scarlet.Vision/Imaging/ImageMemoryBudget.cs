using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using OpenCvSharp;

namespace Scarlet.Vision;

/// <summary>
/// Bounds the memory that decoded images take in a process: how many images are in the native decoder at once and how
/// many decoded pixels are alive at once (<see cref="ImageMemoryOptions"/>). An <see cref="ImageDecoder"/> created with a
/// budget takes an image's share, from its header's size, before decoding and gives it back when the returned
/// <see cref="Mat"/> is disposed; an image that cannot get its share within
/// <see cref="ImageMemoryOptions.QueueTimeout"/> is refused with <see cref="ImageBudgetExceededException"/>.
/// </summary>
/// <remarks>Thread-safe; share one per process (the web host registers one).</remarks>
public sealed class ImageMemoryBudget : IDisposable
{
    private static readonly Counter<long> s_refused = ScarletDiagnostics.Meter.CreateCounter<long>(
        "scarlet.images.refused", unit: "{image}", description: "Images refused because the decoded-image memory budget was in use for longer than the queue timeout.");

    private readonly ConcurrencyLimiter _pixels;
    private readonly ConcurrencyLimiter _decodes;

    /// <summary>Creates a budget.</summary>
    /// <param name="options">The limits.</param>
    /// <exception cref="ArgumentException">The options are out of range.</exception>
    public ImageMemoryBudget(ImageMemoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        VisionOptionsValidator.Check(options, errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid ImageMemoryOptions: " + string.Join(" ", errors), nameof(options));
        }

        Options = options;

        // Oldest first: a large image at the head of the queue is not starved by a stream of small ones.
        _pixels = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.MaxDecodedPixelsInFlight,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _decodes = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.MaxConcurrentDecodes,
            QueueLimit = 4096,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>Gets the limits in force.</summary>
    public ImageMemoryOptions Options { get; }

    /// <summary>Gets the decoded pixels currently held (alive or about to be decoded).</summary>
    public long PixelsInFlight => Options.MaxDecodedPixelsInFlight - (_pixels.GetStatistics()?.CurrentAvailablePermits ?? Options.MaxDecodedPixelsInFlight);

    /// <summary>Takes the share of <paramref name="pixels"/> decoded pixels, waiting at most the queue timeout.</summary>
    /// <exception cref="ImageBudgetExceededException">The share was not free in time.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    internal ValueTask<RateLimitLease> AcquirePixelsAsync(long pixels, bool wait, CancellationToken cancellationToken) =>
        AcquireAsync(_pixels, (int)Math.Clamp(pixels, 1, Options.MaxDecodedPixelsInFlight), wait, "decoded-image memory", cancellationToken);

    /// <summary>Takes one of the decoder slots, waiting at most the queue timeout.</summary>
    /// <exception cref="ImageBudgetExceededException">No slot was free in time.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    internal ValueTask<RateLimitLease> AcquireDecodeSlotAsync(bool wait, CancellationToken cancellationToken) =>
        AcquireAsync(_decodes, 1, wait, "image decoder", cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        _pixels.Dispose();
        _decodes.Dispose();
    }

    private async ValueTask<RateLimitLease> AcquireAsync(ConcurrencyLimiter limiter, int permits, bool wait, string what, CancellationToken cancellationToken)
    {
        var lease = limiter.AttemptAcquire(permits);
        if (!lease.IsAcquired && wait && Options.QueueTimeout > TimeSpan.Zero)
        {
            lease.Dispose();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Options.QueueTimeout);
            try
            {
                lease = await limiter.AcquireAsync(permits, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lease = null;
            }
        }

        if (lease is { IsAcquired: true })
        {
            return lease;
        }

        lease?.Dispose();
        s_refused.Add(1);
        throw new ImageBudgetExceededException($"The server is busy: the {what} budget is in use by other images; try again shortly.")
        {
            RetryAfter = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(Options.QueueTimeout.TotalSeconds))),
        };
    }
}

/// <summary>A decoded image that gives its share of the <see cref="ImageMemoryBudget"/> back when disposed (or finalised).</summary>
internal sealed class BudgetedMat : Mat
{
    private IDisposable? _lease;

    /// <summary>Shares <paramref name="decoded"/>'s pixels (no copy); the caller disposes its own header.</summary>
    public BudgetedMat(Mat decoded, IDisposable lease)
        : base(decoded)
    {
        _lease = lease;
    }

    protected override void DisposeUnmanaged()
    {
        base.DisposeUnmanaged();
        Interlocked.Exchange(ref _lease, null)?.Dispose();
    }
}
