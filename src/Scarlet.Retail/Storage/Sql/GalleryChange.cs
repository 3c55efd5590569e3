using System.Data.Common;
using static Scarlet.Retail.Storage.Sql.SqlDatabase;

namespace Scarlet.Retail.Storage.Sql;

/// <summary>
/// An organisation's gallery change sequence (<c>gallery_versions</c>): <see cref="Bump"/> raises it in the transaction of
/// every change to the organisation's embeddings, and a <see cref="GalleryChange"/> open on the calling flow learns the
/// new value, so the change's event can carry it (<see cref="Events.CustomerRegisteredEvent.GalleryVersion"/>, ...).
/// Works like <see cref="StagedEvents{T}"/>: the store's write runs on the caller's execution context.
/// </summary>
internal sealed class GalleryChange : IDisposable
{
    private static readonly AsyncLocal<GalleryChange?> s_current = new();
    private readonly GalleryChange? _outer;

    public GalleryChange()
    {
        _outer = s_current.Value;
        s_current.Value = this;
    }

    /// <summary>Gets the sequence the last change on this flow set (0: none yet).</summary>
    public long Version { get; private set; }

    public void Dispose() => s_current.Value = _outer;

    /// <summary>Raises the organisation's sequence by one inside the caller's transaction.</summary>
    /// <returns>The new sequence.</returns>
    internal static long Bump(DbConnection conn, DbTransaction tx, string organizationId)
    {
        var version = Scalar(
            conn,
            tx,
            "INSERT INTO gallery_versions(org_id, version) VALUES (@org, 1) ON CONFLICT(org_id) DO UPDATE SET version = gallery_versions.version + 1 RETURNING version",
            ("@org", organizationId));
        if (s_current.Value is { } change)
        {
            change.Version = version; // a retried transaction sets it again
        }

        return version;
    }

    /// <summary>The organisation's current sequence (0 before its first change).</summary>
    internal static long Read(DbConnection conn, string organizationId) =>
        Scalar(conn, null, "SELECT COALESCE(MAX(version), 0) FROM gallery_versions WHERE org_id = @org", ("@org", organizationId));
}
