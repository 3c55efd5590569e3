using Scarlet.Vision;

namespace Scarlet.Tracking;

/// <summary>A detection handed to the tracker: a box in pixels and a confidence.</summary>
/// <param name="Box">The box.</param>
/// <param name="Score">Confidence in [0, 1]; drives the two-stage association.</param>
public readonly record struct TrackerDetection(BoundingBox Box, float Score)
{
    /// <summary>Converts a person detection.</summary>
    /// <param name="detection">The detection.</param>
    /// <returns>The tracker input.</returns>
    public static TrackerDetection FromPersonDetection(PersonDetection detection) => new(detection.Box, detection.Score);
}
