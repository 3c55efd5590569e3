using System.Text.Json;
using System.Threading.Channels;
using OpenCvSharp;
using Scarlet.Retail;
using Scarlet.Retail.Events;
using Scarlet.Tracking;
using Scarlet.Vision;

namespace Scarlet.WebHost.Live;

/// <summary>A tracked object as the seed's <c>GET /cameras/{id}/tracking</c> shows it.</summary>
internal sealed record TrackedObject(string ObjectId, string CameraId, float[] Bbox, float Confidence, string ObjectType, DateTimeOffset LastSeen, string? UserId, float IdentificationConfidence, string? Name, string? LoyaltyStatus, float[] MapCoords);

/// <summary>The latest annotated JPEG of a camera.</summary>
internal sealed record CameraImage(long Sequence, byte[] Jpeg, DateTimeOffset Timestamp);

/// <summary>
/// Runs one camera: a reader task pulls frames into a one-slot queue (older frames are dropped, so a slow analysis never
/// stalls the source) and an analysis task detects persons, tracks them, recognises faces every few frames, publishes
/// retail events and live updates, and keeps the latest overlay JPEG for the MJPEG stream.
/// </summary>
internal sealed class CameraRunner : IAsyncDisposable
{
    private static readonly TimeSpan s_recognitionRepeat = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_exitAfter = TimeSpan.FromSeconds(3);

    private readonly CameraConfig _config;
    private readonly CameraServices _services;
    private CancellationTokenSource _stop = new();
    private readonly Dictionary<int, TrackInfo> _tracks = [];
    private readonly OverlayRenderer _overlay = new();
    private Task? _task;
    private volatile CameraImage? _image;
    private TaskCompletionSource _nextImage = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _paused;
    private int _disposed;
    private volatile IReadOnlyList<TrackedObject> _objects = [];

    public CameraRunner(CameraConfig config, CameraServices services)
    {
        _config = config;
        _services = services;
        Status = "stopped";
    }

    public string Id => _config.Id;

    public string Name => _config.Name ?? _config.Id;

    public string Source => FrameSourceRedaction.Redact(_config.Source);

    public string Location => _config.Location ?? string.Empty;

    public string Zone => _config.Zone ?? "entrance";

    public string Status { get; private set; }

    public DateTimeOffset? LastSeen { get; private set; }

    public long FramesProcessed { get; private set; }

    public string? LastError { get; private set; }

    public CameraImage? Image => _image;

    public IReadOnlyList<TrackedObject> Objects => _objects;

    public bool IsRunning => _task is { IsCompleted: false };

    public void Start()
    {
        if (IsRunning)
        {
            _paused = false;
            Status = "running";
            return;
        }

        _paused = false;
        Status = "starting";
        if (_stop.IsCancellationRequested)
        {
            // Restarted after a stop.
            _stop.Dispose();
            _stop = new CancellationTokenSource();
        }

        var token = _stop.Token;
        _task = Task.Run(() => RunAsync(token));
    }

    public void Pause()
    {
        _paused = true;
        if (IsRunning)
        {
            Status = "paused";
        }
    }

    public async Task StopAsync()
    {
        if (Volatile.Read(ref _disposed) != 0 && _task is null or { IsCompleted: true })
        {
            return;
        }

        await _stop.CancelAsync();
        if (_task is not null)
        {
            try
            {
                await _task;
            }
            catch (OperationCanceledException)
            {
            }
        }

        Status = "stopped";
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await StopAsync();
            _stop.Dispose();
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

    private async Task RunAsync(CancellationToken ct)
    {
        var slot = Channel.CreateBounded<Frame>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true }, dropped =>
        {
            dropped.Dispose();
            HostMetrics.PipelineDrops.Add(1, HostMetrics.Tag("stage", "camera"), HostMetrics.Tag("camera", Id));
        });
        var reader = Task.Run(() => ReadAsync(slot.Writer, ct), ct);
        try
        {
            var interval = TimeSpan.FromSeconds(1 / _services.Options.Live.ProcessingFps);
            var tracker = new MultiObjectTracker(new TrackerOptions { FrameRate = _services.Options.Live.ProcessingFps });
            var processed = 0L;
            await foreach (var frame in slot.Reader.ReadAllAsync(ct))
            {
                using (frame)
                {
                    if (_paused)
                    {
                        continue;
                    }

                    var started = _services.Time.GetTimestamp();
                    await ProcessAsync(frame, tracker, processed++ % _services.Options.Live.RecognizeEvery == 0, ct);
                    var wait = interval - _services.Time.GetElapsedTime(started);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, _services.Time, ct);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LastError = ex.Message;
            Status = "error";
            _services.Logger.LogError(ex, "Camera {Camera} failed", Id);
        }
        finally
        {
            try
            {
                await reader;
            }
            catch (OperationCanceledException)
            {
            }

            while (slot.Reader.TryRead(out var left))
            {
                left.Dispose();
            }

            // A stopped camera no longer sees anyone.
            foreach (var id in _tracks.Keys)
            {
                if (_services.Registry.Get(GlobalId(id)) is { } p)
                {
                    p.Exited = true;
                }
            }

            _tracks.Clear();
        }
    }

    private async Task ReadAsync(ChannelWriter<Frame> writer, CancellationToken ct)
    {
        try
        {
            var options = new FrameSourceOptions { Loop = _config.Loop, RealTimePacing = true };
            await using var source = FrameSourceFactory.Create(Id, _config.Source, options, _services.Time, _services.Loggers);
            source.StatusChanged += (_, s) =>
            {
                Status = s == FrameSourceStatus.Live ? (_paused ? "paused" : "running") : s.ToString().ToLowerInvariant();
            };
            await foreach (var frame in source.ReadFramesAsync(ct))
            {
                if (!writer.TryWrite(frame))
                {
                    frame.Dispose();
                }
            }

            Status = "ended";
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LastError = ex.Message;
            Status = "error";
            _services.Logger.LogError(ex, "Camera {Camera} source failed", Id);
        }
        finally
        {
            writer.TryComplete();
        }
    }

    private async Task ProcessAsync(Frame frame, MultiObjectTracker tracker, bool recognize, CancellationToken ct)
    {
        var now = frame.Timestamp;
        var image = frame.Image;
        var persons = _services.Persons.Detect(image);
        var detections = new TrackerDetection[persons.Count];
        for (var i = 0; i < persons.Count; i++)
        {
            detections[i] = TrackerDetection.FromPersonDetection(persons[i]);
        }

        var tracks = tracker.Update(detections);
        var live = new List<(int Id, BoundingBox Box, float Score)>(tracks.Count);
        foreach (var t in tracks)
        {
            live.Add((t.Id, t.Box, t.Score));
        }

        IReadOnlyList<FaceSighting> faces = [];
        if (recognize)
        {
            faces = await _services.Faces.RecognizeAsync(_services.Options.Organization, image, ct);
        }

        var org = _services.Options.Organization;
        foreach (var (id, box, _) in live)
        {
            var globalId = GlobalId(id);
            if (!_tracks.TryGetValue(id, out var info))
            {
                info = new TrackInfo();
                _tracks[id] = info;
                _services.Stream.Publish(new PersonEnteredStoreEvent { OrganizationId = org, Timestamp = now, StoreId = StoreId, PersonId = globalId });
                _services.Stream.Publish(new ZoneEnteredEvent { OrganizationId = org, Timestamp = now, Zone = Zone, PersonId = globalId });
            }

            info.LastSeen = now;
            var (mx, my) = MapPoint(box, frame.Width, frame.Height);
            var person = _services.Registry.Touch(globalId, Id, mx, my, now);
            foreach (var f in faces)
            {
                if (f.Box.CenterX < box.X || f.Box.CenterX > box.Right || f.Box.CenterY < box.Y || f.Box.CenterY > box.Bottom)
                {
                    continue;
                }

                var changed = f.CustomerId is not null && f.CustomerId != info.CustomerId;
                if (f.CustomerId is not null)
                {
                    info.CustomerId = f.CustomerId;
                    person.CustomerId = f.CustomerId;
                    person.Name = f.Customer?.Name;
                    person.LoyaltyStatus = f.Customer is null ? null : LoyaltyText(f.Customer.LoyaltyStatus);
                    person.IdentificationConfidence = f.Similarity ?? 0f;
                }

                if (changed || now - info.LastRecognitionEvent >= s_recognitionRepeat)
                {
                    info.LastRecognitionEvent = now;
                    _services.PublishRecognition(f, Id, Zone, globalId, now);
                }
            }
        }

        // Tracks not matched for a while have left.
        foreach (var (id, info) in _tracks.Where(kv => now - kv.Value.LastSeen > s_exitAfter).ToList())
        {
            _tracks.Remove(id);
            var globalId = GlobalId(id);
            _services.Stream.Publish(new ZoneExitedEvent { OrganizationId = org, Timestamp = now, Zone = Zone, PersonId = globalId });
            _services.Stream.Publish(new PersonExitedStoreEvent { OrganizationId = org, Timestamp = now, StoreId = StoreId, PersonId = globalId, CustomerId = info.CustomerId });
            if (_services.Registry.Get(globalId) is { } gone)
            {
                gone.Exited = true;
            }
        }

        var objects = new List<TrackedObject>(live.Count);
        foreach (var (id, box, score) in live)
        {
            var p = _services.Registry.Get(GlobalId(id));
            var (mx, my) = MapPoint(box, frame.Width, frame.Height);
            objects.Add(new TrackedObject(GlobalId(id), Id, [box.X, box.Y, box.Right, box.Bottom], score, "person", now, p?.CustomerId, p?.IdentificationConfidence ?? 0, p?.Name, p?.LoyaltyStatus, [mx, my]));
            var label = p?.Name is { Length: > 0 } n ? $"#{id} {n} ({p.LoyaltyStatus})" : $"#{id}";
            _overlay.DrawBox(image, box, p?.CustomerId is null ? new Scalar(0, 200, 255) : new Scalar(0, 220, 0), label);
        }

        foreach (var f in faces)
        {
            _overlay.DrawBox(image, f.Box, new Scalar(255, 128, 0), f.Customer?.Name);
        }

        _objects = objects;
        FramesProcessed++;
        LastSeen = now;
        if (Status is "starting" or "connecting" or "reconnecting")
        {
            Status = "running";
        }

        HostMetrics.FramesProcessed.Add(1, HostMetrics.Tag("camera", Id));
        Cv2.ImEncode(".jpg", image, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, _services.Options.Live.JpegQuality));
        _image = new CameraImage(frame.Sequence + 1, jpeg, now);
        Interlocked.Exchange(ref _nextImage, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

        if (_services.Hubs.Tracking.ClientCount > 0)
        {
            var message = new
            {
                type = "tracking_update",
                payload = new
                {
                    global_frame_index = frame.Sequence,
                    timestamp = now,
                    cameras = new Dictionary<string, object> { [Id] = new { tracks = objects.Select(o => new { track_id = o.ObjectId, global_id = o.ObjectId, bbox_xyxy = o.Bbox, confidence = o.Confidence, customer_id = o.UserId, name = o.Name, loyalty_status = o.LoyaltyStatus, map_coords = o.MapCoords }) } },
                    person_count_per_camera = new Dictionary<string, int> { [Id] = objects.Count },
                },
            };
            _services.Hubs.Tracking.Publish(JsonSerializer.SerializeToUtf8Bytes(message, ApiJson.Options));
        }
    }

    private string StoreId => string.IsNullOrEmpty(_config.Location) ? "store" : _config.Location;

    private string GlobalId(int trackId) => $"{Id}-{trackId}";

    /// <summary>The foot point in normalised image coordinates: the floor position when no floor map is calibrated.</summary>
    private static (float X, float Y) MapPoint(BoundingBox box, int width, int height) =>
        (MathF.Round(box.CenterX / Math.Max(1, width), 4), MathF.Round(box.Bottom / Math.Max(1, height), 4));

    internal static string LoyaltyText(LoyaltyStatus s) => s.ToString().ToLowerInvariant();

    private sealed class TrackInfo
    {
        public DateTimeOffset LastSeen { get; set; }

        public DateTimeOffset LastRecognitionEvent { get; set; } = DateTimeOffset.MinValue;

        public string? CustomerId { get; set; }
    }
}

/// <summary>Hides credentials in camera URLs shown by the API.</summary>
internal static class FrameSourceRedaction
{
    public static string Redact(string source) =>
        Uri.TryCreate(source, UriKind.Absolute, out var u) && !u.IsFile && !string.IsNullOrEmpty(u.UserInfo)
            ? source.Replace(u.UserInfo + "@", "***@", StringComparison.Ordinal)
            : source;
}
