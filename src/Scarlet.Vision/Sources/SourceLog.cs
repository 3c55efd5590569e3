using Microsoft.Extensions.Logging;

namespace Scarlet.Vision;

/// <summary>Source-generated log messages of the frame sources.</summary>
internal static partial class SourceLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Camera {CameraId}: {Status}")]
    public static partial void StatusChanged(ILogger logger, string cameraId, FrameSourceStatus status);

    // The stack trace only for faults without a plain-words reason: a camera that is down would otherwise write one per try.
    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Camera {CameraId}: {Reason} ({Detail}); reconnecting in {Delay} (failure {Failures} in a row; waits are capped at {MaxDelay})")]
    public static partial void Reconnecting(ILogger logger, string cameraId, string reason, string detail, TimeSpan delay, int failures, TimeSpan maxDelay, Exception? exception);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Error, Message = "Camera {CameraId}: failed after {Failures} attempt(s): {Reason} ({Detail})")]
    public static partial void Failed(ILogger logger, string cameraId, string reason, string detail, int failures, Exception? exception);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Camera {CameraId}: skipped a bad image ({Reason})")]
    public static partial void SkippedImage(ILogger logger, string cameraId, string reason);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Camera {CameraId}: no images in {Folder}")]
    public static partial void EmptyFolder(ILogger logger, string cameraId, string folder);
}
