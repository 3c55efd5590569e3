using Microsoft.Extensions.Logging;

namespace Scarlet.Vision;

/// <summary>Source-generated log messages of the frame sources.</summary>
internal static partial class SourceLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Camera {CameraId}: {Status}")]
    public static partial void StatusChanged(ILogger logger, string cameraId, FrameSourceStatus status);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Camera {CameraId}: connection lost, reconnecting in {Delay} (attempt {Attempt})")]
    public static partial void Reconnecting(ILogger logger, string cameraId, TimeSpan delay, int attempt, Exception? exception);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Camera {CameraId}: skipped a bad image ({Reason})")]
    public static partial void SkippedImage(ILogger logger, string cameraId, string reason);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Camera {CameraId}: no images in {Folder}")]
    public static partial void EmptyFolder(ILogger logger, string cameraId, string folder);
}
