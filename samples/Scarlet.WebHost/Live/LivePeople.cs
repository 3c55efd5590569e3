using System.Collections.Concurrent;
using Scarlet.Tracking.Identity;

namespace Scarlet.WebHost.Live;

/// <summary>
/// One organisation's view of the library's live person registry (<see cref="IdentityTracker"/>): a person belongs to
/// the organisation of the camera that saw them (the host's cameras, or the camera ids a device of the organisation
/// posts to <c>POST /track</c>). Keeps no person state of its own.
/// </summary>
internal sealed class LivePeople(IdentityTracker identities, CameraManager cameras, TimeProvider time)
{
    // Camera ids reported by devices through POST /track that are not cameras of this host: first poster's organisation.
    private readonly ConcurrentDictionary<string, string> _externalCameras = new(StringComparer.Ordinal);

    /// <summary>The people present now whose latest position is on one of the organisation's cameras.</summary>
    public IReadOnlyList<PersonRecord> Present(string organizationId) =>
        [.. identities.Present(time.GetUtcNow()).Where(p => OwnerOf(p.LastPosition.CameraId) == organizationId)];

    /// <summary>A person as the organisation may see them (only its cameras and positions), or null.</summary>
    public PersonRecord? Get(string organizationId, string personId)
    {
        if (!identities.TryGet(personId, out var p) || p is null)
        {
            return null;
        }

        var trail = p.Trail.Where(x => OwnerOf(x.CameraId) == organizationId).ToList();
        var cams = p.Cameras.Where(c => OwnerOf(c) == organizationId).ToList();
        return cams.Count == 0 ? null : p with { Cameras = cams, Trail = trail, LastPosition = trail.Count > 0 ? trail[^1] : p.LastPosition };
    }

    /// <summary>Records a position a device of the organisation reports for a camera of its own.</summary>
    /// <exception cref="ArgumentException">The camera id is another organisation's.</exception>
    public void Report(string organizationId, string personId, PersonPosition position, string? customerId)
    {
        var owner = cameras.OwnerOf(position.CameraId) ?? _externalCameras.GetOrAdd(position.CameraId, organizationId);
        if (owner != organizationId)
        {
            throw new ArgumentException("camera_id is not a camera of your organisation");
        }

        identities.Observe(personId, position, customerId, confirmed: true);
    }

    private string? OwnerOf(string cameraId) => cameras.OwnerOf(cameraId) ?? _externalCameras.GetValueOrDefault(cameraId);
}
