using System.Buffers;
using System.Diagnostics;
using OpenCvSharp;

namespace Scarlet.Vision;

/// <summary>Per-stage detector latency, accumulated over calls (preprocess, inference, postprocess).</summary>
public sealed class StageTimings
{
    private long _pre;
    private long _infer;
    private long _post;

    /// <summary>Gets the number of calls recorded.</summary>
    public int Calls { get; private set; }

    /// <summary>Gets the total preprocessing time.</summary>
    public TimeSpan Preprocess => Stopwatch.GetElapsedTime(0, _pre);

    /// <summary>Gets the total inference time.</summary>
    public TimeSpan Inference => Stopwatch.GetElapsedTime(0, _infer);

    /// <summary>Gets the total postprocessing (decode + NMS) time.</summary>
    public TimeSpan Postprocess => Stopwatch.GetElapsedTime(0, _post);

    /// <summary>Clears the totals.</summary>
    public void Reset()
    {
        _pre = _infer = _post = 0;
        Calls = 0;
    }

    internal void Add(long pre, long infer, long post)
    {
        _pre += pre;
        _infer += infer;
        _post += post;
        Calls++;
    }
}

internal static class DetectorInput
{
    public static void Validate(Mat image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.IsDisposed || image.Empty())
        {
            throw new ArgumentException("The image is empty or disposed.", nameof(image));
        }

        if (image.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException($"Detectors take 8-bit BGR images (CV_8UC3); got {image.Type()}.", nameof(image));
        }
    }
}

/// <summary>
/// The detectors' input tensors (a 640x640 model takes 1.2 M floats). Not the shared pool: it drops its large arrays at
/// full collections under memory pressure, so during issue 21's image-bomb waves every detection allocated its tensor
/// afresh (68 MB of dead 8 MB tensors in one heap dump). This pool keeps a few per size for the life of the process.
/// </summary>
internal static class DetectorTensors
{
    public static ArrayPool<float> Pool { get; } = ArrayPool<float>.Create(maxArrayLength: 1 << 22, maxArraysPerBucket: 4);
}

/// <summary>Pooled storage for detection candidates and their NMS.</summary>
internal sealed class CandidateBuffer<TExtra> : IDisposable
{
    private BoundingBox[] _boxes = ArrayPool<BoundingBox>.Shared.Rent(64);
    private float[] _scores = ArrayPool<float>.Shared.Rent(64);
    private float[] _sortKeys = ArrayPool<float>.Shared.Rent(64);
    private TExtra[] _extras = ArrayPool<TExtra>.Shared.Rent(64);
    private int[] _order = ArrayPool<int>.Shared.Rent(64);
    private int _count;

    public int Count => _count;

    public void Add(BoundingBox box, float score, TExtra extra)
    {
        if (_count == _boxes.Length)
        {
            Grow(ref _boxes);
            Grow(ref _scores);
            Grow(ref _sortKeys);
            Grow(ref _extras);
            Grow(ref _order);
        }

        _boxes[_count] = box;
        _scores[_count] = score;
        _extras[_count] = extra;
        _count++;
    }

    /// <summary>Runs NMS; afterwards <see cref="Kept"/> returns survivors best first.</summary>
    public int Suppress(float iouThreshold, int maxKeep)
    {
        _scores.AsSpan(0, _count).CopyTo(_sortKeys);
        return NonMaxSuppression.Run(_boxes.AsSpan(0, _count), _sortKeys.AsSpan(0, _count), _order.AsSpan(0, _count), iouThreshold, maxKeep);
    }

    public (BoundingBox Box, float Score, TExtra Extra) Kept(int rank)
    {
        var i = _order[rank];
        return (_boxes[i], _scores[i], _extras[i]);
    }

    public void Dispose()
    {
        ArrayPool<BoundingBox>.Shared.Return(_boxes);
        ArrayPool<float>.Shared.Return(_scores);
        ArrayPool<float>.Shared.Return(_sortKeys);
        ArrayPool<TExtra>.Shared.Return(_extras);
        ArrayPool<int>.Shared.Return(_order);
    }

    private static void Grow<T>(ref T[] array)
    {
        var bigger = ArrayPool<T>.Shared.Rent(array.Length * 2);
        array.AsSpan().CopyTo(bigger);
        ArrayPool<T>.Shared.Return(array);
        array = bigger;
    }
}
