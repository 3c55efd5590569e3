using System.Collections.Concurrent;
using OpenCvSharp;
using Scarlet.Testing;
using Scarlet.Vision;

namespace Scarlet.Recognition.Tests;

/// <summary>Real models shared by a test class: YuNet-s, the aligner and MobileFaceNet (with and without flip); face embeddings cached per file.</summary>
public sealed class RecognitionFixture : IDisposable
{
    private readonly ConcurrentDictionary<string, float[]> _cache = new(StringComparer.Ordinal);

    public RecognitionFixture()
    {
        Detector = new YuNetFaceDetector(TestAssets.YuNet);
        Embedder = new OnnxFaceEmbedder(TestAssets.MobileFaceNet);
        EmbedderNoFlip = new OnnxFaceEmbedder(TestAssets.MobileFaceNet, new FaceEmbedderOptions { FlipAugmentation = false });
    }

    public YuNetFaceDetector Detector { get; }

    public FaceAligner Aligner { get; } = new();

    public OnnxFaceEmbedder Embedder { get; }

    public OnnxFaceEmbedder EmbedderNoFlip { get; }

    /// <summary>A path below shared/data/faces.</summary>
    public static string Face(string relative) => TestAssets.Data(Path.Combine("faces", relative));

    /// <summary>All image files of one identity folder below shared/data/faces, sorted.</summary>
    public static string[] FacesOf(string folder) =>
        [.. Directory.GetFiles(Face(folder)).Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)];

    /// <summary>The embedding of the largest face of an image (tight 150x150 chips are padded so the detector sees a whole head).</summary>
    public float[] EmbedFile(string path) => _cache.GetOrAdd(path, p =>
    {
        using var image = Cv2.ImRead(p, ImreadModes.Color);
        Assert.False(image.Empty(), $"cannot read {p}");
        using var crop = LargestFaceCrop(image) ?? PaddedCrop(image) ?? throw new InvalidOperationException($"no face in {p}");
        return Embedder.Embed(crop);
    });

    public Mat? LargestFaceCrop(Mat image)
    {
        var faces = Detector.Detect(image);
        if (faces.Count == 0)
        {
            return null;
        }

        var best = faces.MaxBy(f => f.Box.Area);
        return Aligner.Align(image, best.Landmarks);
    }

    public void Dispose()
    {
        Detector.Dispose();
        Embedder.Dispose();
        EmbedderNoFlip.Dispose();
    }

    private Mat? PaddedCrop(Mat image)
    {
        var pad = image.Width / 2;
        using var padded = new Mat();
        Cv2.CopyMakeBorder(image, padded, pad, pad, pad, pad, BorderTypes.Constant, Scalar.All(0));
        return LargestFaceCrop(padded);
    }
}
