using System.ComponentModel.DataAnnotations;

namespace Scarlet.Retail;

/// <summary>Settings of <see cref="FaceIdentityService"/>, bound by <c>AddScarletFaceIdentity</c> (or <c>AddScarlet</c>).</summary>
public sealed class FaceIdentityOptions
{
    /// <summary>
    /// Gets or sets the folder where one gallery snapshot per organisation (<c>{organisation}.gallery</c>) is rewritten
    /// after every change (enrolment, assignment, erasure). The default value is <see langword="null"/>: no snapshots.
    /// The customer store stays the store of record: galleries are rebuilt from it at start, never from a snapshot.
    /// </summary>
    public string? SnapshotDirectory { get; set; }

    /// <summary>Gets or sets the camera id recorded when the caller gives none. The default value is <c>unknown</c>.</summary>
    [Required]
    public string DefaultCameraId { get; set; } = "unknown";

    /// <summary>Gets or sets whether the hosted service rebuilds every organisation's gallery at start (otherwise on first use). The default value is <see langword="true"/>.</summary>
    public bool RebuildAtStart { get; set; } = true;
}
