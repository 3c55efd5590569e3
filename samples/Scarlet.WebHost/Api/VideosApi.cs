using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Scarlet.WebHost.Live;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost.Api;

/// <summary>
/// Video upload analysis (<c>/api/videos</c>): an operator uploads a recorded video (multipart, field <c>file</c>, and
/// optionally <c>camera_id</c> whose zones and alert rules apply); a background job (<see cref="VideoJobs"/>) tracks it
/// and reports progress, then its results and the video with overlays (H.264 MP4). Another organisation's job is 404.
/// </summary>
internal static class VideosApi
{
    // Multipart boundaries and part headers around the file; the file itself is limited to Scarlet:Videos:MaxBytes.
    private const long MultipartOverhead = 64 * 1024;

    public static void MapVideosApi(this IEndpointRouteBuilder app)
    {
        var max = app.ServiceProvider.GetRequiredService<VideoJobs>().Options.MaxBytes;
        var videos = app.MapGroup("/api/videos").Require(ScarletPolicies.Operator).WithTags("Videos");
        videos.MapPost("/", UploadAsync)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(max + MultipartOverhead))
            .DisableAntiforgery()
            .WithSummary("Upload a video (multipart: file, optional camera_id) for analysis; 202 with the job");
        videos.MapGet("/", (HostContext ctx, VideoJobs jobs) => TypedResults.Ok(jobs.Of(ctx.Org).Select(j => j.View()).ToList()))
            .WithSummary("The organisation's video jobs, newest first");
        videos.MapGet("/{job_id}", (string job_id, HostContext ctx, VideoJobs jobs) => TypedResults.Ok(Require(jobs, job_id, ctx.Org).View()))
            .WithSummary("A job's status and progress (frames done / total)");
        videos.MapGet("/{job_id}/results", (string job_id, HostContext ctx, VideoJobs jobs) =>
        {
            var job = Require(jobs, job_id, ctx.Org);
            return job.Results is { } results ? TypedResults.Ok(results) : throw NotReady(job);
        }).WithSummary("Tracks with their time spans, identifications, alerts and a visits summary of a completed job");
        videos.MapGet("/{job_id}/video", (string job_id, HostContext ctx, VideoJobs jobs) =>
        {
            var job = Require(jobs, job_id, ctx.Org);
            if (job.Status != VideoJob.Completed)
            {
                throw NotReady(job);
            }

            return File.Exists(job.VideoPath)
                ? Results.File(job.VideoPath, "video/mp4", Path.GetFileNameWithoutExtension(job.FileName) + "-overlays.mp4", enableRangeProcessing: true)
                : throw ApiException.NotFound("The overlay video of this job is no longer kept (deleted with an erased customer it named, or gone from this host's disk)");
        }).WithSummary("The video with overlays (H.264 MP4) of a completed job");
        videos.MapDelete("/{job_id}", async (string job_id, HostContext ctx, VideoJobs jobs) =>
        {
            await jobs.DeleteAsync(Require(jobs, job_id, ctx.Org));
            return Results.NoContent();
        }).WithSummary("Cancel a job and delete it with its files");
    }

    private static VideoJob Require(VideoJobs jobs, string id, string org) => jobs.Get(id, org) ?? throw ApiException.NotFound("Video job not found");

    private static ApiException NotReady(VideoJob job) =>
        new(StatusCodes.Status409Conflict, job.Status == VideoJob.Failed ? $"Job failed: {job.Error}" : $"Job is {job.Status}; fetch it when completed");

    /// <summary>
    /// Streams the multipart body's file part to the job's folder (never whole in memory), counting its bytes against the
    /// limit, then probes it by content before the job is queued.
    /// </summary>
    private static async Task<IResult> UploadAsync(HttpRequest request, HostContext ctx, VideoJobs jobs, CameraManager cameras, CancellationToken ct)
    {
        var org = ctx.Org;
        var max = jobs.Options.MaxBytes;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
        {
            throw ApiException.BadRequest("send the video as multipart/form-data with a 'file' part");
        }

        // Kestrel's body limit is the host's (small) one; this route's own limit applies instead.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max + MultipartOverhead;
        }

        var folder = jobs.NewFolder(out var id);
        try
        {
            string? cameraId = null;
            string? fileName = null;
            long size = 0;
            var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024 };
            try
            {
                while (await reader.ReadNextSectionAsync(ct) is { } section)
                {
                    if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }

                    var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                    if (name == "camera_id" && !disposition.IsFileDisposition())
                    {
                        using var text = new StreamReader(section.Body);
                        var value = await ReadLimitedAsync(text, 65, ct);
                        cameraId = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
                    }
                    else if (name == "file" && disposition.IsFileDisposition() && fileName is null)
                    {
                        fileName = SafeName(HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value);
                        size = await CopyLimitedAsync(section.Body, Path.Combine(folder, "input"), max, ct);
                    }
                }
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                throw new ApiException(StatusCodes.Status413PayloadTooLarge, $"video is larger than {max} bytes");
            }
            catch (Exception ex) when ((ex is InvalidDataException or IOException) && !ct.IsCancellationRequested)
            {
                // A malformed or cut multipart body (bad boundary, headers too long, the body ended early).
                throw ApiException.BadRequest("the multipart body is malformed or incomplete");
            }

            if (fileName is null)
            {
                throw ApiException.BadRequest("the 'file' part (the video) is required", "file");
            }

            if (size == 0)
            {
                throw ApiException.BadRequest("the video file is empty", "file");
            }

            if (cameraId is not null)
            {
                cameras.Require(cameraId, org); // its zones and rules apply; another organisation's camera is not found
            }

            var probe = await Task.Run(() => jobs.Probe(Path.Combine(folder, "input")), ct);
            var job = await jobs.QueueAsync(id, folder, org, cameraId, fileName, probe);
            return TypedResults.Accepted($"/api/videos/{job.Id}", job.View());
        }
        catch
        {
            jobs.DeleteFolder(folder);
            throw;
        }
    }

    private static async Task<long> CopyLimitedAsync(Stream body, string path, long max, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                total += read;
                if (total > max)
                {
                    throw new ApiException(StatusCodes.Status413PayloadTooLarge, $"video is larger than {max} bytes");
                }

                await file.WriteAsync(buffer.AsMemory(0, read), ct);
            }

            return total;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<string> ReadLimitedAsync(StreamReader reader, int max, CancellationToken ct)
    {
        var buffer = new char[max];
        var read = await reader.ReadBlockAsync(buffer.AsMemory(), ct);
        return read == max ? throw ApiException.BadRequest("camera_id is too long", "camera_id") : new string(buffer, 0, read);
    }

    // Only for the download's name: no folders, no control characters.
    private static string SafeName(string? name)
    {
        var n = Path.GetFileName(name ?? string.Empty);
        n = new string([.. n.Where(c => !char.IsControl(c) && c is not ('"' or '\\' or '/'))]);
        return n.Length is > 0 and <= 200 ? n : "video";
    }
}
