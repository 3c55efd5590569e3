using System.Security.Cryptography;
using OpenCvSharp;
using Scarlet.Recognition;
using Scarlet.Vision;

namespace Scarlet.ConsoleHost.Commands;

// The models give the same output for the same input pixels, so a benchmark that replays the same frames through the
// camera pipeline once per vote setting can reuse their outputs: the pipeline (tracker, face step, vote) still runs in
// full per setting, only identical model runs are answered from memory. Keyed by a hash of the pixels.
internal static class PixelKey
{
    public static UInt128 Of(Mat image)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        int rows = image.Rows, cols = image.Cols;
        Span<int> header = [rows, cols, image.Type().Value];
        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(header));
        var rowBytes = cols * (int)image.ElemSize();
        for (var y = 0; y < rows; y++)
        {
            unsafe
            {
                hash.AppendData(new ReadOnlySpan<byte>((void*)image.Ptr(y), rowBytes));
            }
        }

        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(digest);
    }
}

internal sealed class MemoizedPersonDetector(IPersonDetector inner) : IPersonDetector
{
    private readonly Dictionary<UInt128, PersonDetection[]> _seen = [];

    public IReadOnlyList<PersonDetection> Detect(Mat image)
    {
        var key = PixelKey.Of(image);
        if (!_seen.TryGetValue(key, out var found))
        {
            found = [.. inner.Detect(image)];
            _seen[key] = found;
        }

        return found;
    }
}

internal sealed class MemoizedFaceDetector(IFaceDetector inner) : IFaceDetector
{
    private readonly Dictionary<UInt128, FaceDetection[]> _seen = [];

    public IReadOnlyList<FaceDetection> Detect(Mat image)
    {
        var key = PixelKey.Of(image);
        if (!_seen.TryGetValue(key, out var found))
        {
            found = [.. inner.Detect(image)];
            _seen[key] = found;
        }

        return found;
    }
}

internal sealed class MemoizedFaceEmbedder(IFaceEmbedder inner) : IFaceEmbedder
{
    private readonly Dictionary<UInt128, float[]> _seen = [];

    public string ModelId => inner.ModelId;

    public int Dimension => inner.Dimension;

    public int CropSize => inner.CropSize;

    public void Embed(Mat alignedCrop, Span<float> destination) => Lookup(alignedCrop).CopyTo(destination);

    public float[] Embed(Mat alignedCrop) => (float[])Lookup(alignedCrop).Clone();

    public float[][] Embed(IReadOnlyList<Mat> alignedCrops)
    {
        ArgumentNullException.ThrowIfNull(alignedCrops);
        var result = new float[alignedCrops.Count][];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = Embed(alignedCrops[i]);
        }

        return result;
    }

    private float[] Lookup(Mat crop)
    {
        var key = PixelKey.Of(crop);
        if (!_seen.TryGetValue(key, out var found))
        {
            found = inner.Embed(crop);
            _seen[key] = found;
        }

        return found;
    }
}
