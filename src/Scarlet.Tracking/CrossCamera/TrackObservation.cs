using Scarlet.Vision;

namespace Scarlet.Tracking.CrossCamera;

/// <summary>One confirmed track of one camera in one frame, as the cross-camera resolver sees it.</summary>
/// <param name="TrackId">The camera-local track id.</param>
/// <param name="Box">The box in image pixels.</param>
/// <param name="Floor">The foot point on the floor plan, or null when the camera has no homography.</param>
/// <param name="Embedding">The track's appearance embedding (L2-normalised), or empty when re-ID is off.</param>
/// <param name="CustomerId">The customer the track's face votes decided on, or null.</param>
public readonly record struct TrackObservation(int TrackId, BoundingBox Box, PointF? Floor, ReadOnlyMemory<float> Embedding, string? CustomerId);
