using Scarlet.Recognition;
using Scarlet.Vision;

namespace Scarlet.Tracking.Pipeline;

/// <summary>
/// The face models a camera pipeline uses: a face detector (run on the frame or on persons' head regions), the
/// recognizer (align, quality gate, embed) and the gallery that names the customers.
/// </summary>
/// <remarks>Shared by every camera of one gallery; the components must be thread-safe (ONNX Runtime sessions and <see cref="FaceGallery"/> are).</remarks>
public sealed class FaceModels
{
    private readonly Func<FaceGallery> _gallery;

    /// <summary>Creates the models; faces are identified against the recognizer's own gallery.</summary>
    /// <param name="detector">The face detector.</param>
    /// <param name="recognizer">The recognizer.</param>
    /// <param name="headRegions">The head-region search's options (tiles, head share of the person box), or null for the defaults.</param>
    /// <exception cref="ArgumentNullException">A component is null.</exception>
    /// <exception cref="ArgumentException">The head-region options are invalid.</exception>
    public FaceModels(IFaceDetector detector, FaceRecognizer recognizer, HeadRegionFaceSearchOptions? headRegions = null)
        : this(detector, recognizer, Own(recognizer), headRegions)
    {
    }

    /// <summary>
    /// Creates the models with the gallery given by <paramref name="gallery"/>, asked at every identification (an
    /// organisation's gallery may be rebuilt and replaced while the camera runs).
    /// </summary>
    /// <param name="detector">The face detector.</param>
    /// <param name="recognizer">The recognizer (its embedder must match the gallery's model).</param>
    /// <param name="gallery">Gives the current gallery.</param>
    /// <param name="headRegions">The head-region search's options, or null for the defaults.</param>
    /// <exception cref="ArgumentNullException">A component is null.</exception>
    /// <exception cref="ArgumentException">The head-region options are invalid.</exception>
    public FaceModels(IFaceDetector detector, FaceRecognizer recognizer, Func<FaceGallery> gallery, HeadRegionFaceSearchOptions? headRegions = null)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(recognizer);
        ArgumentNullException.ThrowIfNull(gallery);
        Detector = detector;
        Recognizer = recognizer;
        _gallery = gallery;
        HeadRegions = new HeadRegionFaceSearch(detector, headRegions);
    }

    /// <summary>Gets the face detector.</summary>
    public IFaceDetector Detector { get; }

    /// <summary>Gets the recognizer (alignment, quality gate, embedding).</summary>
    public FaceRecognizer Recognizer { get; }

    /// <summary>Gets the gallery faces are identified against now.</summary>
    public FaceGallery Gallery => _gallery();

    /// <summary>Gets the search of persons' head regions (on <see cref="Detector"/>).</summary>
    public HeadRegionFaceSearch HeadRegions { get; }

    /// <summary>Gets the face attribute estimator, or <see langword="null"/> (see <see cref="CameraPipelineOptions.EnableAttributes"/>).</summary>
    public IFaceAttributeEstimator? Attributes { get; private init; }

    /// <summary>Returns these models with a face attribute estimator (the other components shared).</summary>
    /// <param name="attributes">The estimator (thread-safe; not owned), or <see langword="null"/> for none.</param>
    /// <returns>The models with <see cref="Attributes"/> set.</returns>
    public FaceModels WithAttributes(IFaceAttributeEstimator? attributes) => new(this) { Attributes = attributes };

    private FaceModels(FaceModels other)
    {
        Detector = other.Detector;
        Recognizer = other.Recognizer;
        _gallery = other._gallery;
        HeadRegions = other.HeadRegions;
        Attributes = other.Attributes;
    }

    private static Func<FaceGallery> Own(FaceRecognizer recognizer)
    {
        ArgumentNullException.ThrowIfNull(recognizer);
        var gallery = recognizer.Gallery;
        return () => gallery;
    }
}
