namespace Scarlet.Vision;

/// <summary>A detected face: box, confidence and five landmarks, in pixels of the original image.</summary>
/// <param name="Box">The face box.</param>
/// <param name="Score">Confidence in [0, 1].</param>
/// <param name="Landmarks">The five landmarks.</param>
public readonly record struct FaceDetection(BoundingBox Box, float Score, FaceLandmarks5 Landmarks);

/// <summary>A detected person: box and confidence, in pixels of the original image.</summary>
/// <param name="Box">The person box.</param>
/// <param name="Score">Confidence in [0, 1].</param>
public readonly record struct PersonDetection(BoundingBox Box, float Score);

/// <summary>Detects faces with landmarks in BGR images.</summary>
/// <remarks>Implementations are thread-safe: one instance serves every camera.</remarks>
public interface IFaceDetector
{
    /// <summary>Detects faces in an 8-bit BGR image.</summary>
    /// <param name="image">The image (CV_8UC3); not modified, not disposed.</param>
    /// <returns>Faces, best score first, after non-maximum suppression.</returns>
    IReadOnlyList<FaceDetection> Detect(OpenCvSharp.Mat image);
}

/// <summary>Detects people in BGR images.</summary>
/// <remarks>Implementations are thread-safe: one instance serves every camera.</remarks>
public interface IPersonDetector
{
    /// <summary>Detects people in an 8-bit BGR image.</summary>
    /// <param name="image">The image (CV_8UC3); not modified, not disposed.</param>
    /// <returns>People, best score first, after non-maximum suppression.</returns>
    IReadOnlyList<PersonDetection> Detect(OpenCvSharp.Mat image);
}
