using Scarlet.Recognition;
using Scarlet.Vision;

namespace Scarlet.Tracking.Pipeline;

/// <summary>The face models a camera pipeline uses: a face detector (run on the frame) and the recognizer (align, quality gate, embed, identify).</summary>
/// <remarks>Shared by every camera; both must be thread-safe (ONNX Runtime sessions are).</remarks>
public sealed class FaceModels
{
    /// <summary>Creates the pair.</summary>
    /// <exception cref="ArgumentNullException">A component is null.</exception>
    public FaceModels(IFaceDetector detector, FaceRecognizer recognizer)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(recognizer);
        Detector = detector;
        Recognizer = recognizer;
    }

    /// <summary>Gets the face detector.</summary>
    public IFaceDetector Detector { get; }

    /// <summary>Gets the recognizer (its gallery decides the customers).</summary>
    public FaceRecognizer Recognizer { get; }
}
