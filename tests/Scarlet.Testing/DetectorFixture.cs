using Scarlet.Vision;

namespace Scarlet.Testing;

/// <summary>One set of real detectors per test class (sessions are expensive); disposed at the end.</summary>
public sealed class DetectorFixture : IDisposable
{
    private readonly Lazy<YuNetFaceDetector> _faces = new(() => new YuNetFaceDetector(TestAssets.YuNet));
    private readonly Lazy<YuNetFaceDetector> _facesDynamic = new(() => new YuNetFaceDetector(TestAssets.YuNetDynamic));
    private readonly Lazy<YoloxPersonDetector> _persons = new(() => new YoloxPersonDetector(TestAssets.YoloxNano));

    /// <summary>Gets the YuNet-s (fixed 640) detector.</summary>
    public YuNetFaceDetector Faces => _faces.Value;

    /// <summary>Gets the YuNet-n (dynamic) detector.</summary>
    public YuNetFaceDetector FacesDynamic => _facesDynamic.Value;

    /// <summary>Gets the YOLOX-Nano person detector.</summary>
    public YoloxPersonDetector Persons => _persons.Value;

    /// <summary>Gets the aligner.</summary>
    public FaceAligner Aligner { get; } = new();

    /// <inheritdoc />
    public void Dispose()
    {
        if (_faces.IsValueCreated)
        {
            _faces.Value.Dispose();
        }

        if (_facesDynamic.IsValueCreated)
        {
            _facesDynamic.Value.Dispose();
        }

        if (_persons.IsValueCreated)
        {
            _persons.Value.Dispose();
        }
    }
}
