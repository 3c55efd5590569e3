namespace Scarlet.Retail.Storage;

/// <summary>
/// One video analysis job as a host stores it (schema migration 15): who uploaded what, where it stands, and, when it
/// ended, its error or its results. The library never reads inside <see cref="Video"/> or <see cref="Results"/>.
/// </summary>
/// <param name="Id">The job id.</param>
/// <param name="OrganizationId">The organisation that uploaded it.</param>
/// <param name="CameraId">The camera whose zones and rules applied (or the host's name for an upload without one).</param>
/// <param name="FileName">The uploaded file's name, as the client sent it (for the download's name).</param>
/// <param name="State">The host's state text (for example <c>queued</c>, <c>running</c>, <c>completed</c>, <c>failed</c>).</param>
/// <param name="FramesDone">Frames analysed when the row was last written.</param>
/// <param name="FramesTotal">Frames the video announced.</param>
/// <param name="CreatedAt">When it was uploaded.</param>
/// <param name="FinishedAt">When it ended, or <see langword="null"/>.</param>
/// <param name="Error">Why it failed, in words a client may read, or <see langword="null"/>.</param>
/// <param name="Video">What the upload is (the host's JSON: container, size, rate, frames).</param>
/// <param name="Results">The results (the host's JSON) of a completed job, or <see langword="null"/>.</param>
/// <param name="FilesPath">Where the host keeps the job's files (the upload, the overlay video), relative to its own work folder; never shown to clients.</param>
public sealed record VideoJobRecord(
    string Id,
    string OrganizationId,
    string CameraId,
    string FileName,
    string State,
    long FramesDone,
    long FramesTotal,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    string? Error,
    string Video,
    string? Results,
    string FilesPath);

/// <summary>
/// A host's video analysis jobs, so that a restart finds them again (their files are on the host's disk, so a host that
/// shares a PostgreSQL database keeps them in its own file, as it does its other run-time documents).
/// </summary>
public interface IVideoJobStore
{
    /// <summary>Inserts or replaces a job.</summary>
    /// <param name="job">The job.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task SaveAsync(VideoJobRecord job, CancellationToken cancellationToken = default);

    /// <summary>Every job, oldest first.</summary>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The jobs.</returns>
    Task<IReadOnlyList<VideoJobRecord>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes a job.</summary>
    /// <param name="id">The job id.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Whether it existed.</returns>
    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);
}
