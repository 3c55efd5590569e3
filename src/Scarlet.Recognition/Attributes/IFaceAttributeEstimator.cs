using OpenCvSharp;
using Scarlet.Vision;

namespace Scarlet.Recognition;

/// <summary>Estimates age, gender and emotion of faces (implementations: <see cref="OnnxFaceAttributeEstimator"/> per model, test fakes).</summary>
public interface IFaceAttributeEstimator
{
    /// <summary>Gets the id of the age and gender model.</summary>
    string ModelId { get; }

    /// <summary>Estimates the attributes of every face of one image in one batched run per model.</summary>
    /// <param name="image">The 8-bit BGR image; not modified.</param>
    /// <param name="faces">The faces' five landmarks in <paramref name="image"/> pixels.</param>
    /// <returns>One result per face, in order.</returns>
    IReadOnlyList<FaceAttributes> Estimate(Mat image, IReadOnlyList<FaceLandmarks5> faces);
}
