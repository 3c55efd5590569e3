using System.Reactive.Subjects;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using Scarlet.Recognition;
using Scarlet.Retail.Events;
using Scarlet.Tracking;
using Scarlet.Tracking.Geometry;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;

namespace Scarlet.Retail;

/// <summary>
/// One camera of a store on a library <see cref="CameraPipeline"/> (capture, newest-frame queue, person detection,
/// ByteTrack, cross-camera ids, enter/exit, faces per track decided by the track's vote over the organisation's gallery),
/// publishing what it sees as retail events: <see cref="TrackIdentityPublisher"/> (recognition events of the decided
/// customers and strangers), <see cref="TrackingEventPublisher"/> (store and zone events) and the face attributes of a
/// visit at its exit (<see cref="AttributeStatistics"/>). A host reads its <see cref="State"/>, <see cref="Health"/>,
/// <see cref="Latest"/> persons and annotated <see cref="Image"/>, and subscribes to <see cref="Frames"/>,
/// <see cref="Events"/> and <see cref="Identities"/>.
/// </summary>
/// <remarks>
/// Created by <see cref="StoreCameraRegistry"/>. A pipeline runs once: <see cref="Start"/> after the camera ended starts a
/// fresh one. <see cref="Frames"/> and <see cref="Events"/> are raised on the pipeline's inference thread (keep handlers
/// short); <see cref="Identities"/> off it. The observables complete when the camera is disposed.
/// </remarks>
public sealed class StoreCamera : IAsyncDisposable
{
    private static readonly Scalar Unknown = new(0, 200, 255);
    private static readonly Scalar Named = new(0, 220, 0);

    private readonly StoreCameraRegistry _registry;
    private readonly Lock _gate = new();
    private readonly OverlayRenderer _overlay = new();
    private readonly Subject<StoreCameraFrame> _frames = new();
    private readonly Subject<TrackingEvent> _events = new();
    private readonly Subject<RecognitionEvent> _identities = new();
    private volatile CameraPipeline? _pipeline;
    private TrackIdentityPublisher? _publisher;
    private Task _faceWork = Task.CompletedTask;
    private Task _stopping = Task.CompletedTask;
    private IDisposable? _eventSubscription;
    private volatile StoreCameraImage? _image;
    private volatile StoreCameraFrame? _latest;
    private TaskCompletionSource _nextImage = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile IReadOnlyList<CameraZone> _zones = [];
    private volatile FrameSourceError? _startError;
    private long _processed;
    private long _lastSeenTicks = long.MinValue;
    private int _disposed;

    internal StoreCamera(StoreCameraDefinition definition, string organizationId, StoreCameraRegistry registry)
    {
        Definition = definition;
        OrganizationId = organizationId;
        Placement = definition.PlacementIn(organizationId);
        _registry = registry;
    }

    /// <summary>Gets the camera's definition (its source unredacted: never show it to a user as it is).</summary>
    public StoreCameraDefinition Definition { get; }

    /// <summary>Gets the camera id.</summary>
    public string Id => Definition.Id;

    /// <summary>Gets the organisation the camera belongs to.</summary>
    public string OrganizationId { get; }

    /// <summary>Gets where the camera is (organisation, store, zone), as its events say.</summary>
    public CameraPlacement Placement { get; }

    /// <summary>Gets the display name.</summary>
    public string Name => Definition.Name ?? Definition.Id;

    /// <summary>Gets the source with its credentials hidden (<see cref="FrameSourceFactory.Redact"/>).</summary>
    public string RedactedSource => FrameSourceFactory.Redact(Definition.Source);

    /// <summary>Gets the zone the camera watches.</summary>
    public string Zone => Placement.Zone;

    /// <summary>Gets the processed frames (persons and their identities), on the inference thread.</summary>
    public IObservable<StoreCameraFrame> Frames => _frames;

    /// <summary>Gets the pipeline's tracking events (enter, exit, zones, lines), after they were published as retail events.</summary>
    public IObservable<TrackingEvent> Events => _events;

    /// <summary>Gets the recognition events the camera published (customers matched, strangers announced).</summary>
    public IObservable<RecognitionEvent> Identities => _identities;

    /// <summary>Gets the latest processed frame (without pixels), or <see langword="null"/> before the first.</summary>
    public StoreCameraFrame? Latest => _latest;

    /// <summary>Gets the latest annotated image, or <see langword="null"/> before the first (or when images are off).</summary>
    public StoreCameraImage? Image => _image;

    /// <summary>Gets the frames processed since the camera was created.</summary>
    public long FramesProcessed => Interlocked.Read(ref _processed);

    /// <summary>Gets the time of the latest processed frame.</summary>
    public DateTimeOffset? LastSeen
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastSeenTicks);
            return ticks == long.MinValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Gets the size of the latest processed frame (0 x 0 before the first), to normalise positions.</summary>
    public (int Width, int Height) FrameSize => _latest is { } f ? (f.Update.FrameWidth, f.Update.FrameHeight) : (0, 0);

    /// <summary>
    /// Gets the pipeline's counters (fps, frames captured and dropped, reconnects, last frame age), or
    /// <see langword="null"/> while it is not running. The age is on the <see cref="CameraPipelineHost"/>'s clock: the
    /// registry's <see cref="TimeProvider"/> when both come from the service provider.
    /// </summary>
    public CameraPipelineStatus? Health => _pipeline?.GetStatus();

    /// <summary>Gets whether the pipeline is starting, running or paused.</summary>
    public bool IsRunning => _pipeline?.GetStatus().State is CameraPipelineState.Idle or CameraPipelineState.Running or CameraPipelineState.Paused;

    /// <summary>Gets what the camera is doing.</summary>
    public StoreCameraState State
    {
        get
        {
            var p = _pipeline;
            if (p is null)
            {
                return _startError is null ? StoreCameraState.Stopped : StoreCameraState.Error;
            }

            var s = p.GetStatus();
            return s.State switch
            {
                CameraPipelineState.Faulted => s.SourceStatus == FrameSourceStatus.Failed ? StoreCameraState.Failed : StoreCameraState.Error,
                _ when p.IsPaused => StoreCameraState.Paused,
                CameraPipelineState.Stopped => StoreCameraState.Ended,
                CameraPipelineState.Idle => StoreCameraState.Starting,
                _ => s.SourceStatus switch
                {
                    FrameSourceStatus.Live => StoreCameraState.Running,
                    FrameSourceStatus.Stopped => s.FramesProcessed > 0 ? StoreCameraState.Running : StoreCameraState.Starting,
                    FrameSourceStatus.Connecting => StoreCameraState.Connecting,
                    FrameSourceStatus.Reconnecting => StoreCameraState.Reconnecting,
                    _ => StoreCameraState.Failed,
                },
            };
        }
    }

    /// <summary>
    /// Gets the last fault in the library's plain words (<c>connection refused</c>, <c>not a video</c>, ...) with its
    /// time: why the camera could not start, its source's last fault, or the error that stopped its pipeline (no time).
    /// </summary>
    public StoreCameraError? LastError
    {
        get
        {
            if (_startError is { } start)
            {
                return StoreCameraError.From(start);
            }

            if (_pipeline?.GetStatus() is not { } s)
            {
                return null;
            }

            if (s.State == CameraPipelineState.Faulted && s.SourceStatus != FrameSourceStatus.Failed && s.Error is { } error)
            {
                return new StoreCameraError(error, FrameSourceErrorKind.Other, null);
            }

            return s.SourceError is { } e ? StoreCameraError.From(e) : null;
        }
    }

    /// <summary>Starts the camera, resumes it when paused, or starts a fresh pipeline when it ended or failed.</summary>
    /// <remarks>A camera that cannot open shows as <see cref="StoreCameraState.Error"/> with <see cref="LastError"/>; it never throws for its source.</remarks>
    public void Start()
    {
        lock (_gate)
        {
            if (_pipeline is { } running && IsRunning)
            {
                running.Resume();
                return;
            }
        }

        if (_pipeline is not null)
        {
            // Ended or failed: removing a finished pipeline does not wait for anything.
            StopAsync().GetAwaiter().GetResult();
        }

        lock (_gate)
        {
            if (_pipeline is not null || Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            var o = _registry.Options;
            var options = new CameraPipelineOptions
            {
                CameraId = Id,
                Source = Definition.Source,
                SourceOptions = new FrameSourceOptions
                {
                    Loop = Definition.Loop,
                    RealTimePacing = o.RealTimePacing,
                    ReconnectMaxDelay = o.ReconnectMaxDelay,
                    MaxStartAttempts = o.MaxStartAttempts,
                },
                MaxProcessingFps = o.ProcessingFps,
                EnableFaces = true,
                FaceInterval = o.RecognizeEvery,
                Tracker = new TrackerOptions { FrameRate = o.ProcessingFps, LostTrackBuffer = o.ExitAfterFrames },
            };
            foreach (var zone in _zones)
            {
                options.CameraZones.Add(zone);
            }

            CameraPipeline pipeline;
            try
            {
                pipeline = _registry.Pipelines.Add(options, null, FaceModels(options));
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or InvalidOperationException or NotSupportedException)
            {
                _startError = FrameSourceError.From(ex, _registry.Time.GetUtcNow());
                _registry.Logger.LogError(ex, "Camera {Camera} could not start", Id);
                return;
            }

            _startError = null;
            _publisher = new TrackIdentityPublisher(_registry.Faces, _registry.Stream, Placement);
            pipeline.FrameProcessed += OnFrameProcessed;
            _eventSubscription = pipeline.Events.Subscribe(OnTrackingEvent);
            _pipeline = pipeline;
            _registry.Pipelines.Start(Id);
        }
    }

    /// <summary>Pauses the camera (capture goes on, frames are discarded); <see cref="Start"/> resumes it.</summary>
    public void Pause() => _pipeline?.Pause();

    /// <summary>Sets the camera's polygon zones: from the running pipeline's next frame, and for every later start.</summary>
    /// <param name="zones">The zones.</param>
    public void SetZones(IReadOnlyList<CameraZone> zones)
    {
        ArgumentNullException.ThrowIfNull(zones);
        _zones = [.. zones];
        _pipeline?.SetZones(zones);
    }

    /// <summary>Stops the camera; a second caller waits for the first stop to finish.</summary>
    /// <returns>The stop.</returns>
    public Task StopAsync()
    {
        lock (_gate)
        {
            if (_pipeline is null)
            {
                return _stopping;
            }

            _pipeline = null;
            _stopping = StopPipelineAsync();
            return _stopping;
        }
    }

    /// <summary>Waits for an image newer than <paramref name="afterSequence"/>.</summary>
    /// <param name="afterSequence">The sequence of the image the caller has (-1 for none).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The image.</returns>
    public async Task<StoreCameraImage> NextImageAsync(long afterSequence, CancellationToken cancellationToken)
    {
        while (true)
        {
            var waiter = Volatile.Read(ref _nextImage).Task;
            if (_image is { } img && img.Sequence > afterSequence)
            {
                return img;
            }

            await waiter.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await StopAsync().ConfigureAwait(false);
            _frames.OnCompleted();
            _events.OnCompleted();
            _identities.OnCompleted();
            _frames.Dispose();
            _events.Dispose();
            _identities.Dispose();
        }
    }

    /// <summary>The lower-case name of a loyalty tier, as labels and the wire write it.</summary>
    /// <param name="status">The tier.</param>
    /// <returns>The name.</returns>
    public static string LoyaltyText(LoyaltyStatus status) => status.ToString().ToLowerInvariant();

    // The organisation's gallery decides the tracks' customers (built from the customer store on first use); a camera
    // whose gallery cannot be read still tracks people, without faces.
    private FaceModels? FaceModels(CameraPipelineOptions options)
    {
        try
        {
            // Attributes (when an estimator is registered) once per track, counted into the aggregates at the track's exit.
            options.EnableAttributes = _registry.Attributes is not null;
            return _registry.Faces.FaceModelsForAsync(OrganizationId).GetAwaiter().GetResult().WithAttributes(_registry.Attributes);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not ArgumentException)
        {
            _registry.Logger.LogError(ex, "Camera {Camera}: the face gallery could not be read; faces are off", Id);
            options.EnableFaces = false;
            options.EnableAttributes = false;
            return null;
        }
    }

    private async Task StopPipelineAsync()
    {
        await Task.Yield(); // run outside the lock
        try
        {
            await _registry.Pipelines.RemoveAsync(Id).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // Shutting down: the pipeline host already stopped every camera.
        }

        _eventSubscription?.Dispose();
        _eventSubscription = null;
        await _faceWork.ConfigureAwait(false);
    }

    /// <summary>Person enter/exit from the pipeline, published as retail events (visits, zone occupancy).</summary>
    private void OnTrackingEvent(TrackingEvent e)
    {
        string? customer = null;
        if (e.Kind == TrackingEventKind.PersonExited)
        {
            // Same thread as OnFrameProcessed (the pipeline's inference loop).
            customer = _publisher?.Forget(e.TrackId)?.Customer.Id;
        }

        _registry.TrackingEvents.Publish(e, Placement, customer);
        if (e.Kind == TrackingEventKind.PersonExited && e.Attributes is { } attributes)
        {
            _ = CountAttributesAsync(e, attributes, customer ?? e.CustomerId);
        }

        Raise(_events, e, "event");
    }

    // Off the inference thread: a database write must not hold up frames; a failure is logged, never thrown at the camera.
    private async Task CountAttributesAsync(TrackingEvent e, FaceAttributes attributes, string? customer)
    {
        try
        {
            await Task.Yield();
            await _registry.AttributeStatistics.RecordAsync(OrganizationId, e.Timestamp, Id, Zone, attributes, customer).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _registry.Logger.LogError(ex, "Camera {Camera}: face attributes of a visit could not be counted", Id);
        }
    }

    /// <summary>On the pipeline's inference thread, with the frame's pixels: identities, latest state, overlay image, subscribers.</summary>
    private void OnFrameProcessed(object? sender, FrameProcessedEventArgs e)
    {
        try
        {
            Process(e.Frame, e.Update);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The pipeline goes on with the next frame; the failure is logged, not fatal.
            _registry.Logger.LogError(ex, "Camera {Camera}: frame {Sequence} could not be handled", Id, e.Frame.Sequence);
        }
    }

    private void Process(Frame frame, TrackingUpdate update)
    {
        Interlocked.Increment(ref _processed);
        if (_publisher is { } ids && ids.HasNews(update) && _faceWork.IsCompleted)
        {
            // Naming a customer reads the store: off the inference thread, one at a time (a later frame catches up).
            _faceWork = Task.Run(() => PublishIdentitiesAsync(ids, update));
        }

        var persons = new StoreCameraPerson[update.Persons.Count];
        for (var i = 0; i < persons.Length; i++)
        {
            var t = update.Persons[i];
            persons[i] = new StoreCameraPerson(t, TrackingEventPublisher.PersonIdOf(t.GlobalId), _publisher?.IdentityOf(t.TrackId));
        }

        var processed = new StoreCameraFrame(this, update, persons);
        _latest = processed;
        Interlocked.Exchange(ref _lastSeenTicks, frame.Timestamp.UtcTicks);
        if (_registry.Options.JpegQuality > 0)
        {
            Draw(frame, processed);
        }

        Raise(_frames, processed, "frame");
    }

    private void Draw(Frame frame, StoreCameraFrame processed)
    {
        var image = frame.Image;
        foreach (var p in processed.Persons)
        {
            var customer = p.Identity?.Customer;
            var label = customer?.Name is { Length: > 0 } n ? $"#{p.Track.GlobalId} {n} ({LoyaltyText(customer.LoyaltyStatus)})" : $"#{p.Track.GlobalId}";
            _overlay.DrawBox(image, p.Track.Box, p.CustomerId is null ? Unknown : Named, label);
        }

        Cv2.ImEncode(".jpg", image, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, _registry.Options.JpegQuality));
        _image = new StoreCameraImage(frame.Sequence + 1, jpeg, frame.Timestamp);
        Interlocked.Exchange(ref _nextImage, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private async Task PublishIdentitiesAsync(TrackIdentityPublisher ids, TrackingUpdate update)
    {
        try
        {
            foreach (var published in await ids.PublishAsync(update).ConfigureAwait(false))
            {
                Raise(_identities, published, "identity");
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _registry.Logger.LogError(ex, "Camera {Camera}: publishing identities failed", Id);
        }
    }

    // A subscriber's failure is logged and never stops the camera.
    private void Raise<T>(Subject<T> subject, T value, string what)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        try
        {
            subject.OnNext(value);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not ObjectDisposedException)
        {
            _registry.Logger.LogError(ex, "Camera {Camera}: a subscriber failed on a {What}", Id, what);
        }
    }
}
