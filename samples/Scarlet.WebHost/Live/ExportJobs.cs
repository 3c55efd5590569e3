using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using Scarlet.Retail;
using Scarlet.Vision;

namespace Scarlet.WebHost.Live;

/// <summary>
/// A background export of one organisation as kept in <see cref="HostStateStore"/>; the result is a file in the exports
/// folder (<c>OrganizationId</c> is <see langword="null"/> in rows from before organisations: the default one's).
/// </summary>
internal sealed record ExportJob(string Id, string Kind, string ContentType, string FileName, DateTimeOffset CreatedAt, string Status, string? Error, long? SizeBytes, DateTimeOffset? FinishedAt, string? OrganizationId = null)
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";

    public Api.ExportJobView View() => new(Id, Kind, Status, CreatedAt, Error, SizeBytes, Status == Completed ? $"/api/export/jobs/{Id}/download" : null);
}

/// <summary>
/// Runs exports in the background, at most two at a time. Jobs are kept in <see cref="HostStateStore"/> and their files in
/// the exports folder next to the database, so a restart still lists them (a job the restart interrupted is failed); a
/// finished job and its file are deleted <c>Scarlet:Exports:RetentionHours</c> after it finished (exports hold personal
/// data: they must not pile up).
/// </summary>
internal sealed class ExportJobs : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<string, ExportJob> _jobs = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots = new(2);
    private readonly HostStateStore _state;
    private readonly TimeProvider _time;
    private readonly ILogger<ExportJobs> _logger;
    private readonly IHostApplicationLifetime _life;
    private readonly TimeSpan _retention;
    private readonly string _defaultOrganization;
    private ITimer? _sweep;

    public ExportJobs(HostStateStore state, TimeProvider time, IOptions<ScarletHostOptions> options, ILogger<ExportJobs> logger, IHostApplicationLifetime life)
    {
        (_state, _time, _logger, _life) = (state, time, logger, life);
        _retention = TimeSpan.FromHours(options.Value.Exports.RetentionHours);
        _defaultOrganization = options.Value.Organization;
        Folder = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.Value.Storage.Path))!, "exports");
        Directory.CreateDirectory(Folder);
        foreach (var job in state.List<ExportJob>(HostStateKinds.ExportJob))
        {
            _jobs[job.Id] = job;
        }
    }

    /// <summary>Gets the folder of the finished exports' files.</summary>
    public string Folder { get; }

    public string PathOf(ExportJob job) => Path.Combine(Folder, job.Id);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Nothing runs any more for a job that was running when the host stopped.
        foreach (var job in _jobs.Values.Where(j => j.Status == ExportJob.Running))
        {
            await SaveAsync(job with { Status = ExportJob.Failed, Error = "Interrupted by a restart of the host", FinishedAt = _time.GetUtcNow() });
        }

        await SweepAsync();
        var period = TimeSpan.FromTicks(Math.Clamp(_retention.Ticks / 4, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromMinutes(10).Ticks));
        _sweep = _time.CreateTimer(_ => _ = SweepAsync(), null, period, period);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _sweep?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _sweep?.Dispose();
        _slots.Dispose();
    }

    /// <summary>Gets an organisation's job; another organisation's is not found.</summary>
    public ExportJob? Get(string id, string organizationId) =>
        _jobs.TryGetValue(id, out var job) && !Expired(job) && (job.OrganizationId ?? _defaultOrganization) == organizationId ? job : null;

    /// <summary>Starts a job whose <paramref name="work"/> streams the file's content into the stream it is given.</summary>
    public async Task<ExportJob> StartAsync(string organizationId, string kind, string contentType, string fileName, Func<Stream, CancellationToken, Task> work)
    {
        var job = new ExportJob(Guid.NewGuid().ToString("N"), kind, contentType, fileName, _time.GetUtcNow(), ExportJob.Running, null, null, null, organizationId);
        await SaveAsync(job);
        var ct = _life.ApplicationStopping;
        _ = Task.Run(async () =>
        {
            await _slots.WaitAsync(ct);
            // Written beside the final name and moved when complete: a download never sees half a file.
            var partial = PathOf(job) + ".partial";
            try
            {
                long size;
                await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
                {
                    await work(file, ct);
                    size = file.Length;
                }

                File.Move(partial, PathOf(job), overwrite: true);
                await SaveAsync(job with { Status = ExportJob.Completed, SizeBytes = size, FinishedAt = _time.GetUtcNow() });
            }
            catch (Exception ex)
            {
                File.Delete(partial); // a failed export leaves no file behind for the retention sweep to miss
                await SaveAsync(job with { Status = ExportJob.Failed, Error = ex is ApiException or ArgumentException ? ex.Message : "Export failed", FinishedAt = _time.GetUtcNow() });
                _logger.LogError(ex, "Export {Job} failed", job.Id);
            }
            finally
            {
                _slots.Release();
            }
        }, ct);
        return job;
    }

    private async Task SaveAsync(ExportJob job)
    {
        // The process's own token: a finished export is recorded even while the host stops.
        await _state.PutAsync(HostStateKinds.ExportJob, job.Id, job, CancellationToken.None);
        _jobs[job.Id] = job;
    }

    private bool Expired(ExportJob job) => job.FinishedAt is { } done && _time.GetUtcNow() - done >= _retention;

    /// <summary>Deletes the finished jobs past retention and their files.</summary>
    public async Task SweepAsync()
    {
        try
        {
            foreach (var job in _jobs.Values.Where(Expired))
            {
                File.Delete(PathOf(job));
                await _state.DeleteAsync(HostStateKinds.ExportJob, job.Id);
                _jobs.TryRemove(job.Id, out _);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            // The next sweep tries again.
            _logger.LogWarning(ex, "Export retention sweep failed");
        }
    }
}

/// <summary>Records a camera's overlay frames into an H.264 MP4 (<see cref="OverlayVideoWriter"/>: what a browser plays).</summary>
internal static class VideoExport
{
    public const string ContentType = "video/mp4";

    /// <param name="camera">The camera whose overlay images are recorded.</param>
    /// <param name="duration">How long to record.</param>
    /// <param name="fps">The rate the camera's images come at (its processing rate): the file plays in real time.</param>
    /// <param name="output">Where the finished file is copied.</param>
    /// <param name="ct">Cancels the recording and kills the encoder.</param>
    public static async Task RecordAsync(StoreCamera camera, TimeSpan duration, double fps, Stream output, CancellationToken ct)
    {
        var path = Path.Combine(Path.GetTempPath(), $"scarlet-export-{Guid.NewGuid():N}.mp4");
        try
        {
            OverlayVideoWriter? writer = null;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(duration);
                var last = -1L;
                try
                {
                    while (true)
                    {
                        var img = await camera.NextImageAsync(last, timeout.Token);
                        last = img.Sequence;
                        using var mat = Cv2.ImDecode(img.Jpeg, ImreadModes.Color);
                        if (writer is not null && mat.Size() != writer.FrameSize)
                        {
                            continue; // the camera's source changed size mid-recording: those frames do not fit the file
                        }

                        writer ??= OverlayVideoWriter.Open(path, fps, mat.Size(), cancellationToken: ct);
                        writer.Write(mat);
                    }
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                }
            }
            finally
            {
                writer?.Dispose();
            }

            if (writer is null)
            {
                throw new ArgumentException("The camera produced no frame to record");
            }

            if (writer.Error is { } error)
            {
                throw new IOException(error);
            }

            await using var recorded = File.OpenRead(path);
            await recorded.CopyToAsync(output, ct);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
