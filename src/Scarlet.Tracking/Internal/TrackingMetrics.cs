using System.Diagnostics.Metrics;
using Scarlet.Vision;

namespace Scarlet.Tracking.Internal;

/// <summary>Tracking instruments on the <c>Scarlet.Tracking</c> meter.</summary>
internal static class TrackingMetrics
{
    public static readonly Counter<long> TracksStarted =
        TrackingDiagnostics.Meter.CreateCounter<long>("scarlet.tracking.tracks_started", "{track}", "Tracks born from detections.");

    public static readonly Counter<long> FramesTracked =
        TrackingDiagnostics.Meter.CreateCounter<long>("scarlet.tracking.frames", "{frame}", "Frames processed by multi-object trackers.");

    public static readonly Counter<long> CameraMotionCompensated =
        TrackingDiagnostics.Meter.CreateCounter<long>("scarlet.tracking.camera_motion_compensated", "{frame}", "Frames whose tracks were warped by an estimated camera motion.");
}
