using System.Diagnostics.Metrics;

namespace Scarlet.Vision;

/// <summary>Counters published by the frame sources on the <c>Scarlet.Vision</c> meter.</summary>
internal static class SourceMetrics
{
    public static readonly Counter<long> FramesRead =
        ScarletDiagnostics.Meter.CreateCounter<long>("scarlet.vision.source.frames", "{frame}", "Frames delivered by frame sources.");

    public static readonly Counter<long> FramesSkipped =
        ScarletDiagnostics.Meter.CreateCounter<long>("scarlet.vision.source.skipped", "{frame}", "Images skipped by frame sources because they did not decode.");

    public static readonly Counter<long> Reconnects =
        ScarletDiagnostics.Meter.CreateCounter<long>("scarlet.vision.source.reconnects", "{reconnect}", "Connection losses of live frame sources.");

    public static KeyValuePair<string, object?> Camera(string cameraId) => new("camera", cameraId);
}
