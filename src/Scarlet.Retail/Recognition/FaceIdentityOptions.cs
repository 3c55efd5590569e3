using System.ComponentModel.DataAnnotations;

namespace Scarlet.Retail;

/// <summary>Settings of <see cref="FaceIdentityService"/>, bound by <c>AddScarletFaceIdentity</c> (or <c>AddScarlet</c>).</summary>
public sealed class FaceIdentityOptions
{
    /// <summary>
    /// Gets or sets the folder of one gallery snapshot per organisation (<c>{organisation}.gallery</c>), each recording the
    /// customer store's gallery version it was taken at. At start a gallery is loaded from its snapshot only when the
    /// store is still at that version (no enrolment, new embedding, merge or erasure since, on any host); otherwise it is
    /// built from the store, which stays the store of record, and the snapshot is rewritten. The default value is
    /// <see langword="null"/>: no snapshots, galleries are always built from the store.
    /// </summary>
    public string? SnapshotDirectory { get; set; }

    /// <summary>
    /// Gets or sets how long after a change its snapshot is rewritten (changes within the delay share one write; all are
    /// written at shutdown). An erasure rewrites it at once, so an erased face does not stay on disk; <see cref="TimeSpan.Zero"/>
    /// rewrites after every change. The default value is 30 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan SnapshotDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the camera id recorded when the caller gives none. The default value is <c>unknown</c>.</summary>
    [Required]
    public string DefaultCameraId { get; set; } = "unknown";

    /// <summary>Gets or sets whether the hosted service rebuilds every organisation's gallery at start (otherwise on first use). The default value is <see langword="true"/>.</summary>
    public bool RebuildAtStart { get; set; } = true;
}
