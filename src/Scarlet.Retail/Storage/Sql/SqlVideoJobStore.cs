using static Scarlet.Retail.Storage.Sql.SqlDatabase;

namespace Scarlet.Retail.Storage.Sql;

/// <summary>SQL (SQLite or PostgreSQL) <see cref="IVideoJobStore"/>: the <c>video_jobs</c> table of migration 15.</summary>
/// <param name="db">The database.</param>
public sealed class SqlVideoJobStore(SqlDatabase db) : IVideoJobStore
{
    private const string Columns = "id, org_id, camera_id, file_name, state, frames_done, frames_total, created_at, finished_at, error, video, results, files_path";

    /// <inheritdoc/>
    public Task SaveAsync(VideoJobRecord job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentException.ThrowIfNullOrEmpty(job.Id);
        ArgumentException.ThrowIfNullOrEmpty(job.State);
        return db.WriteAsync(
            (c, tx) => Execute(c, $"""
                INSERT INTO video_jobs({Columns}) VALUES (@id, @o, @cam, @f, @s, @fd, @ft, @ca, @fa, @e, @v, @r, @p)
                ON CONFLICT(id) DO UPDATE SET state = excluded.state, frames_done = excluded.frames_done, frames_total = excluded.frames_total,
                    finished_at = excluded.finished_at, error = excluded.error, video = excluded.video, results = excluded.results, files_path = excluded.files_path
                """, tx,
                ("@id", job.Id), ("@o", job.OrganizationId), ("@cam", job.CameraId), ("@f", job.FileName), ("@s", job.State), ("@fd", job.FramesDone), ("@ft", job.FramesTotal),
                ("@ca", ToUnixMs(job.CreatedAt)), ("@fa", Nullable(job.FinishedAt)), ("@e", job.Error), ("@v", job.Video), ("@r", job.Results), ("@p", job.FilesPath)),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<VideoJobRecord>> ListAsync(CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<VideoJobRecord>>(
            c => Query(c, null, $"SELECT {Columns} FROM video_jobs ORDER BY created_at, id", r => new VideoJobRecord(
                r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt64(5), r.GetInt64(6), FromUnixMs(r.GetInt64(7)),
                r.IsDBNull(8) ? null : FromUnixMs(r.GetInt64(8)), StringOrNull(r, 9), r.GetString(10), StringOrNull(r, 11), r.GetString(12))),
            cancellationToken);

    /// <inheritdoc/>
    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => Execute(c, "DELETE FROM video_jobs WHERE id = @id", tx, ("@id", id)) == 1, cancellationToken);
}
