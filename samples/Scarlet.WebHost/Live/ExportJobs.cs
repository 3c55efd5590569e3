using System.Collections.Concurrent;
using OpenCvSharp;

namespace Scarlet.WebHost.Live;

/// <summary>A background export and its result (kept in memory for an hour).</summary>
internal sealed class ExportJob(string id, string kind, string contentType, string fileName, DateTimeOffset created)
{
    public string Id { get; } = id;

    public string Kind { get; } = kind;

    public string ContentType { get; } = contentType;

    public string FileName { get; } = fileName;

    public DateTimeOffset CreatedAt { get; } = created;

    public string Status { get; set; } = "running";

    public string? Error { get; set; }

    public byte[]? Result { get; set; }

    public object View() => new { job_id = Id, kind = Kind, status = Status, created_at = CreatedAt, error = Error, size_bytes = Result?.Length, download_url = Result is null ? null : $"/api/export/jobs/{Id}/download" };
}

/// <summary>Runs exports in the background, at most two at a time.</summary>
internal sealed class ExportJobs(TimeProvider time, ILogger<ExportJobs> logger, IHostApplicationLifetime life)
{
    private static readonly TimeSpan s_keep = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<string, ExportJob> _jobs = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots = new(2);

    public ExportJob? Get(string id) => _jobs.GetValueOrDefault(id);

    public ExportJob Start(string kind, string contentType, string fileName, Func<CancellationToken, Task<byte[]>> work)
    {
        foreach (var (k, v) in _jobs)
        {
            if (time.GetUtcNow() - v.CreatedAt > s_keep)
            {
                _jobs.TryRemove(k, out _);
            }
        }

        var job = new ExportJob(Guid.NewGuid().ToString("N"), kind, contentType, fileName, time.GetUtcNow());
        _jobs[job.Id] = job;
        var ct = life.ApplicationStopping;
        _ = Task.Run(async () =>
        {
            await _slots.WaitAsync(ct);
            try
            {
                job.Result = await work(ct);
                job.Status = "completed";
            }
            catch (Exception ex)
            {
                job.Status = "failed";
                job.Error = ex is ApiException or ArgumentException ? ex.Message : "Export failed";
                logger.LogError(ex, "Export {Job} failed", job.Id);
            }
            finally
            {
                _slots.Release();
            }
        }, ct);
        return job;
    }
}

/// <summary>Records a camera's overlay frames into an MJPG AVI.</summary>
internal static class VideoExport
{
    public static async Task<byte[]> RecordAsync(CameraRunner camera, TimeSpan duration, CancellationToken ct)
    {
        var path = Path.Combine(Path.GetTempPath(), $"scarlet-export-{Guid.NewGuid():N}.avi");
        try
        {
            VideoWriter? writer = null;
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
                        writer ??= new VideoWriter(path, FourCC.MJPG, 5, mat.Size());
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

            return writer is null ? throw new ArgumentException("The camera produced no frame to record") : await File.ReadAllBytesAsync(path, ct);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
