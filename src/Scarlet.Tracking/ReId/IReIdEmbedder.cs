using OpenCvSharp;
using Scarlet.Vision;

namespace Scarlet.Tracking;

/// <summary>Turns person crops into L2-normalised appearance embeddings for re-identification.</summary>
/// <remarks>Implementations are thread-safe.</remarks>
public interface IReIdEmbedder
{
    /// <summary>Gets the embedding dimension.</summary>
    int Dimension { get; }

    /// <summary>
    /// Embeds the people in <paramref name="boxes"/> of <paramref name="image"/> into <paramref name="destination"/>
    /// (row-major, <c>boxes.Length × Dimension</c> floats, each row L2-normalised).
    /// </summary>
    /// <param name="image">An 8-bit BGR frame; not modified.</param>
    /// <param name="boxes">Person boxes in <paramref name="image"/> pixels; clipped to the image.</param>
    /// <param name="destination">Receives the embeddings.</param>
    void Embed(Mat image, ReadOnlySpan<BoundingBox> boxes, Span<float> destination);
}
