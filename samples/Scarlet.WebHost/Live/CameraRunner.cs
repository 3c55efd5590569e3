using System.Text.Json;
using OpenCvSharp;
using Scarlet.Retail;
using Scarlet.Retail.Events;
using Scarlet.Tracking;
using Scarlet.Tracking.Geometry;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;

namespace Scarlet.WebHost.Live;

/// <summary>A tracked object as the seed's <c>GET /cameras/{id}/tracking</c> shows it.</summary>
internal sealed record TrackedObject(string ObjectId, string CameraId, float[] Bbox, float Confidence, string ObjectType, DateTimeOffset LastSeen, string? UserId, float IdentificationConfidence, string? Name, LoyaltyStatus? LoyaltyStatus, float[] MapCoords)
{
    /// <summary>Gets the camera's own track id (<see cref="ObjectId"/> is the cross-camera person).</summary>
    public int TrackId { get; init; }
}

/// <summary>The latest annotated JPEG of a camera.</summary>
internal sealed record CameraImage(long Sequence, byte[] Jpeg, DateTimeOffset Timestamp);

/// <summary>
/// One camera of the host on a library <see cref="CameraPipeline"/> (capture, newest-frame queue, person detection,
/// ByteTrack, cross-camera ids, enter/exit, faces found per track and the track's identity decided by its face vote over
/// the organisation's gallery), with <see cref="TrackIdentityPublisher"/> (recognition events for the decided customers)
/// and <see cref="TrackingEventPublisher"/> (store/zone events). This class only adapts them to the host: API status,
/// the person list, the overlay JPEG for the MJPEG stream and the <c>/ws/tracking</c> messages.
/// </summary>
internal sealed class CameraRunner : IAsyncDisposable
{
    // ByteTrack keeps a lost track for LostTrackBuffer frames at 30 fps: 90 = a person leaves after 3 s unseen.
    private const int ExitAfterFrames = 90;

    private readonly CameraConfig _config;
    private readonly CameraServices _services;
    private readonly Lock _gate = new();
    private readonly OverlayRenderer _overlay = new();
    private volatile CameraPipeline? _pipeline;
    private TrackIdentityPublisher? _identities;
    private Task _faceWork = Task.CompletedTask;
    private Task _stopping = Task.CompletedTask;
    private IDisposable? _events;
    private volatile CameraImage? _image;
    private TaskCompletionSource _nextImage = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;
    private long _processed;
    private volatile IReadOnlyList<TrackedObject> _objects = [];
    private volatile FrameSourceError? _startError;

    public CameraRunner(CameraConfig config, string organizationId, CameraServices services)
    {
        _config = config;
        OrganizationId = organizationId;
        _services = services;
    }

    public string Id => _config.Id;

    /// <summary>Gets the configuration (the source unredacted: host code only, never an API answer).</summary>
    internal CameraConfig Config => _config;

    /// <summary>Gets the organisation the camera belongs to (the one that added it; configured cameras: the default one).</summary>
    public string OrganizationId { get; }

    public string Name => _config.Name ?? _config.Id;

    public string Source => FrameSourceRedaction.Redact(_config.Source);

    public string Location => _config.Location ?? string.Empty;

    public string Zone => _config.Zone ?? "entrance";

    public string Status
    {
        get
        {
            var p = _pipeline;
            if (p is null)
            {
                return _startError is null ? "stopped" : "error";
            }

            var s = p.GetStatus();
            return s.State switch
            {
                CameraPipelineState.Faulted => s.SourceStatus == FrameSourceStatus.Failed ? "failed" : "error",
                _ when p.IsPaused => "paused",
                CameraPipelineState.Stopped => "ended",
                CameraPipelineState.Idle => "starting",
                _ => s.SourceStatus switch
                {
                    FrameSourceStatus.Live => "running",
                    FrameSourceStatus.Stopped => s.FramesProcessed > 0 ? "running" : "starting",
                    var other => other.ToString().ToLowerInvariant(), // connecting, reconnecting, failed
                },
            };
        }
    }

    public DateTimeOffset? LastSeen { get; private set; }

    /// <summary>The pipeline's counters (fps processed, frames captured and dropped), or null while it is not running.</summary>
    public CameraPipelineStatus? Health => _pipeline?.GetStatus();

    public long FramesProcessed => Interlocked.Read(ref _processed);

    /// <summary>
    /// The last fault in the library's plain words (<c>connection refused</c>, <c>not a video</c>, ...) with its time: a
    /// camera that could not be added, its source's last fault, or the error that stopped its pipeline (no time known).
    /// </summary>
    public (string Text, string Kind, DateTimeOffset? At)? LastError
    {
        get
        {
            if (_startError is { } start)
            {
                return Describe(start);
            }

            if (_pipeline?.GetStatus() is not { } s)
            {
                return null;
            }

            if (s.State == CameraPipelineState.Faulted && s.SourceStatus != FrameSourceStatus.Failed && s.Error is { } error)
            {
                return (error, "other", null);
            }

            return s.SourceError is { } e ? Describe(e) : null;
        }
    }

    public CameraImage? Image => _image;

    /// <summary>Gets the size of the camera's latest processed frame (0 x 0 before the first), to normalise positions.</summary>
    public (int Width, int Height) FrameSize { get; private set; }

    public IReadOnlyList<TrackedObject> Objects => _objects;

    public bool IsRunning => _pipeline?.GetStatus().State is CameraPipelineState.Idle or CameraPipelineState.Running or CameraPipelineState.Paused;

    /// <summary>Starts the camera, resumes it when paused, or restarts it when it ended (a pipeline runs once).</summary>
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
            // Ended or failed: a fresh pipeline. Removing a finished pipeline does not wait for anything.
            StopAsync().GetAwaiter().GetResult();
        }

        lock (_gate)
        {
            if (_pipeline is not null || Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            var live = _services.Options.Live;
            var options = new CameraPipelineOptions
            {
                CameraId = Id,
                Source = _config.Source,
                SourceOptions = new FrameSourceOptions
                {
                    Loop = _config.Loop,
                    RealTimePacing = true,
                    ReconnectMaxDelay = live.ReconnectMaxDelay,
                    MaxStartAttempts = live.MaxStartAttempts,
                },
                MaxProcessingFps = live.ProcessingFps,
                EnableFaces = true,
                FaceInterval = live.RecognizeEvery,
                Tracker = new TrackerOptions { FrameRate = live.ProcessingFps, LostTrackBuffer = ExitAfterFrames },
            };
            foreach (var zone in _services.ZoneAlerts.ZonesOf(Id, OrganizationId))
            {
                options.CameraZones.Add(zone);
            }
            CameraPipeline pipeline;
            try
            {
                pipeline = _services.Pipelines.Add(options, null, FaceModels(options));
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or InvalidOperationException or NotSupportedException)
            {
                // A camera that cannot open shows as "error" with the reason; it never stops the host.
                _startError = FrameSourceError.From(ex, DateTimeOffset.UtcNow);
                _services.Logger.LogError(ex, "Camera {Camera} could not start", Id);
                return;
            }

            _startError = null;
            _identities = new TrackIdentityPublisher(_services.Faces, _services.Stream, Placement);
            pipeline.FrameProcessed += OnFrameProcessed;
            _events = pipeline.Events.Subscribe(OnTrackingEvent);
            _pipeline = pipeline;
            _services.Pipelines.Start(Id);
        }
    }

    public void Pause() => _pipeline?.Pause();

    /// <summary>New zones for the running pipeline (from its next frame); a later start reads them from <see cref="ZoneAlerts"/>.</summary>
    public void ApplyZones(IReadOnlyList<CameraZone> zones) => _pipeline?.SetZones(zones);

    // The organisation's gallery decides the tracks' customers (built from the customer store on first use); a camera
    // whose gallery cannot be read still tracks people, without faces.
    private FaceModels? FaceModels(CameraPipelineOptions options)
    {
        try
        {
            // Attributes (when the models are present) once per track, counted into the aggregates at the track's exit.
            var estimator = _services.Attributes.Estimator;
            options.EnableAttributes = estimator is not null;
            return _services.Faces.FaceModelsForAsync(Placement.OrganizationId).GetAwaiter().GetResult().WithAttributes(estimator);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not ArgumentException)
        {
            _services.Logger.LogError(ex, "Camera {Camera}: the face gallery could not be read; faces are off", Id);
            options.EnableFaces = false;
            return null;
        }
    }

    /// <summary>Stops the camera; a second caller (the hosted-service stop, then disposal) waits for the first stop to finish.</summary>
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

    private async Task StopPipelineAsync()
    {
        await Task.Yield(); // run outside the lock
        try
        {
            await _services.Pipelines.RemoveAsync(Id);
        }
        catch (ObjectDisposedException)
        {
            // Shutting down: the pipeline host already stopped every camera.
        }
        _events?.Dispose();
        _events = null;
        await _faceWork;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await StopAsync();
        }
    }

    /// <summary>Waits for an image newer than <paramref name="afterSequence"/>.</summary>
    public async Task<CameraImage> NextImageAsync(long afterSequence, CancellationToken ct)
    {
        while (true)
        {
            var waiter = Volatile.Read(ref _nextImage).Task;
            if (_image is { } img && img.Sequence > afterSequence)
            {
                return img;
            }

            await waiter.WaitAsync(ct);
        }
    }

    private string StoreId => string.IsNullOrEmpty(_config.Location) ? "store" : _config.Location;

    private static string PersonIdOf(int globalId) => TrackingEventPublisher.PersonIdOf(globalId);

    private CameraPlacement Placement => new(OrganizationId, StoreId, Zone);

    /// <summary>Person enter/exit from the pipeline, published as retail events by the library (visits, zone occupancy).</summary>
    private void OnTrackingEvent(TrackingEvent e)
    {
        string? customer = null;
        if (e.Kind == TrackingEventKind.PersonExited)
        {
            // Same thread as OnFrameProcessed (the pipeline's inference loop).
            customer = _identities?.Forget(e.TrackId)?.Customer.Id;
        }

        _services.TrackingEvents.Publish(e, Placement, customer);
        if (e.Kind == TrackingEventKind.PersonExited && e.Attributes is { } attributes)
        {
            _ = CountAttributesAsync(e, attributes, customer ?? e.CustomerId);
        }
    }

    // Off the inference thread: a database write must not hold up frames; a failure is logged, never thrown at the camera.
    private async Task CountAttributesAsync(TrackingEvent e, Scarlet.Recognition.FaceAttributes attributes, string? customer)
    {
        try
        {
            await Task.Yield();
            await _services.AttributeStatistics.RecordAsync(OrganizationId, e.Timestamp, Id, Zone, attributes, customer);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _services.Logger.LogError(ex, "Camera {Camera}: face attributes of a visit could not be counted", Id);
        }
    }

    /// <summary>On the pipeline's inference thread, with the frame's pixels: faces, live state, overlay, tracking message.</summary>
    private void OnFrameProcessed(object? sender, FrameProcessedEventArgs e)
    {
        try
        {
            Annotate(e.Frame, e.Update);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The pipeline goes on with the next frame; the failure is logged, not fatal.
            _services.Logger.LogError(ex, "Camera {Camera}: frame {Sequence} could not be annotated", Id, e.Frame.Sequence);
        }
    }

    private void Annotate(Frame frame, TrackingUpdate update)
    {
        var now = frame.Timestamp;
        var image = frame.Image;
        FrameSize = (frame.Width, frame.Height);
        Interlocked.Increment(ref _processed);

        if (_identities is { } ids && ids.HasNews(update) && _faceWork.IsCompleted)
        {
            // Naming a customer reads the store: off the inference thread, one at a time (a later frame catches up).
            _faceWork = Task.Run(() => PublishIdentitiesAsync(ids, update));
        }

        var objects = new List<TrackedObject>(update.Persons.Count);
        var sockets = _services.Hubs.Tracking.ClientCount > 0;
        var tracks = sockets ? new List<LiveTrack>(update.Persons.Count) : null;
        foreach (var t in update.Persons)
        {
            var personId = PersonIdOf(t.GlobalId);
            var box = t.Box;
            var (mx, my) = MapPoint(box, frame.Width, frame.Height);

            // Who the track is: the customer its face vote decided (published with name and tier), else the cross-camera person's.
            var identity = _identities?.IdentityOf(t.TrackId);
            var customerId = identity?.Customer.Id ?? t.CustomerId;
            var name = identity?.Customer.Name;
            var loyalty = identity?.Customer.LoyaltyStatus;
            float[] bbox = [box.X, box.Y, box.Right, box.Bottom];
            float[] map = [mx, my];
            objects.Add(new TrackedObject(personId, Id, bbox, t.Score, "person", now, customerId, identity?.Similarity ?? 0, name, loyalty, map) { TrackId = t.TrackId });
            tracks?.Add(new LiveTrack(t.TrackId, t.GlobalId, personId, bbox, t.Score, customerId, name, loyalty, map, t.IdentityStatus, identity?.Similarity ?? 0));
            var label = name is { Length: > 0 } n ? $"#{t.GlobalId} {n} ({LoyaltyText(loyalty!.Value)})" : $"#{t.GlobalId}";
            _overlay.DrawBox(image, box, customerId is null ? new Scalar(0, 200, 255) : new Scalar(0, 220, 0), label);
        }

        _objects = objects;
        _services.ZoneAlerts.Observe(OrganizationId, update, static p => PersonIdOf(p.GlobalId));
        LastSeen = now; // scarlet_pipeline_frames_total{camera} is counted by the pipeline itself
        Cv2.ImEncode(".jpg", image, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, _services.Options.Live.JpegQuality));
        _image = new CameraImage(frame.Sequence + 1, jpeg, now);
        Interlocked.Exchange(ref _nextImage, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

        if (tracks is not null)
        {
            var payload = new TrackingUpdatePayload(frame.Sequence, now, new Dictionary<string, CameraTracks>(StringComparer.Ordinal) { [Id] = new(tracks) }, new Dictionary<string, int>(StringComparer.Ordinal) { [Id] = tracks.Count }, frame.Width, frame.Height);
            _services.Hubs.Tracking.Publish(OrganizationId, JsonSerializer.SerializeToUtf8Bytes(new TrackingUpdateMessage(payload), LiveJson.Default.TrackingUpdateMessage));
        }
    }

    private async Task PublishIdentitiesAsync(TrackIdentityPublisher ids, TrackingUpdate update)
    {
        try
        {
            foreach (var published in await ids.PublishAsync(update))
            {
                if (published.Status == RecognitionStatus.Matched)
                {
                    HostMetrics.FacesRecognized.Add(1, HostMetrics.Tag("camera", Id));

                    // One row per identification the tracker publishes (when a person's customer changes, at most every
                    // 10 s per person), not per frame: the camera is the principal.
                    await _services.Audit.RecordAsync(OrganizationId, "camera:" + Id, Security.AuditActions.FaceIdentified, published.CustomerId, detail: $"camera={Id}; person={published.PersonId}");
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _services.Logger.LogError(ex, "Camera {Camera}: publishing identities failed", Id);
        }
    }

    /// <summary>The foot point in normalised image coordinates: the floor position when no floor map is calibrated.</summary>
    private static (float X, float Y) MapPoint(BoundingBox box, int width, int height) =>
        (MathF.Round(box.CenterX / Math.Max(1, width), 4), MathF.Round(box.Bottom / Math.Max(1, height), 4));

    internal static string LoyaltyText(LoyaltyStatus s) => s.ToString().ToLowerInvariant();

    private static (string Text, string Kind, DateTimeOffset? At) Describe(FrameSourceError e) =>
        (e.ToString(), JsonNamingPolicy.SnakeCaseLower.ConvertName(e.Kind.ToString()), e.Time);
}

/// <summary>Hides credentials in camera URLs shown by the API.</summary>
internal static class FrameSourceRedaction
{

    public static string Redact(string source) =>
        Uri.TryCreate(source, UriKind.Absolute, out var u) && !u.IsFile && !string.IsNullOrEmpty(u.UserInfo)
            ? source.Replace(u.UserInfo + "@", "***@", StringComparison.Ordinal)
            : source;
}
