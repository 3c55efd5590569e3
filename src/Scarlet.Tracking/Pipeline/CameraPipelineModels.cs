using Scarlet.Vision;

namespace Scarlet.Tracking.Pipeline;

/// <summary>
/// The models every camera pipeline of a host shares (one inference session per model, run concurrently by the
/// pipelines): the person detector, optionally the re-ID embedder and the face recognizer parts.
/// </summary>
/// <remarks>The components must be thread-safe (ONNX Runtime sessions are). This class does not own them.</remarks>
public sealed class CameraPipelineModels
{
    /// <summary>Creates the model set.</summary>
    /// <param name="persons">The person detector (use a low score threshold, about 0.1, for ByteTrack's second stage).</param>
    /// <param name="reId">The re-ID embedder, or null.</param>
    /// <param name="faces">The face detector and recognizer, or null (no face votes).</param>
    /// <exception cref="ArgumentNullException"><paramref name="persons"/> is null.</exception>
    public CameraPipelineModels(IPersonDetector persons, IReIdEmbedder? reId = null, FaceModels? faces = null)
    {
        ArgumentNullException.ThrowIfNull(persons);
        Persons = persons;
        ReId = reId;
        Faces = faces;
    }

    /// <summary>Gets the person detector.</summary>
    public IPersonDetector Persons { get; }

    /// <summary>Gets the re-ID embedder, or null.</summary>
    public IReIdEmbedder? ReId { get; }

    /// <summary>Gets the face models, or null.</summary>
    public FaceModels? Faces { get; }
}
