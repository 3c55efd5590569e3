using Scarlet.Recognition;
using Scarlet.Vision;

namespace Scarlet.Tracking.Pipeline;

/// <summary>The face models a camera pipeline uses: a face detector (run on the frame or on persons' head regions) and the recognizer (align, quality gate, embed, identify).</summary>
/// <remarks>Shared by every camera; both must be thread-safe (ONNX Runtime sessions are).</remarks>
public sealed class FaceModels
{
    /// <summary>Creates the pair.</summary>
    /// <param name="detector">The face detector.</param>
    /// <param name="recognizer">The recognizer.</param>
    /// <param name="headRegions">The head-region search's options (tiles, head share of the person box), or null for the defaults.</param>
    /// <exception cref="ArgumentNullException">A component is null.</exception>
    /// <exception cref="ArgumentException">The head-region options are invalid.</exception>
    public FaceModels(IFaceDetector detector, FaceRecognizer recognizer, HeadRegionFaceSearchOptions? headRegions = null)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(recognizer);
        Detector = detector;
        Recognizer = recognizer;
        HeadRegions = new HeadRegionFaceSearch(detector, headRegions);
    }

    /// <summary>Gets the search of persons' head regions (on <see cref="Detector"/>).</summary>
    public HeadRegionFaceSearch HeadRegions { get; }

    /// <summary>Gets the face detector.</summary>
    public IFaceDetector Detector { get; }

    /// <summary>Gets the recognizer (its gallery decides the customers).</summary>
    public FaceRecognizer Recognizer { get; }
}
