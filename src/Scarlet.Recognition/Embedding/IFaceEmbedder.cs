using OpenCvSharp;

namespace Scarlet.Recognition;

/// <summary>Turns aligned face crops into L2-normalised embeddings; the cosine of two embeddings is their dot product.</summary>
/// <remarks>Implementations are thread-safe: one instance serves every camera and request.</remarks>
public interface IFaceEmbedder
{
    /// <summary>Gets the id of the model (for example <c>mobilefacenet</c>); galleries refuse embeddings of another model.</summary>
    string ModelId { get; }

    /// <summary>Gets the length of every embedding.</summary>
    int Dimension { get; }

    /// <summary>Gets the side of the square aligned crop the model expects (112 for the ArcFace template).</summary>
    int CropSize { get; }

    /// <summary>Embeds one aligned face crop.</summary>
    /// <param name="alignedCrop">An 8-bit BGR crop (CV_8UC3) aligned to the ArcFace template; not modified, not disposed.</param>
    /// <param name="destination">Receives <see cref="Dimension"/> floats, L2-normalised.</param>
    /// <exception cref="ArgumentException">The crop is empty, disposed or not 8-bit BGR, or <paramref name="destination"/> is too short.</exception>
    void Embed(Mat alignedCrop, Span<float> destination);

    /// <summary>Embeds one aligned face crop into a new array.</summary>
    /// <param name="alignedCrop">An 8-bit BGR crop aligned to the ArcFace template.</param>
    /// <returns>The L2-normalised embedding.</returns>
    float[] Embed(Mat alignedCrop);

    /// <summary>Embeds several crops (for example every face of one frame).</summary>
    /// <param name="alignedCrops">The crops.</param>
    /// <returns>One L2-normalised embedding per crop, in order.</returns>
    float[][] Embed(IReadOnlyList<Mat> alignedCrops);
}
