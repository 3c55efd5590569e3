using System.Reactive.Subjects;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Scarlet.Tracking.CrossCamera;
using Scarlet.Tracking.Identity;
using Scarlet.Vision;

namespace Scarlet.Tracking.Pipeline;

/// <summary>
/// Runs several camera pipelines over shared models, one cross-camera resolver and one identity tracker: add cameras,
/// start, pause, resume, stop them, read their status, and subscribe to the merged update and event streams.
/// </summary>
/// <remarks>Thread-safe. The merged streams are serialised (one callback at a time) and complete on dispose.</remarks>
public sealed class CameraPipelineHost : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Camera> _cameras = new(StringComparer.Ordinal);
    private readonly List<Task> _removals = [];
    private readonly CameraPipelineModels _models;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly ISubject<TrackingUpdate> _updates = Subject.Synchronize(new Subject<TrackingUpdate>());
    private readonly ISubject<TrackingEvent> _events = Subject.Synchronize(new Subject<TrackingEvent>());
    private bool _disposed;

    /// <summary>Creates a host.</summary>
    /// <param name="models">The shared models.</param>
    /// <param name="resolver">The cross-camera resolver (null: a new one without topology).</param>
    /// <param name="identities">The identity tracker (null: a new one).</param>
    /// <param name="loggerFactory">Loggers, or null.</param>
    /// <param name="timeProvider">The clock of sources and of the pipelines' last frame age, or null for the system clock.</param>
    public CameraPipelineHost(CameraPipelineModels models, CrossCameraResolver? resolver = null, IdentityTracker? identities = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        _models = models;
        Resolver = resolver ?? new CrossCameraResolver();
        Identities = identities ?? new IdentityTracker();
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the cross-camera resolver.</summary>
    public CrossCameraResolver Resolver { get; }

    /// <summary>Gets the identity tracker.</summary>
    public IdentityTracker Identities { get; }

    /// <summary>Gets the updates of every camera.</summary>
    public IObservable<TrackingUpdate> Updates => _updates;

    /// <summary>Gets the events of every camera.</summary>
    public IObservable<TrackingEvent> Events => _events;

    /// <summary>Gets the camera ids.</summary>
    public IReadOnlyList<string> CameraIds
    {
        get
        {
            lock (_gate)
            {
                return [.. _cameras.Keys];
            }
        }
    }

    /// <summary>Adds a camera (not started).</summary>
    /// <param name="options">The camera's options; <see cref="CameraPipelineOptions.Source"/> is opened with <see cref="FrameSourceFactory"/> unless <paramref name="source"/> is given.</param>
    /// <param name="source">A source object (the host disposes it), or null.</param>
    /// <returns>The pipeline.</returns>
    /// <exception cref="ArgumentException">The options are invalid, the camera id is taken, or no source is given.</exception>
    public CameraPipeline Add(CameraPipelineOptions options, IFrameSource? source = null) => Add(options, source, null);

    /// <summary>Adds a camera (not started) whose faces are identified with <paramref name="faces"/> (e.g. its organisation's gallery) instead of the host's face models.</summary>
    /// <param name="options">The camera's options; <see cref="CameraPipelineOptions.Source"/> is opened with <see cref="FrameSourceFactory"/> unless <paramref name="source"/> is given.</param>
    /// <param name="source">A source object (the host disposes it), or null.</param>
    /// <param name="faces">The camera's face models, or null for the host's.</param>
    /// <returns>The pipeline.</returns>
    /// <exception cref="ArgumentException">The options are invalid, the camera id is taken, or no source is given.</exception>
    public CameraPipeline Add(CameraPipelineOptions options, IFrameSource? source, FaceModels? faces)
    {
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (source is null && string.IsNullOrWhiteSpace(options.Source))
        {
            throw new ArgumentException($"Camera {options.CameraId}: no source.", nameof(options));
        }

        lock (_gate)
        {
            if (_cameras.ContainsKey(options.CameraId))
            {
                throw new ArgumentException($"Camera {options.CameraId} is already added.", nameof(options));
            }

            var models = faces is null ? _models : new CameraPipelineModels(_models.Persons, _models.ReId, faces);
            var pipeline = new CameraPipeline(options, models, Resolver, Identities, _loggerFactory.CreateLogger<CameraPipeline>(), _time);
            try
            {
                source ??= FrameSourceFactory.Create(options.CameraId, options.Source!, options.SourceOptions, _time, _loggerFactory);
            }
            catch
            {
                // The caller never sees this pipeline: dispose it here rather than leave its streams open.
                pipeline.Dispose();
                throw;
            }

            var camera = new Camera(pipeline, source);
            camera.Subscriptions.Add(pipeline.Updates.Subscribe(u => _updates.OnNext(u)));
            camera.Subscriptions.Add(pipeline.Events.Subscribe(e => _events.OnNext(e)));
            _cameras[options.CameraId] = camera;
            return pipeline;
        }
    }

    /// <summary>Starts one camera (no-op when running).</summary>
    /// <exception cref="KeyNotFoundException">Unknown camera.</exception>
    public void Start(string cameraId)
    {
        lock (_gate)
        {
            var c = Get(cameraId);
            if (c.Run is null)
            {
                c.Cancel = new CancellationTokenSource();
                var token = c.Cancel.Token;
                c.Run = Task.Run(() => c.Pipeline.RunAsync(c.Source, token), CancellationToken.None);
            }
        }
    }

    /// <summary>Starts every camera.</summary>
    public void StartAll()
    {
        foreach (var id in CameraIds)
        {
            Start(id);
        }
    }

    /// <summary>Pauses a camera (capture goes on, frames are discarded).</summary>
    public void Pause(string cameraId)
    {
        lock (_gate)
        {
            Get(cameraId).Pipeline.Pause();
        }
    }

    /// <summary>Resumes a camera.</summary>
    public void Resume(string cameraId)
    {
        lock (_gate)
        {
            Get(cameraId).Pipeline.Resume();
        }
    }

    /// <summary>Stops a camera and waits for it; a camera cannot be restarted (remove and add it again).</summary>
    public async Task StopAsync(string cameraId)
    {
        Camera c;
        lock (_gate)
        {
            c = Get(cameraId);
        }

        await StopCameraAsync(c).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops a camera, disposes its pipeline and source, and forgets it (its id may be added again, for example to
    /// restart a camera: a pipeline runs once).
    /// </summary>
    /// <param name="cameraId">The camera.</param>
    /// <returns><see langword="true"/> when the camera was there.</returns>
    public async Task<bool> RemoveAsync(string cameraId)
    {
        ArgumentNullException.ThrowIfNull(cameraId);
        Camera? c;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_cameras.Remove(cameraId, out c))
            {
                return false;
            }
        }

        // Disposal waits for this stop too: the camera is no longer listed, but its pipeline may still be running
        // inference on the shared models, which the container disposes right after this host.
        var stop = StopCameraAsync(c);
        lock (_gate)
        {
            _removals.Add(stop);
        }

        try
        {
            await stop.ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _removals.Remove(stop);
            }
        }

        foreach (var s in c.Subscriptions)
        {
            s.Dispose();
        }

        c.Pipeline.Dispose();
        await c.Source.DisposeAsync().ConfigureAwait(false);
        c.Cancel?.Dispose();
        return true;
    }

    /// <summary>Stops every camera.</summary>
    public Task StopAllAsync()
    {
        Camera[] all;
        lock (_gate)
        {
            all = [.. _cameras.Values];
        }

        return Task.WhenAll(all.Select(StopCameraAsync));
    }

    /// <summary>Waits until every started camera has ended (sources ended, stopped or failed).</summary>
    public Task WhenAllStoppedAsync()
    {
        Task[] runs;
        lock (_gate)
        {
            runs = [.. _cameras.Values.Select(c => c.Run).OfType<Task>()];
        }

        return Task.WhenAll(runs.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
    }

    /// <summary>Gets every camera's status.</summary>
    public IReadOnlyList<CameraPipelineStatus> GetStatus()
    {
        lock (_gate)
        {
            return [.. _cameras.Values.Select(c => c.Pipeline.GetStatus())];
        }
    }

    /// <summary>Stops every camera, disposes the sources and completes the streams.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await StopAllAsync().ConfigureAwait(false);
        Task[] removing;
        lock (_gate)
        {
            removing = [.. _removals];
        }

        await Task.WhenAll(removing).ConfigureAwait(false);
        Camera[] all;
        lock (_gate)
        {
            all = [.. _cameras.Values];
            _cameras.Clear();
        }

        foreach (var c in all)
        {
            foreach (var s in c.Subscriptions)
            {
                s.Dispose();
            }

            c.Pipeline.Dispose();
            await c.Source.DisposeAsync().ConfigureAwait(false);
            c.Cancel?.Dispose();
        }

        _updates.OnCompleted();
        _events.OnCompleted();
    }

    private static async Task StopCameraAsync(Camera c)
    {
        if (c.Run is null)
        {
            return;
        }

        if (c.Cancel is { } cts)
        {
            await cts.CancelAsync().ConfigureAwait(false);
        }

        try
        {
            await c.Run.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        catch (Exception)
        {
            // The failure is in the pipeline's status; stopping does not rethrow it.
        }
    }

    private Camera Get(string cameraId)
    {
        ArgumentNullException.ThrowIfNull(cameraId);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _cameras.TryGetValue(cameraId, out var c) ? c : throw new KeyNotFoundException($"Unknown camera '{cameraId}'.");
    }

    private sealed class Camera(CameraPipeline pipeline, IFrameSource source)
    {
        public CameraPipeline Pipeline { get; } = pipeline;

        public IFrameSource Source { get; } = source;

        public List<IDisposable> Subscriptions { get; } = [];

        public CancellationTokenSource? Cancel { get; set; }

        public Task? Run { get; set; }
    }
}
