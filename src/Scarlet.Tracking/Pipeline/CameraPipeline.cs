using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reactive.Subjects;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Scarlet.Tracking.CrossCamera;
using Scarlet.Tracking.Geometry;
using Scarlet.Tracking.Identity;
using Scarlet.Vision;

namespace Scarlet.Tracking.Pipeline;

/// <summary>
/// Tracks the people of one camera: capture and inference run decoupled through a bounded queue that keeps the newest
/// frame under load (drops counted); persons are detected (every <see cref="CameraPipelineOptions.DetectionInterval"/>-th
/// frame) and tracked, optionally with re-ID embeddings; faces are identified per track (embedded again only for a
/// better face) and decided by vote; tracks are joined across cameras by the shared <see cref="CrossCameraResolver"/>;
/// zones and lines raise events. Results are published on <see cref="Updates"/> and <see cref="Events"/>.
/// </summary>
/// <remarks>
/// Subscribers are called on the inference thread: keep them short. Every frame taken from the source is disposed by
/// the pipeline. <see cref="Process"/> is the synchronous core (tests, offline tools); <see cref="RunAsync"/> drives it
/// from a source.
/// </remarks>
public sealed partial class CameraPipeline : IDisposable
{
    private static readonly Counter<long> s_frames = TrackingDiagnostics.Meter.CreateCounter<long>("scarlet.pipeline.frames", "{frame}", "Frames tracked by camera pipelines.");
    private static readonly Counter<long> s_dropped = TrackingDiagnostics.Meter.CreateCounter<long>("scarlet.pipeline.dropped", "{frame}", "Frames dropped because inference was busy.");
    private static readonly Histogram<double> s_duration = TrackingDiagnostics.Meter.CreateHistogram<double>("scarlet.pipeline.duration", "ms", "Time to process one frame.");

    private readonly CameraPipelineOptions _options;
    private readonly CameraPipelineModels _models;
    private readonly CrossCameraResolver _resolver;
    private readonly IdentityTracker _identities;
    private readonly ILogger _logger;
    private readonly MultiObjectTracker _tracker;
    private readonly List<ZoneOccupant> _occupants = [];
    private ZoneMonitor? _zones;
    private CameraZone[]? _zoneChange;
    private ZoneOccupant[] _lastOccupants = [];
    private readonly LineCrossing[] _lines;
    private readonly Subject<TrackingUpdate> _updates = new();
    private readonly Subject<TrackingEvent> _events = new();
    private readonly Dictionary<int, PerTrack> _trackStates = [];
    private readonly List<TrackedPerson> _carried = [];
    private readonly Queue<long> _recent = new();
    private readonly Queue<long> _recentCaptured = new();
    private readonly object _statusGate = new();
    private readonly TimeProvider _time;
    private readonly List<TrackingEvent> _pendingEvents = [];
    private long _captured;
    private long _reconnects;
    private long _lastCaptureTicks = long.MinValue; // on _time: none yet
    private long _processed;
    private long _dropped;
    private long _processTicks;
    private long _frameIndex;
    private DateTimeOffset? _greyAt; // when _grey was taken (null: none current)
    private OpenCvSharp.Mat? _grey;
    private OpenCvSharp.Mat? _previousGrey;
    private OpenCvSharp.Mat? _greyDiff;
    private int _activePersons;
    private volatile bool _paused;
    private volatile CameraPipelineState _state = CameraPipelineState.Idle;
    private FrameSourceStatus _sourceStatus = FrameSourceStatus.Stopped;
    private string? _error;
    private volatile IFrameSource? _source; // kept after the run: its last fault stays readable in the status
    private bool _disposed;

    /// <summary>Creates a pipeline.</summary>
    /// <param name="options">The camera's options (validated).</param>
    /// <param name="models">The shared models.</param>
    /// <param name="resolver">The shared cross-camera resolver.</param>
    /// <param name="identities">The shared identity tracker.</param>
    /// <param name="logger">A logger, or null.</param>
    /// <param name="timeProvider">The clock of <see cref="CameraPipelineStatus.LastFrameAge"/> (the host's, so a test can use a fake one), or null for the system clock.</param>
    /// <exception cref="ArgumentException">The options are invalid, or re-ID is enabled without a re-ID model.</exception>
    public CameraPipeline(CameraPipelineOptions options, CameraPipelineModels models, CrossCameraResolver resolver, IdentityTracker identities, ILogger<CameraPipeline>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(identities);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid camera pipeline options: " + string.Join(" ", errors), nameof(options));
        }

        if (options.EnableReId && models.ReId is null)
        {
            throw new ArgumentException($"Camera {options.CameraId}: re-ID is enabled but no re-ID model was given.", nameof(models));
        }

        if (options.EnableAttributes && models.Faces?.Attributes is null)
        {
            throw new ArgumentException($"Camera {options.CameraId}: attributes are enabled but no face attribute estimator was given.", nameof(models));
        }

        _options = options;
        _models = models;
        _resolver = resolver;
        _identities = identities;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _tracker = new MultiObjectTracker(options.Tracker);
        _zones = options.Zones.Count > 0 ? new ZoneMonitor(options.CameraId, [.. options.Zones], exitGrace: options.ZoneExitGrace) : null;
        _zoneChange = options.CameraZones.Count > 0 ? [.. options.CameraZones] : null;
        _lines = [.. options.Lines.Select(l => new LineCrossing(l.Name, l.A, l.B))];
    }

    /// <summary>Gets the camera id.</summary>
    public string CameraId => _options.CameraId;

    /// <summary>
    /// Replaces the normalised zones (<see cref="CameraPipelineOptions.CameraZones"/>) from the next processed frame on;
    /// the pixel zones of <see cref="CameraPipelineOptions.Zones"/> stay. Thread-safe. Stays in the old zones end
    /// without exit events (their zones are gone).
    /// </summary>
    /// <param name="zones">The new zones (empty: none).</param>
    public void SetZones(IReadOnlyList<CameraZone> zones)
    {
        ArgumentNullException.ThrowIfNull(zones);
        Volatile.Write(ref _zoneChange, [.. zones]);
    }

    /// <summary>Gets the options.</summary>
    public CameraPipelineOptions Options => _options;

    /// <summary>Gets the per-frame tracking results.</summary>
    public IObservable<TrackingUpdate> Updates => _updates;

    /// <summary>Gets the events (zones, lines, identities).</summary>
    public IObservable<TrackingEvent> Events => _events;

    /// <summary>Gets whether the pipeline is paused (frames are captured and discarded).</summary>
    public bool IsPaused => _paused;

    /// <summary>Pauses processing; capture goes on and frames are discarded (not counted as drops).</summary>
    public void Pause() => _paused = true;

    /// <summary>Resumes processing.</summary>
    public void Resume() => _paused = false;

    /// <summary>Gets a status snapshot.</summary>
    public CameraPipelineStatus GetStatus()
    {
        lock (_statusGate)
        {
            var now = Stopwatch.GetTimestamp();
            TrimRecent(_recent, now);
            TrimRecent(_recentCaptured, now);
            var fps = _recent.Count / 2.0;
            var lastCapture = Interlocked.Read(ref _lastCaptureTicks);
            var processed = Interlocked.Read(ref _processed);
            var mean = processed == 0 ? 0 : Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _processTicks)).TotalMilliseconds / processed;
            var state = _paused && _state == CameraPipelineState.Running ? CameraPipelineState.Paused : _state;
            return new CameraPipelineStatus(CameraId, state, _sourceStatus, Interlocked.Read(ref _captured), processed, Interlocked.Read(ref _dropped), fps, Volatile.Read(ref _activePersons), mean, _error, _source?.LastError)
            {
                CapturedFps = _recentCaptured.Count / 2.0,
                Reconnects = Interlocked.Read(ref _reconnects),
                LastFrameAge = lastCapture == long.MinValue ? null : _time.GetElapsedTime(lastCapture),
            };
        }
    }

    /// <summary>
    /// Reads <paramref name="source"/> until it ends or <paramref name="cancellationToken"/> is cancelled: a capture loop
    /// feeds a bounded queue (newest frame kept when <see cref="CameraPipelineOptions.DropWhenBusy"/>), an inference loop
    /// processes it. Completes the streams when done. The caller keeps ownership of the source.
    /// </summary>
    /// <exception cref="InvalidOperationException">The pipeline already ran.</exception>
    public async Task RunAsync(IFrameSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_state != CameraPipelineState.Idle)
        {
            throw new InvalidOperationException($"Camera pipeline {CameraId} already ran; create a new one.");
        }

        _state = CameraPipelineState.Running;
        void OnStatus(object? sender, FrameSourceStatus s)
        {
            if (s == FrameSourceStatus.Reconnecting && _sourceStatus != FrameSourceStatus.Reconnecting)
            {
                Interlocked.Increment(ref _reconnects);
            }

            _sourceStatus = s;
        }

        source.StatusChanged += OnStatus;
        _sourceStatus = source.Status;
        _source = source;
        var channel = Channel.CreateBounded<Frame>(
            new BoundedChannelOptions(_options.QueueCapacity)
            {
                FullMode = _options.DropWhenBusy ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.Wait,
                SingleReader = true,
                SingleWriter = true,
            },
            dropped =>
            {
                dropped.Dispose();
                Interlocked.Increment(ref _dropped);
                s_dropped.Add(1, new KeyValuePair<string, object?>("camera", CameraId));
            });
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var capture = Task.Run(() => CaptureAsync(source, channel.Writer, linked.Token), CancellationToken.None);
        var inference = Task.Run(() => InferAsync(channel.Reader, linked.Token), CancellationToken.None);
        try
        {
            var first = await Task.WhenAny(capture, inference).ConfigureAwait(false);
            if (first.IsFaulted)
            {
                await linked.CancelAsync().ConfigureAwait(false);
            }

            await Task.WhenAll(capture, inference).ConfigureAwait(false);
            _state = CameraPipelineState.Stopped;
            _updates.OnCompleted();
            _events.OnCompleted();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _state = CameraPipelineState.Stopped;
            _updates.OnCompleted();
            _events.OnCompleted();
        }
        catch (Exception ex)
        {
            _error = ex.Message;
            _state = CameraPipelineState.Faulted;
            if (source.Status == FrameSourceStatus.Failed)
            {
                // The source logged its fault in plain words already; a stack trace adds nothing.
                LogSourceFailed(_logger, CameraId, ex.Message);
            }
            else
            {
                LogFaulted(_logger, CameraId, ex);
            }

            _updates.OnError(ex);
            _events.OnError(ex);
            throw;
        }
        finally
        {
            // A camera that stopped sees nobody.
            _identities.LeaveCamera(CameraId);
            ReleaseGrey();
            source.StatusChanged -= OnStatus;
            _sourceStatus = source.Status;
            while (channel.Reader.TryRead(out var left))
            {
                left.Dispose();
            }
        }
    }

    /// <summary>
    /// Processes one frame synchronously (detection or carry-over, tracking, faces, cross-camera resolution, zones,
    /// events) and publishes the update. Does not dispose the frame.
    /// </summary>
    /// <exception cref="ArgumentException">The frame belongs to another camera.</exception>
    public TrackingUpdate Process(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!string.Equals(frame.CameraId, CameraId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Frame of camera '{frame.CameraId}' given to pipeline '{CameraId}'.", nameof(frame));
        }

        var start = Stopwatch.GetTimestamp();
        var detect = _frameIndex++ % _options.DetectionInterval == 0;
        IReadOnlyList<TrackedPerson> persons;
        _pendingEvents.Clear();
        if (detect)
        {
            persons = DetectAndTrack(frame);
            _carried.Clear();
            _carried.AddRange(persons);
        }
        else
        {
            persons = [.. _carried];
        }

        var update = new TrackingUpdate(CameraId, frame.Sequence, frame.Timestamp, frame.Width, frame.Height, detect, persons) { ZoneOccupants = _lastOccupants };
        var elapsed = Stopwatch.GetTimestamp() - start;
        Interlocked.Add(ref _processTicks, elapsed);
        Interlocked.Increment(ref _processed);
        Volatile.Write(ref _activePersons, persons.Count);
        lock (_statusGate)
        {
            var now = Stopwatch.GetTimestamp();
            _recent.Enqueue(now);
            TrimRecent(_recent, now);
        }

        s_frames.Add(1, new KeyValuePair<string, object?>("camera", CameraId));
        s_duration.Record(Stopwatch.GetElapsedTime(start, start + elapsed).TotalMilliseconds);
        _updates.OnNext(update);
        foreach (var e in _pendingEvents)
        {
            _events.OnNext(e);
        }

        OnFrameProcessed(frame, update);

        return update;
    }

    /// <summary>Completes the streams.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_state is CameraPipelineState.Idle or CameraPipelineState.Running)
        {
            _updates.OnCompleted();
            _events.OnCompleted();
        }

        _updates.Dispose();
        _events.Dispose();
        if (_state != CameraPipelineState.Running)
        {
            // While running, the inference loop may be using them: RunAsync releases them when it ends.
            ReleaseGrey();
        }
    }

    private void ReleaseGrey()
    {
        _grey?.Dispose();
        _previousGrey?.Dispose();
        _greyDiff?.Dispose();
        (_grey, _previousGrey, _greyDiff, _greyAt) = (null, null, null, null);
    }

    private IReadOnlyList<TrackedPerson> DetectAndTrack(Frame frame)
    {
        var image = frame.Image;
        var detections = _models.Persons.Detect(image);
        _frameFaces = AnchorsFaces ? _models.Faces!.Detector.Detect(image) : null;
        var low = _options.Tracker.LowScoreThreshold;
        var kept = 0;
        var dets = ArrayPool<TrackerDetection>.Shared.Rent(Math.Max(1, detections.Count + (_frameFaces?.Count ?? 0)));
        float[]? embeddings = null;
        try
        {
            for (var i = 0; i < detections.Count; i++)
            {
                // Detections at or below the low threshold are never used by the tracker: skip them before re-ID.
                if (detections[i].Score > low)
                {
                    dets[kept++] = TrackerDetection.FromPersonDetection(detections[i]);
                }
            }

            if (_frameFaces is not null)
            {
                kept = AddFaceAnchors(_frameFaces, dets, kept, frame.Width, frame.Height);
            }

            var dim = 0;
            if (_options.EnableReId && kept > 0)
            {
                var reId = _models.ReId!;
                dim = reId.Dimension;
                embeddings = ArrayPool<float>.Shared.Rent(kept * dim);
                var boxes = ArrayPool<BoundingBox>.Shared.Rent(kept);
                try
                {
                    for (var i = 0; i < kept; i++)
                    {
                        boxes[i] = dets[i].Box;
                    }

                    reId.Embed(image, boxes.AsSpan(0, kept), embeddings.AsSpan(0, kept * dim));
                }
                finally
                {
                    ArrayPool<BoundingBox>.Shared.Return(boxes);
                }
            }

            var tracks = _tracker.Update(dets.AsSpan(0, kept), embeddings is null ? default : embeddings.AsSpan(0, kept * dim));
            return Resolve(frame, tracks);
        }
        finally
        {
            ArrayPool<TrackerDetection>.Shared.Return(dets);
            if (embeddings is not null)
            {
                ArrayPool<float>.Shared.Return(embeddings);
            }
        }
    }

    // The pixel-change presence test compares a frame with one taken at least PixelChangeEvidence.Gap earlier (the demo
    // clip's 10 fps, where the threshold was chosen), so a 30 fps camera measures the same change; grey images are
    // made only while a matched track is undecided. True when this frame is to be compared with _previousGrey.
    private bool PrepareGrey(Frame frame, IReadOnlyList<Track> tracks)
    {
        if (_options.PresenceMinChange <= 0 || !AnyUndecided(tracks))
        {
            _greyAt = null;
            return false;
        }

        var age = frame.Timestamp - _greyAt;
        if (age < PixelChangeEvidence.Gap && age >= TimeSpan.Zero)
        {
            return false;
        }

        var grey = _previousGrey ?? new OpenCvSharp.Mat();
        _previousGrey = _grey ?? new OpenCvSharp.Mat();
        _grey = grey;
        var image = frame.Image;
        if (image.Channels() == 1)
        {
            image.CopyTo(grey);
        }
        else
        {
            OpenCvSharp.Cv2.CvtColor(image, grey, image.Channels() == 4 ? OpenCvSharp.ColorConversionCodes.BGRA2GRAY : OpenCvSharp.ColorConversionCodes.BGR2GRAY);
        }

        // A reference older than MaxGap (frames not processed meanwhile) would count slow light changes as change.
        var ready = age <= PixelChangeEvidence.MaxGap && _previousGrey.Size() == grey.Size();
        _greyAt = frame.Timestamp;
        if (ready)
        {
            _greyDiff ??= new OpenCvSharp.Mat();
            _greyDiff.Create(grey.Size(), OpenCvSharp.MatType.CV_8UC1);
        }

        return ready;
    }

    private bool AnyUndecided(IReadOnlyList<Track> tracks)
    {
        for (var i = 0; i < tracks.Count; i++)
        {
            if (tracks[i].TimeSinceUpdate == 0 && _trackStates[tracks[i].Id].Change is not { Changed: true })
            {
                return true;
            }
        }

        return false;
    }

    private bool HasChanged(PerTrack state, Track t, bool greyReady)
    {
        if (_options.PresenceMinChange <= 0 || state.Change is { Changed: true })
        {
            return true;
        }

        if (!greyReady || t.TimeSinceUpdate != 0)
        {
            return false;
        }

        state.Change ??= new PixelChangeEvidence();
        return state.Change.Add(PixelChangeEvidence.ChangedShare(_grey!, _previousGrey!, _greyDiff!, t.Box), _options.PresenceMinChange);
    }

    private TrackedPerson[] Resolve(Frame frame, IReadOnlyList<Track> tracks)
    {
        foreach (var removed in _tracker.RemovedTracks)
        {
            if (_trackStates.Remove(removed.Id, out var ended) && ended.Entered)
            {
                _identities.Leave(IdentityTracker.PersonIdOf(ended.GlobalId), CameraId);
                _pendingEvents.Add(new TrackingEvent(TrackingEventKind.PersonExited, CameraId, frame.Timestamp, frame.Sequence, removed.Id, ended.GlobalId, _resolver.CustomerOf(ended.GlobalId)) { Attributes = ended.Attributes, Position = ended.LastFoot, LastSeen = ended.LastSeen });
            }

            foreach (var line in _lines)
            {
                line.Forget(removed.Id);
            }
        }

        ProcessFaces(frame, tracks);
        var observations = new TrackObservation[tracks.Count];
        var floors = new PointF?[tracks.Count];
        for (var i = 0; i < tracks.Count; i++)
        {
            var t = tracks[i];
            var state = StateOf(t.Id);
            floors[i] = _options.Homography?.Map(Zone.FootPoint(t.Box));
            observations[i] = new TrackObservation(t.Id, t.Box, floors[i], t.Embedding ?? default, state.Voter.Decision.Status == TrackIdentityStatus.Known ? state.Voter.Decision.IdentityId : null);
        }

        var globals = new int[tracks.Count];
        _resolver.Resolve(CameraId, frame.Timestamp, observations, globals);
        var greyReady = PrepareGrey(frame, tracks);
        var persons = new TrackedPerson[tracks.Count];
        for (var i = 0; i < tracks.Count; i++)
        {
            var t = tracks[i];
            var state = _trackStates[t.Id];
            state.GlobalId = globals[i];
            var customer = _resolver.CustomerOf(globals[i]);
            var foot = Zone.FootPoint(t.Box);
            var normalisedFoot = new PointF(foot.X / frame.Width, foot.Y / frame.Height);
            if (t.TimeSinceUpdate == 0 || !state.Entered)
            {
                (state.LastSeen, state.LastFoot) = (frame.Timestamp, normalisedFoot);
            }

            if (!state.Entered)
            {
                state.Entered = true;
                _pendingEvents.Add(new TrackingEvent(TrackingEventKind.PersonEntered, CameraId, frame.Timestamp, frame.Sequence, t.Id, globals[i], customer) { Position = normalisedFoot });
            }

            persons[i] = new TrackedPerson(t.Id, globals[i], t.Box, t.Score, customer, state.Voter.Decision.Status, floors[i], state.Voter.Decision.Score, state.BestEmbedding);
            var position = new PersonPosition(CameraId, frame.Timestamp, Zone.FootPoint(t.Box), floors[i]);
            // Only a high-score detection matched this frame keeps the person present (a weak static false positive does not),
            // and only on a track whose box has changed of its own (a strong static one does not either; issue 19) and, when
            // PresenceMinMotion is set, has moved since it appeared.
            var moved = state.Motion.Update(t.Box, _options.PresenceMinMotion);
            var changed = HasChanged(state, t, greyReady);
            var confirmed = moved && changed && t.Score >= _options.Tracker.HighScoreThreshold;
            if (_identities.Observe(globals[i], position, customer, confirmed))
            {
                _pendingEvents.Add(new TrackingEvent(TrackingEventKind.IdentityResolved, CameraId, frame.Timestamp, frame.Sequence, t.Id, globals[i], customer));
            }
        }

        if (Interlocked.Exchange(ref _zoneChange, null) is { } change)
        {
            Zone[] all = [.. _options.Zones, .. change.Select(z => z.ToZone(frame.Width, frame.Height))];
            _zones = all.Length > 0 ? new ZoneMonitor(CameraId, all, exitGrace: _options.ZoneExitGrace) : null;
            _lastOccupants = [];
        }

        if (_zones is not null)
        {
            foreach (var z in _zones.Update(tracks, frame.Timestamp))
            {
                var kind = z.Kind == ZoneEventKind.Entered ? TrackingEventKind.ZoneEntered : TrackingEventKind.ZoneExited;
                var g = GlobalOf(z.TrackId);
                _pendingEvents.Add(new TrackingEvent(kind, CameraId, z.Timestamp, frame.Sequence, z.TrackId, g, _resolver.CustomerOf(g), Zone: z.Zone, Dwell: kind == TrackingEventKind.ZoneExited ? z.Dwell : null));
            }

            _zones.CopyOccupants(_occupants);
            _lastOccupants = [.. _occupants];
        }

        foreach (var line in _lines)
        {
            foreach (var c in line.Update(tracks, frame.Timestamp))
            {
                var g = GlobalOf(c.TrackId);
                _pendingEvents.Add(new TrackingEvent(TrackingEventKind.LineCrossed, CameraId, c.Timestamp, frame.Sequence, c.TrackId, g, _resolver.CustomerOf(g), Line: c.Line, Direction: c.Direction));
            }
        }

        return persons;
    }

    private int GlobalOf(int trackId) => _trackStates.TryGetValue(trackId, out var s) ? s.GlobalId : _resolver.GlobalIdOf(CameraId, trackId) ?? 0;

    private PerTrack StateOf(int trackId)
    {
        if (!_trackStates.TryGetValue(trackId, out var s))
        {
            s = new PerTrack(new TrackIdentityVoter(_options.Voting));
            _trackStates[trackId] = s;
        }

        return s;
    }

    private async Task CaptureAsync(IFrameSource source, ChannelWriter<Frame> writer, CancellationToken ct)
    {
        try
        {
            await foreach (var frame in source.ReadFramesAsync(ct).ConfigureAwait(false))
            {
                Interlocked.Increment(ref _captured);
                Interlocked.Exchange(ref _lastCaptureTicks, _time.GetTimestamp());
                var at = Stopwatch.GetTimestamp();
                lock (_statusGate)
                {
                    _recentCaptured.Enqueue(at);
                    TrimRecent(_recentCaptured, at);
                }

                if (_paused)
                {
                    frame.Dispose();
                    continue;
                }

                try
                {
                    await writer.WriteAsync(frame, ct).ConfigureAwait(false);
                }
                catch
                {
                    frame.Dispose();
                    throw;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            writer.TryComplete();
        }
    }

    private async Task InferAsync(ChannelReader<Frame> reader, CancellationToken ct)
    {
        try
        {
            while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    var started = Stopwatch.GetTimestamp();
                    using (frame)
                    {
                        if (!_paused)
                        {
                            Process(frame);
                        }
                    }

                    if (_options.MaxProcessingFps > 0)
                    {
                        var wait = TimeSpan.FromSeconds(1 / _options.MaxProcessingFps) - Stopwatch.GetElapsedTime(started);
                        if (wait > TimeSpan.Zero)
                        {
                            await Task.Delay(wait, ct).ConfigureAwait(false);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    // Rates are counted over the last two seconds.
    private static void TrimRecent(Queue<long> recent, long now)
    {
        var window = Stopwatch.Frequency * 2;
        while (recent.Count > 0 && now - recent.Peek() > window)
        {
            recent.Dequeue();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Camera pipeline {CameraId} failed")]
    private static partial void LogFaulted(ILogger logger, string cameraId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera pipeline {CameraId} stopped: {Reason}")]
    private static partial void LogSourceFailed(ILogger logger, string cameraId, string reason);

    private sealed class PerTrack(TrackIdentityVoter voter)
    {
        public TrackIdentityVoter Voter { get; } = voter;

        public int GlobalId { get; set; }

        public float BestFace { get; set; }

        public bool Entered { get; set; }

        // When and where (normalised foot point) the track was last matched: the exit event's, for linking fragments.
        public DateTimeOffset? LastSeen { get; set; }

        public PointF? LastFoot { get; set; }

        // Face frames (1-based) when the head region was last searched and when a face was last seen; 0 = never.
        public long LastSearched { get; set; }

        public long LastFace { get; set; }

        public float[]? BestEmbedding { get; set; }

        // Whether the track has moved since it appeared (a mutable struct: a field, updated in place).
        public MotionSinceBirth Motion;

        // Whether the track's box has changed of its own (null until first measured).
        public PixelChangeEvidence? Change { get; set; }

        // The track's face attributes, the goodness of the face they came from, and how many times they were estimated.
        public Scarlet.Recognition.FaceAttributes? Attributes { get; set; }

        public float AttributeFace { get; set; }

        public int AttributeRuns { get; set; }
    }
}
