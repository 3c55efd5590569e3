using Scarlet.Retail;

namespace Scarlet.WebHost.Api;

// Typed REST responses (snake_case on the wire through ApiJson's naming policy): the OpenAPI document describes them
// and a renamed field is a compile-time change, not a silent one.

/// <summary>A count (<c>GET /alerts/count</c>).</summary>
internal sealed record CountView(int Count);

/// <summary>The answer to a camera's object update (<c>POST /update-objects</c>).</summary>
internal sealed record ObjectsUpdatedView(string Status, int ObjectsCount);

/// <summary>A stored detection (<c>GET /api/detections</c>, the JSON export).</summary>
internal sealed record DetectionView(long Id, string CameraId, string Status, float[]? Bbox, float Confidence, float? Distance, string? CustomerId, string? VisitorId, DateTimeOffset Timestamp)
{
    public static DetectionView From(DetectionRecord d) =>
        new(d.Id, d.CameraId, FaceApi.StatusText(d.Status), d.Box is { } b ? FaceApi.Xyxy(b) : null, d.Confidence, d.Distance, d.CustomerId, d.VisitorId, d.Timestamp);
}

/// <summary>What an erasure removed (<c>DELETE /api/customers/{id}</c>).</summary>
internal sealed record ErasureView(string CustomerId, int EmbeddingsRemoved, int EventsAnonymised);

/// <summary>An export job's state (<c>/api/export/...</c>).</summary>
internal sealed record ExportJobView(string JobId, string Kind, string Status, DateTimeOffset CreatedAt, string? Error, long? SizeBytes, string? DownloadUrl);

/// <summary>A video analysis job's state (<c>/api/videos</c>).</summary>
internal sealed record VideoJobView(string JobId, string Status, string CameraId, string FileName, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, string? Error, VideoJobProgressView Progress, VideoProbeView Video, string? ResultsUrl, string? VideoUrl);

/// <summary>A video job's progress in frames.</summary>
internal sealed record VideoJobProgressView(long FramesDone, long FramesTotal, double Fraction);

/// <summary>What the upload's probe found in the video.</summary>
internal sealed record VideoProbeView(string Container, int Width, int Height, double Fps, long Frames);
