using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using Scarlet.Retail;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Tracking.CrossCamera;
using Scarlet.Tracking.Identity;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;

namespace Scarlet.WebHost.Live;

/// <summary>What an uploaded video is, as probed before its job is queued.</summary>
internal sealed record VideoProbe(string Container, int Width, int Height, double Fps, long Frames);

/// <summary>A track of an analysed video: who (its person and, when the face vote decided, its customer) and when (seconds from the start).</summary>
internal sealed record VideoTrack(int TrackId, string PersonId, double FirstSeenSeconds, double LastSeenSeconds, long Frames, string? CustomerId, string IdentityStatus, float? IdentityScore);

/// <summary>A customer identified in an analysed video, first decided at <see cref="AtSeconds"/>.</summary>
internal sealed record VideoIdentification(int TrackId, string PersonId, string CustomerId, string? Name, double AtSeconds, float? Score);

/// <summary>An alert an organisation's rule raised on an analysed video (reported with the analysis, not raised in the store).</summary>
internal sealed record VideoAlert(string RuleId, string RuleName, AlertRuleKind Kind, AlertLevel Level, string CameraId, string? Zone, string? PersonId, double AtSeconds, string Message);

/// <summary>The visits of an analysed video: people seen (cross-track persons), identified ones, and how long they stayed in view.</summary>
internal sealed record VideoVisits(int People, int Identified, int Tracks, double MeanDwellSeconds, double MaxDwellSeconds);

/// <summary>The results of a finished job (<c>GET /api/videos/{id}/results</c>).</summary>
internal sealed record VideoResults(string JobId, string CameraId, double DurationSeconds, long Frames, int Width, int Height, double Fps, IReadOnlyList<VideoTrack> Tracks, IReadOnlyList<VideoIdentification> Identifications, IReadOnlyList<VideoAlert> Alerts, VideoVisits Visits);

/// <summary>One uploaded video's analysis: its state, progress and (when completed) results. Mutable fields are written by its job only.</summary>
internal sealed class VideoJob(string id, string organizationId, string cameraId, string fileName, VideoProbe probe, DateTimeOffset createdAt, string folder)
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";

    /// <summary>The error of a job that was queued or running when its host stopped (it is not run again: see <see cref="VideoJobs"/>).</summary>
    public const string Interrupted = "interrupted by a host restart; upload the video again";

    private long _framesDone;

    public string Id { get; } = id;

    public string OrganizationId { get; } = organizationId;

    public string CameraId { get; } = cameraId;

    public string FileName { get; } = fileName;

    public VideoProbe Probe { get; } = probe;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    /// <summary>Gets the job's own folder: the upload, the overlay video.</summary>
    public string Folder { get; } = folder;

    public string InputPath => Path.Combine(Folder, "input");

    public string VideoPath => Path.Combine(Folder, "overlay.mp4");

    private volatile string _status = Queued;

    /// <summary>Gets the status; set last when a job ends, so a reader that sees it completed sees its results.</summary>
    public string Status => _status;

    public string? Error { get; private set; }

    public DateTimeOffset? FinishedAt { get; private set; }

    public VideoResults? Results { get; private set; }

    public CancellationTokenSource Cancel { get; } = new();

    public Task Work { get; set; } = Task.CompletedTask;

    public long FramesDone => Interlocked.Read(ref _framesDone);

    public void FrameDone() => Interlocked.Increment(ref _framesDone);

    public void SetRunning() => _status = Running;

    /// <summary>Replaces a completed job's results (an erased customer taken out of them).</summary>
    public void Redact(VideoResults results) => Results = results;

    public void Finish(string status, DateTimeOffset at, VideoResults? results = null, string? error = null)
    {
        (Results, Error, FinishedAt) = (results, error, at);
        _status = status;
    }

    public bool Finished => Status is Completed or Failed;

    /// <summary>A job as it was stored (its folder already resolved by the caller).</summary>
    public static VideoJob Restore(VideoJobRecord row, VideoProbe probe, VideoResults? results, string folder)
    {
        var job = new VideoJob(row.Id, row.OrganizationId, row.CameraId, row.FileName, probe, row.CreatedAt, folder) { _framesDone = row.FramesDone };
        (job.Results, job.Error, job.FinishedAt, job._status) = (results, row.Error, row.FinishedAt, row.State);
        return job;
    }

    /// <summary>The job's row; its files path is its folder's name in the work folder (the row never holds a server path).</summary>
    public VideoJobRecord ToRecord()
    {
        var status = Status; // read first: a completed status guarantees the results are set
        return new VideoJobRecord(
            Id, OrganizationId, CameraId, FileName, status, FramesDone, Probe.Frames, CreatedAt, FinishedAt, Error,
            JsonSerializer.Serialize(Probe, ApiJson.Options), status == Completed ? JsonSerializer.Serialize(Results, ApiJson.Options) : null, Path.GetFileName(Folder));
    }

    public Api.VideoJobView View()
    {
        var done = FramesDone;
        var total = Math.Max(Probe.Frames, done);
        return new(
            Id,
            Status,
            CameraId,
            FileName,
            CreatedAt,
            FinishedAt,
            Error,
            new Api.VideoJobProgressView(done, total, total == 0 ? 0 : Math.Round((double)done / total, 4)),
            new Api.VideoProbeView(Probe.Container, Probe.Width, Probe.Height, Math.Round(Probe.Fps, 3), Probe.Frames),
            Status == Completed ? $"/api/videos/{Id}/results" : null,
            Status == Completed ? $"/api/videos/{Id}/video" : null);
    }
}

/// <summary>
/// Analyses uploaded videos in the background on the library's camera pipeline, the path of <c>scarlet run</c> and the
/// live cameras (person detection, ByteTrack, faces identified over the organisation's gallery, zones and alert rules of
/// the camera id given with the upload), with every frame tracked (no drops), and writes the overlay video as H.264 MP4.
/// At most <c>Scarlet:Videos:MaxConcurrentJobs</c> run at once on the host and an organisation has at most
/// <c>MaxPendingJobsPerOrganization</c> unfinished jobs. Each job is a row of the library's <see cref="IVideoJobStore"/>
/// (written when it is queued, starts and ends; on a shared PostgreSQL, in this host's own SQLite file, since its files are
/// on this host's disk) with its files in its folder of the work folder, so a finished job's results and overlay video are
/// still served after a restart. A job that was queued or running when the host stopped is marked failed
/// (<see cref="VideoJob.Interrupted"/>) and its upload deleted, not run again: a video that brought the host down would
/// otherwise bring it down at every start, and a restart should not start hours of work nobody is waiting for. A job and
/// its files are deleted by <c>DELETE /api/videos/{id}</c> or <c>RetentionHours</c> after it finished; job folders without a
/// row (an upload cut by a crash) are deleted at start. A job's run is its own: it neither joins the live cross-camera
/// people nor raises alerts in the store.
/// </summary>
internal sealed class VideoJobs : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<string, VideoJob> _jobs = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots;
    private readonly Lock _admit = new();
    private readonly VideoUploadOptions _options;
    private readonly LiveOptions _live;
    private readonly CameraPipelineModels _models;
    private readonly FaceIdentityService _faces;
    private readonly ZoneAlerts _zones;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<VideoJobs> _logger;
    private readonly IVideoJobStore _store;
    private readonly TimeSpan _retention;
    private readonly ScarletEventStream _events;
    private ITimer? _sweep;
    private IDisposable? _erasures;
    private volatile bool _stopping;

    public VideoJobs(IOptions<ScarletHostOptions> options, CameraPipelineModels models, FaceIdentityService faces, ZoneAlerts zones, IVideoJobStore store, ScarletEventStream events, TimeProvider time, ILoggerFactory loggers)
    {
        (_store, _events) = (store, events);
        _options = options.Value.Videos;
        _live = options.Value.Live;
        (_models, _faces, _zones, _time, _loggers) = (models, faces, zones, time, loggers);
        _logger = loggers.CreateLogger<VideoJobs>();
        _slots = new SemaphoreSlim(_options.MaxConcurrentJobs);
        _retention = TimeSpan.FromHours(_options.RetentionHours);
        Folder = string.IsNullOrWhiteSpace(_options.Folder)
            ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.Value.Storage.Path))!, "videos")
            : Path.GetFullPath(_options.Folder);
    }

    /// <summary>Gets the work folder (one sub-folder per job).</summary>
    public string Folder { get; }

    public VideoUploadOptions Options => _options;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Folder);
        var unreadable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in await _store.ListAsync(cancellationToken))
        {
            try
            {
                var job = await RestoreAsync(row, cancellationToken);
                _jobs[job.Id] = job;
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException)
            {
                // One damaged row must not stop the host: it is left as it is (row and folder) for an operator to look at.
                unreadable.Add(row.Id);
                _logger.LogError(ex, "Video job {Job} could not be read back; it is not served", row.Id);
            }
        }

        // Folders no job owns (an upload cut off by a crash) are deleted: uploads hold personal data. Only job folders
        // (32 hex digits): a configured folder may hold other things.
        foreach (var dir in Directory.EnumerateDirectories(Folder))
        {
            if (Path.GetFileName(dir) is { Length: 32 } name && name.All(char.IsAsciiHexDigitLower) && !_jobs.ContainsKey(name) && !unreadable.Contains(name))
            {
                DeleteFolder(dir);
            }
        }

        var period = TimeSpan.FromTicks(Math.Clamp(_retention.Ticks / 4, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromMinutes(10).Ticks));
        _sweep = _time.CreateTimer(_ => Sweep(), null, period, period);
        _erasures = _events.Handle<CustomerErasedEvent>("video-jobs", ForgetAsync); // an erasure on any host of a cluster
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true; // the jobs cancelled now end as interrupted, not as deleted or failed
        _sweep?.Dispose();
        _erasures?.Dispose();
        foreach (var job in _jobs.Values)
        {
            await job.Cancel.CancelAsync();
        }

        await Task.WhenAll(_jobs.Values.Select(j => j.Work)).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose()
    {
        _sweep?.Dispose();
        _erasures?.Dispose();
        foreach (var job in _jobs.Values)
        {
            job.Cancel.Dispose();
        }

        _slots.Dispose();
    }

    /// <summary>A new job folder for an upload (the caller writes <c>input</c> into it, then calls <see cref="Start"/> or deletes it).</summary>
    public string NewFolder(out string id)
    {
        id = Guid.NewGuid().ToString("N");
        var folder = Path.Combine(Folder, id);
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Gets an organisation's job; another organisation's, or one past retention, is not found.</summary>
    public VideoJob? Get(string id, string organizationId) =>
        _jobs.TryGetValue(id, out var job) && job.OrganizationId == organizationId && !Expired(job) ? job : null;

    /// <summary>Gets an organisation's jobs, newest first.</summary>
    public IReadOnlyList<VideoJob> Of(string organizationId) =>
        [.. _jobs.Values.Where(j => j.OrganizationId == organizationId && !Expired(j)).OrderByDescending(j => j.CreatedAt)];

    /// <summary>
    /// Probes an upload by its content: the container (by its first bytes, against the allow-list), then a frame decoded,
    /// the size, rate and frame count, and the duration limit.
    /// </summary>
    /// <exception cref="ApiException">400: not an accepted video, or too long.</exception>
    public VideoProbe Probe(string path)
    {
        Span<byte> header = stackalloc byte[VideoContainers.HeaderBytes];
        int read;
        using (var file = File.OpenRead(path))
        {
            read = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }

        var container = VideoContainers.Sniff(header[..read]);
        if (container is null || !_options.AllowedContainers.Contains(container, StringComparer.OrdinalIgnoreCase))
        {
            throw ApiException.BadRequest($"file is not a video in an accepted container ({string.Join(", ", _options.AllowedContainers)})", "file");
        }

        using var capture = new VideoCapture(path);
        using var frame = new Mat();
        if (!capture.IsOpened() || !capture.Read(frame) || frame.Empty())
        {
            throw ApiException.BadRequest("file holds no video frame that decodes (damaged or truncated?)", "file");
        }

        var fps = capture.Get(VideoCaptureProperties.Fps);
        fps = fps is > 0 and < 1000 ? fps : 25;
        var frames = Math.Max(1, (long)capture.Get(VideoCaptureProperties.FrameCount));
        if (frames / fps > _options.MaxDurationSeconds)
        {
            throw ApiException.BadRequest($"video is longer than {_options.MaxDurationSeconds:0} s", "file");
        }

        // Every frame is decoded, drawn and encoded at this size: the image decoder's pixel limit holds for videos too.
        if ((long)frame.Width * frame.Height > ImageDecoderOptions.DefaultMaxPixels)
        {
            throw ApiException.BadRequest($"video frames of {frame.Width}x{frame.Height} are larger than {ImageDecoderOptions.DefaultMaxPixels:N0} pixels", "file");
        }

        return new VideoProbe(container, frame.Width, frame.Height, fps, frames);
    }

    /// <summary>Queues the analysis of the upload in <paramref name="folder"/>; its row is written before it runs.</summary>
    /// <exception cref="ApiException">429: the organisation has too many unfinished jobs.</exception>
    public async Task<VideoJob> QueueAsync(string id, string folder, string organizationId, string? cameraId, string fileName, VideoProbe probe)
    {
        var job = new VideoJob(id, organizationId, cameraId ?? "upload-" + id[..8], fileName, probe, _time.GetUtcNow(), folder);
        lock (_admit)
        {
            if (_jobs.Values.Count(j => j.OrganizationId == organizationId && !j.Finished) >= _options.MaxPendingJobsPerOrganization)
            {
                throw new ApiException(StatusCodes.Status429TooManyRequests, $"at most {_options.MaxPendingJobsPerOrganization} videos are analysed at a time; wait for one to finish or delete one");
            }

            _jobs[job.Id] = job;
        }

        try
        {
            await _store.SaveAsync(job.ToRecord());
        }
        catch
        {
            _jobs.TryRemove(job.Id, out _);
            job.Cancel.Dispose();
            throw;
        }

        job.Work = Task.Run(() => RunAsync(job));
        return job;
    }

    /// <summary>Cancels a job (its run stops and kills its encoder) and deletes it with its files.</summary>
    public async Task DeleteAsync(VideoJob job)
    {
        _jobs.TryRemove(job.Id, out _);
        await job.Cancel.CancelAsync();
        await job.Work.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _store.DeleteAsync(job.Id); // after its run's last write
        DeleteFolder(job.Folder);
        job.Cancel.Dispose();
    }

    /// <summary>Deletes a folder an upload was written to; a failure is logged (the start-up clean-up catches it).</summary>
    public void DeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "Video job folder {Folder} could not be deleted", folder);
        }
    }

    private async Task RunAsync(VideoJob job)
    {
        var ct = job.Cancel.Token;
        try
        {
            await _slots.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            if (_stopping)
            {
                job.Finish(VideoJob.Failed, _time.GetUtcNow(), error: VideoJob.Interrupted);
                await SaveAsync(job);
                DeleteFolder(job.Folder);
            }

            return;
        }

        try
        {
            job.SetRunning();
            await SaveAsync(job);
            var results = await AnalyseAsync(job, ct);
            job.Finish(VideoJob.Completed, _time.GetUtcNow(), results);
        }
        catch (Exception ex) when (ct.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            // Cancelled (deleted, or the host stopping): what the cancellation broke on its way out (the encoder killed,
            // the source closed) is not the video's fault.
            _logger.LogDebug(ex, "Video job {Job} cancelled", job.Id);
            job.Finish(VideoJob.Failed, _time.GetUtcNow(), error: _stopping ? VideoJob.Interrupted : "cancelled");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The client sees the library's plain words for a bad file, a generic text for anything else (logged).
            // Library messages name the file by its path: the client sees its own file name, never a server path.
            var error = ex is InvalidDataException or ArgumentException or FrameSourceException
                ? ex.Message.Replace(job.InputPath, job.FileName, StringComparison.Ordinal).Replace(job.Folder, "(upload)", StringComparison.Ordinal)
                : "analysis failed";
            job.Finish(VideoJob.Failed, _time.GetUtcNow(), error: error);
            _logger.LogError(ex, "Video job {Job} failed", job.Id);
        }
        finally
        {
            _slots.Release();
            try
            {
                File.Delete(job.InputPath); // the upload is not needed once analysed
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning(ex, "Video job {Job}: the upload could not be deleted", job.Id);
            }
        }

        await SaveAsync(job);
    }

    /// <summary>Writes a job's row; a failure is logged (the job goes on in memory; a restart then sees its last row).</summary>
    private async Task SaveAsync(VideoJob job)
    {
        try
        {
            await _store.SaveAsync(job.ToRecord());
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogError(ex, "Video job {Job}: its state could not be stored", job.Id);
        }
    }

    /// <summary>A stored job as it is after a restart: one that had not ended is failed as interrupted, and its files deleted.</summary>
    private async Task<VideoJob> RestoreAsync(VideoJobRecord row, CancellationToken ct)
    {
        // The row names the job's folder in the work folder; anything else (an edited row) gets a folder of its own id.
        var folder = Path.GetFullPath(Path.Combine(Folder, row.FilesPath));
        if (!string.Equals(Path.GetDirectoryName(folder), Folder.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
        {
            folder = Path.Combine(Folder, row.Id);
        }

        var probe = JsonSerializer.Deserialize<VideoProbe>(row.Video, ApiJson.Options) ?? throw new InvalidDataException($"Video job {row.Id} has no probe");
        var results = row.Results is { } json ? JsonSerializer.Deserialize<VideoResults>(json, ApiJson.Options) : null;
        var job = VideoJob.Restore(row, probe, results, folder);
        if (!job.Finished)
        {
            job.Finish(VideoJob.Failed, _time.GetUtcNow(), error: VideoJob.Interrupted);
            await _store.SaveAsync(job.ToRecord(), ct);
            DeleteFolder(folder);
            _logger.LogWarning("Video job {Job} was {State} when the host stopped: marked failed", row.Id, row.State);
        }

        return job;
    }

    private async Task<VideoResults> AnalyseAsync(VideoJob job, CancellationToken ct)
    {
        var every = Math.Max(1, (int)Math.Round(job.Probe.Fps / _options.ProcessingFps));
        var options = new CameraPipelineOptions
        {
            CameraId = job.CameraId,
            Source = job.InputPath,
            SourceOptions = new FrameSourceOptions { RealTimePacing = false, Loop = false },
            // Offline: every frame is tracked and written (capture waits for inference instead of dropping).
            DropWhenBusy = false,
            QueueCapacity = 4,
            DetectionInterval = every,
            FaceInterval = _live.RecognizeEvery,
            EnableFaces = true,
            Tracker = new Scarlet.Tracking.TrackerOptions { FrameRate = job.Probe.Fps / every, LostTrackBuffer = (int)Math.Ceiling(3 * job.Probe.Fps / every) },
        };
        var zones = _zones.ZonesOf(job.CameraId, job.OrganizationId);
        foreach (var zone in zones)
        {
            options.CameraZones.Add(zone);
        }

        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", errors));
        }

        FaceModels? faces = null;
        try
        {
            faces = await _faces.FaceModelsForAsync(job.OrganizationId, cancellationToken: ct);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            _logger.LogError(ex, "Video job {Job}: the face gallery could not be read; faces are off", job.Id);
            options.EnableFaces = false;
        }

        var alerts = _zones.EvaluatorFor(job.OrganizationId, job.CameraId, zones);
        var collector = new ResultCollector(job, alerts);
        var models = new CameraPipelineModels(_models.Persons, null, faces ?? _models.Faces);
        using var pipeline = new CameraPipeline(options, models, new CrossCameraResolver(), new IdentityTracker(), _loggers.CreateLogger<CameraPipeline>());
        await using var source = FrameSourceFactory.Create(job.CameraId, job.InputPath, options.SourceOptions, _time, _loggers);
        var writer = OverlayVideoWriter.Open(job.VideoPath, job.Probe.Fps, new Size(job.Probe.Width, job.Probe.Height), cancellationToken: ct);
        try
        {
            pipeline.FrameProcessed += (_, e) => collector.OnFrame(e.Frame, e.Update, writer);
            await pipeline.RunAsync(source, ct);
        }
        finally
        {
            writer.Dispose();
        }

        ct.ThrowIfCancellationRequested();
        if (writer.Error is { } error)
        {
            throw new IOException(error);
        }

        if (collector.Frames == 0)
        {
            throw new InvalidDataException("no frame of the video could be analysed");
        }

        // The tracks carry gallery identities: named as customers once, after the run (a customer erased meanwhile is left out).
        var customers = new Dictionary<string, Customer>(StringComparer.Ordinal);
        foreach (var identity in collector.Identities)
        {
            if (await _faces.CustomerOfIdentityAsync(job.OrganizationId, identity, ct) is { } customer)
            {
                customers[identity] = customer;
            }
        }

        return collector.Results(customers);
    }

    private bool Expired(VideoJob job) => job.FinishedAt is { } done && _time.GetUtcNow() - done >= _retention;

    private void Sweep()
    {
        foreach (var job in _jobs.Values.Where(Expired))
        {
            if (_jobs.TryRemove(job.Id, out _))
            {
                DeleteFolder(job.Folder);
                job.Cancel.Dispose();
                _ = DeleteRowAsync(job.Id);
            }
        }
    }

    /// <summary>
    /// An erased customer leaves the stored results of its organisation's jobs (their identifications, the customer of
    /// their tracks), and the overlay videos that name them are deleted (their gallery identity is drawn into the frames).
    /// </summary>
    private async Task ForgetAsync(CustomerErasedEvent erased, CancellationToken ct)
    {
        foreach (var job in _jobs.Values)
        {
            if (job.OrganizationId != erased.OrganizationId || job.Results is not { } results
                || !results.Tracks.Any(t => t.CustomerId == erased.CustomerId))
            {
                continue;
            }

            var redacted = results with
            {
                Tracks = [.. results.Tracks.Select(t => t.CustomerId == erased.CustomerId ? t with { CustomerId = null, IdentityScore = null } : t)],
                Identifications = [.. results.Identifications.Where(i => i.CustomerId != erased.CustomerId)],
            };
            try
            {
                File.Delete(job.VideoPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _logger.LogError(ex, "Video job {Job}: the overlay video naming an erased customer could not be deleted", job.Id);
            }

            // Stored first: once an answer no longer names the customer, neither does the row.
            await _store.SaveAsync(job.ToRecord() with { Results = JsonSerializer.Serialize(redacted, ApiJson.Options) }, ct);
            job.Redact(redacted);
        }
    }

    private async Task DeleteRowAsync(string id)
    {
        try
        {
            await _store.DeleteAsync(id);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogError(ex, "Video job {Job}: its expired row could not be deleted (retried at the next start)", id);
        }
    }

    /// <summary>On the pipeline's inference thread: draws and writes each frame, and gathers tracks, identities and alerts.</summary>
    private sealed class ResultCollector(VideoJob job, Scarlet.Retail.AlertRuleEvaluator alerts)
    {
        private readonly OverlayRenderer _overlay = new();
        private readonly Dictionary<int, TrackSpan> _tracks = [];
        private readonly List<(int TrackId, int GlobalId, string Identity, double At, float? Score)> _identifications = [];
        private readonly List<VideoAlert> _alerts = [];
        private DateTimeOffset? _start;

        public long Frames { get; private set; }

        /// <summary>Gets the gallery identities the tracks were decided as.</summary>
        public IEnumerable<string> Identities => _identifications.Select(i => i.Identity).Distinct(StringComparer.Ordinal);

        public void OnFrame(Frame frame, TrackingUpdate update, OverlayVideoWriter writer)
        {
            var start = _start ??= frame.Timestamp;
            var at = (frame.Timestamp - start).TotalSeconds;
            foreach (var p in update.Persons)
            {
                if (!_tracks.TryGetValue(p.TrackId, out var span))
                {
                    span = _tracks[p.TrackId] = new TrackSpan(p.GlobalId, at);
                }

                span.Last = at;
                span.Frames++;
                span.GlobalId = p.GlobalId;
                span.Status = p.IdentityStatus;
                if (p.CustomerId is { } customer && span.CustomerId != customer)
                {
                    span.CustomerId = customer;
                    span.Score = float.IsNaN(p.IdentityScore) ? null : p.IdentityScore;
                    _identifications.Add((p.TrackId, p.GlobalId, customer, Math.Round(at, 3), span.Score));
                }

                var label = p.CustomerId is null ? $"#{p.GlobalId}" : $"#{p.GlobalId} {p.CustomerId}";
                _overlay.DrawBox(frame.Image, p.Box, p.CustomerId is null ? new Scalar(0, 200, 255) : new Scalar(0, 220, 0), label);
            }

            if (alerts.Rules.Count > 0)
            {
                foreach (var a in alerts.Observe(ZoneAlerts.FrameState(update, static p => TrackingEventPublisher.PersonIdOf(p.GlobalId))))
                {
                    _alerts.Add(new VideoAlert(a.Rule.Id, a.Rule.Name, a.Rule.Kind, a.Rule.Level, a.CameraId, a.Zone, a.PersonId, Math.Round((a.At - start).TotalSeconds, 3), a.Message));
                }
            }

            writer.Write(frame.Image);
            Frames++;
            job.FrameDone();
        }

        public VideoResults Results(IReadOnlyDictionary<string, Customer> customers)
        {
            string? CustomerOf(string? identity) => identity is not null && customers.TryGetValue(identity, out var c) ? c.Id : null;
            var tracks = _tracks.OrderBy(t => t.Key).Select(t => new VideoTrack(
                t.Key, TrackingEventPublisher.PersonIdOf(t.Value.GlobalId), Math.Round(t.Value.First, 3), Math.Round(t.Value.Last, 3), t.Value.Frames,
                CustomerOf(t.Value.CustomerId), System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(t.Value.Status.ToString()), t.Value.Score)).ToList();
            var identifications = _identifications.Where(i => customers.ContainsKey(i.Identity)).Select(i => new VideoIdentification(
                i.TrackId, TrackingEventPublisher.PersonIdOf(i.GlobalId), customers[i.Identity].Id, customers[i.Identity].Name, i.At, i.Score)).ToList();

            // A person is a cross-track id: their stay runs from their first track's start to their last track's end.
            var people = tracks.GroupBy(t => t.PersonId).Select(g => (Dwell: g.Max(t => t.LastSeenSeconds) - g.Min(t => t.FirstSeenSeconds), Identified: g.Any(t => t.CustomerId is not null))).ToList();
            var visits = new VideoVisits(
                people.Count,
                people.Count(p => p.Identified),
                tracks.Count,
                people.Count == 0 ? 0 : Math.Round(people.Average(p => p.Dwell), 3),
                people.Count == 0 ? 0 : Math.Round(people.Max(p => p.Dwell), 3));
            var p = job.Probe;
            return new VideoResults(job.Id, job.CameraId, Math.Round(Frames / p.Fps, 3), Frames, p.Width, p.Height, Math.Round(p.Fps, 3), tracks, identifications, _alerts, visits);
        }

        private sealed class TrackSpan(int globalId, double first)
        {
            public int GlobalId { get; set; } = globalId;

            public double First { get; } = first;

            public double Last { get; set; } = first;

            public long Frames { get; set; }

            public string? CustomerId { get; set; }

            public float? Score { get; set; }

            public TrackIdentityStatus Status { get; set; }
        }
    }
}
