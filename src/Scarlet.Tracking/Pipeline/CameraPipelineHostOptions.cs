using Scarlet.Tracking.CrossCamera;
using Scarlet.Tracking.Identity;

namespace Scarlet.Tracking.Pipeline;

/// <summary>Options of the <see cref="CameraPipelineHost"/> registered by <c>AddCameraPipelines</c>.</summary>
public sealed class CameraPipelineHostOptions
{
    /// <summary>Gets the cameras (each with a <see cref="CameraPipelineOptions.Source"/>).</summary>
    public IList<CameraPipelineOptions> Cameras { get; } = [];

    /// <summary>Gets or sets the re-ID model id or path (used when a camera enables re-ID).</summary>
    public string ReIdModel { get; set; } = "osnet-x0.25-msmt17";

    /// <summary>Gets or sets the cross-camera options.</summary>
    public CrossCameraOptions CrossCamera { get; set; } = new();

    /// <summary>Gets or sets the options of the live person registry (<see cref="IdentityTracker"/>): presence window, retention, pruning.</summary>
    public IdentityTrackerOptions People { get; set; } = new();

    /// <summary>Gets the camera topology (overlaps, transit times).</summary>
    public CameraTopology Topology { get; } = new();

    /// <summary>Returns the problems with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in Cameras)
        {
            if (c is null)
            {
                errors.Add("A camera entry is null.");
                continue;
            }

            errors.AddRange(c.Validate());
            if (!ids.Add(c.CameraId))
            {
                errors.Add($"Camera id '{c.CameraId}' is used twice.");
            }

            if (string.IsNullOrWhiteSpace(c.Source))
            {
                errors.Add($"Camera '{c.CameraId}' has no source.");
            }
        }

        if (CrossCamera is null)
        {
            errors.Add("CrossCamera is required.");
        }
        else
        {
            errors.AddRange(CrossCamera.Validate());
        }

        if (People is null)
        {
            errors.Add("People is required.");
        }
        else
        {
            errors.AddRange(People.Validate());
        }

        if (string.IsNullOrWhiteSpace(ReIdModel))
        {
            errors.Add("ReIdModel is required.");
        }

        return errors;
    }
}
