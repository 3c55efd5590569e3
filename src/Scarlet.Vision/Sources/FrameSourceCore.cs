using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Scarlet.Vision;

/// <summary>
/// The state machine shared by every frame source: status and its event, one reader at a time, cancellation on
/// dispose, and (for live sources) the reconnect loop with exponential backoff on the injected <see cref="TimeProvider"/>.
/// </summary>
internal sealed class FrameSourceCore : IAsyncDisposable
{
    private readonly IFrameSource _owner;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposed = new();
    private int _status = (int)FrameSourceStatus.Connecting;
    private int _reading;

    public FrameSourceCore(IFrameSource owner, FrameSourceOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _owner = owner;
        Options = options;
        TimeProvider = timeProvider;
        _logger = logger;
    }

    public event EventHandler<FrameSourceStatus>? StatusChanged;

    public FrameSourceOptions Options { get; }

    public TimeProvider TimeProvider { get; }

    public FrameSourceStatus Status => (FrameSourceStatus)Volatile.Read(ref _status);

    public void SetStatus(FrameSourceStatus status)
    {
        if (Interlocked.Exchange(ref _status, (int)status) != (int)status)
        {
            SourceLog.StatusChanged(_logger, _owner.CameraId, status);
            StatusChanged?.Invoke(_owner, status);
        }
    }

    /// <summary>Reads a finite source (file, folder): Connecting, Live from the first frame, Stopped at the end.</summary>
    public async IAsyncEnumerable<Frame> RunOnceAsync(
        Func<CancellationToken, IAsyncEnumerable<Frame>> read,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var linked = BeginRead(cancellationToken);
        try
        {
            SetStatus(FrameSourceStatus.Connecting);
            await foreach (var frame in read(linked.Token).ConfigureAwait(false))
            {
                SetStatus(FrameSourceStatus.Live);
                yield return frame;
            }
        }
        finally
        {
            EndRead();
        }
    }

    /// <summary>
    /// Reads a live source: each call of <paramref name="session"/> is one connection, which ends by returning or
    /// throwing; either way the source waits (backoff) and connects again until cancelled.
    /// </summary>
    public async IAsyncEnumerable<Frame> RunLiveAsync(
        Func<CancellationToken, IAsyncEnumerable<Frame>> session,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var linked = BeginRead(cancellationToken);
        var token = linked.Token;
        try
        {
            SetStatus(FrameSourceStatus.Connecting);
            var attempt = 0;
            while (true)
            {
                Exception? failure = null;
                var enumerator = session(token).GetAsyncEnumerator(token);
                try
                {
                    while (true)
                    {
                        bool hasFrame;
                        try
                        {
                            hasFrame = await enumerator.MoveNextAsync().ConfigureAwait(false);
                        }
                        catch (Exception ex) when (!token.IsCancellationRequested)
                        {
                            failure = ex;
                            break;
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException)
                        {
                            // Cancelling aborts sockets and captures, which may surface as I/O errors: report a cancellation.
                            throw new OperationCanceledException("The frame source was stopped.", ex, token);
                        }

                        if (!hasFrame)
                        {
                            break;
                        }

                        attempt = 0;
                        SetStatus(FrameSourceStatus.Live);
                        yield return enumerator.Current;
                    }
                }
                finally
                {
                    await enumerator.DisposeAsync().ConfigureAwait(false);
                }

                token.ThrowIfCancellationRequested();
                var delay = Options.GetReconnectDelay(attempt, Random.Shared.NextDouble());
                SourceLog.Reconnecting(_logger, _owner.CameraId, delay, attempt + 1, failure);
                SourceMetrics.Reconnects.Add(1, SourceMetrics.Camera(_owner.CameraId));
                attempt++;

                // Start the timer before announcing Reconnecting, so an observer that reacts to the status (a test
                // advancing a fake clock) never races the timer's creation.
                var wait = Task.Delay(delay, TimeProvider, token);
                SetStatus(FrameSourceStatus.Reconnecting);
                await wait.ConfigureAwait(false);
            }
        }
        finally
        {
            EndRead();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_disposed.IsCancellationRequested)
        {
            await _disposed.CancelAsync().ConfigureAwait(false);
        }

        // A reader still running sets Stopped itself when it unwinds; an idle source is stopped now.
        if (Volatile.Read(ref _reading) == 0)
        {
            SetStatus(FrameSourceStatus.Stopped);
        }
    }

    private CancellationTokenSource BeginRead(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, _owner);
        if (Interlocked.CompareExchange(ref _reading, 1, 0) != 0)
        {
            throw new InvalidOperationException($"Frame source '{_owner.CameraId}' is already being read; a source has one reader at a time.");
        }

        return CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
    }

    private void EndRead()
    {
        SetStatus(FrameSourceStatus.Stopped);
        Volatile.Write(ref _reading, 0);
    }
}
