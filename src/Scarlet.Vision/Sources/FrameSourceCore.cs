using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Scarlet.Vision;

/// <summary>
/// The state machine shared by every frame source: status and its event, the last fault in plain words, one reader at a
/// time, cancellation on dispose, and (for live sources) the reconnect loop with capped exponential backoff on the
/// injected <see cref="TimeProvider"/>, giving up after <see cref="FrameSourceOptions.MaxStartAttempts"/> when the source
/// never went live.
/// </summary>
internal sealed class FrameSourceCore : IAsyncDisposable
{
    private readonly IFrameSource _owner;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposed = new();
    private int _status = (int)FrameSourceStatus.Connecting;
    private int _reading;
    private FrameSourceError? _lastError;

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

    public FrameSourceError? LastError => Volatile.Read(ref _lastError);

    /// <summary>Records an image that did not decode and was skipped (the connection goes on).</summary>
    public void ReportSkipped(string detail) =>
        Volatile.Write(ref _lastError, new FrameSourceError(FrameSourceErrorKind.BadImage, detail, TimeProvider.GetUtcNow()));

    public void SetStatus(FrameSourceStatus status)
    {
        if (Interlocked.Exchange(ref _status, (int)status) != (int)status)
        {
            SourceLog.StatusChanged(_logger, _owner.CameraId, status);
            StatusChanged?.Invoke(_owner, status);
        }
    }

    /// <summary>
    /// Reads a finite source (file, folder): Connecting, Live from the first frame, Stopped at the end, Failed (with
    /// <see cref="LastError"/>) when it cannot be read.
    /// </summary>
    public async IAsyncEnumerable<Frame> RunOnceAsync(
        Func<CancellationToken, IAsyncEnumerable<Frame>> read,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var linked = BeginRead(cancellationToken);
        var token = linked.Token;
        try
        {
            SetStatus(FrameSourceStatus.Connecting);
            var enumerator = read(token).GetAsyncEnumerator(token);
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
                        // A file does not change between tries: the first fault is final.
                        GiveUp(FrameSourceError.From(ex, TimeProvider.GetUtcNow()) with { Failures = 1 }, ex);
                        throw;
                    }

                    if (!hasFrame)
                    {
                        break;
                    }

                    SetStatus(FrameSourceStatus.Live);
                    yield return enumerator.Current;
                }
            }
            finally
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
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
            var failures = 0;     // connections in a row that ended without a frame (a drop after frames counts as the first)
            var everLive = false; // a source that worked once is a camera that dropped, not a wrong URL: it never gives up
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

                        failures = 0;
                        everLive = true;
                        SetStatus(FrameSourceStatus.Live);
                        yield return enumerator.Current;
                    }
                }
                finally
                {
                    await enumerator.DisposeAsync().ConfigureAwait(false);
                }

                token.ThrowIfCancellationRequested();
                failures++;
                var now = TimeProvider.GetUtcNow();
                var error = failure is null
                    ? new FrameSourceError(FrameSourceErrorKind.ConnectionLost, "The camera ended the stream.", now, failures)
                    : FrameSourceError.From(failure, now) with { Failures = failures };
                if (!everLive && Options.MaxStartAttempts > 0 && failures >= Options.MaxStartAttempts)
                {
                    GiveUp(error, failure);
                    throw new FrameSourceException(
                        error.Kind,
                        $"Camera {_owner.CameraId} could not start after {failures} attempts: {error}",
                        failure);
                }

                var delay = Options.GetReconnectDelay(failures - 1, Random.Shared.NextDouble());
                Volatile.Write(ref _lastError, error with { RetryDelay = delay });
                SourceLog.Reconnecting(_logger, _owner.CameraId, error.Reason, error.Detail, delay, failures, Options.ReconnectMaxDelay, error.Kind == FrameSourceErrorKind.Other ? failure : null);
                SourceMetrics.Reconnects.Add(1, SourceMetrics.Camera(_owner.CameraId));

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

        // A reader still running sets Stopped itself when it unwinds; an idle source is stopped now (a failed one stays
        // Failed: that is its last word).
        if (Volatile.Read(ref _reading) == 0 && Status != FrameSourceStatus.Failed)
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

    private void GiveUp(FrameSourceError error, Exception? exception)
    {
        Volatile.Write(ref _lastError, error);
        SourceLog.Failed(_logger, _owner.CameraId, error.Reason, error.Detail, error.Failures, error.Kind == FrameSourceErrorKind.Other ? exception : null);
        SetStatus(FrameSourceStatus.Failed);
    }

    private void EndRead()
    {
        if (Status != FrameSourceStatus.Failed)
        {
            SetStatus(FrameSourceStatus.Stopped);
        }

        Volatile.Write(ref _reading, 0);
    }
}
