using System.Buffers;
using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using Scarlet.Vision.Models;

namespace Scarlet.Recognition;

/// <summary>
/// A face embedding model on ONNX Runtime (MobileFaceNet by default; any NCHW float model taking an aligned square
/// crop and returning one vector): preprocessing, optional flip augmentation and L2 normalisation. Thread-safe.
/// </summary>
/// <remarks>
/// The input size and embedding dimension are read from the model. A model whose batch axis is fixed at 1 (as
/// <c>mobilefacenet.onnx</c>) runs one face at a time, so <see cref="Embed(IReadOnlyList{Mat})"/> loops over the crops;
/// that costs nothing extra on CPU, where ONNX Runtime already spreads one face over the intra-op threads.
/// </remarks>
public sealed class OnnxFaceEmbedder : IFaceEmbedder, IDisposable
{
    private readonly InferenceSession _session;
    private readonly bool _ownsSession;
    private readonly RunOptions _runOptions = new();
    private readonly string _inputName;
    private readonly string[] _outputNames;
    private readonly int _width;
    private readonly int _height;
    private readonly float[] _alpha = new float[3];
    private readonly float[] _beta = new float[3];
    private readonly bool _rgb;
    private int _disposed;

    /// <summary>Creates an embedder that owns a new session on <paramref name="modelPath"/>.</summary>
    /// <param name="modelPath">The ONNX file.</param>
    /// <param name="options">Preprocessing; MobileFaceNet's (with flip) when <see langword="null"/>.</param>
    /// <param name="inference">Execution provider and threads; CPU defaults when <see langword="null"/>.</param>
    /// <param name="modelId">The id reported as <see cref="ModelId"/>; the catalog id of the file name (or the bare file name) when <see langword="null"/>.</param>
    /// <exception cref="ModelNotFoundException">The file does not exist.</exception>
    /// <exception cref="NotSupportedException">The model is not a single-input NCHW float model with one vector output.</exception>
    public OnnxFaceEmbedder(string modelPath, FaceEmbedderOptions? options = null, InferenceOptions? inference = null, string? modelId = null)
        : this(CreateSession(modelPath, inference), ownsSession: true, modelId ?? IdFromPath(modelPath), options)
    {
    }

    /// <summary>Creates an embedder on a shared session (for example from <see cref="InferenceSessionCache"/>); the session is not disposed by the embedder.</summary>
    /// <param name="session">The session.</param>
    /// <param name="modelId">The id reported as <see cref="ModelId"/>.</param>
    /// <param name="options">Preprocessing; MobileFaceNet's (with flip) when <see langword="null"/>.</param>
    public OnnxFaceEmbedder(InferenceSession session, string modelId, FaceEmbedderOptions? options = null)
        : this(session, ownsSession: false, modelId, options)
    {
    }

    private OnnxFaceEmbedder(InferenceSession session, bool ownsSession, string modelId, FaceEmbedderOptions? options)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        _session = session;
        _ownsSession = ownsSession;
        try
        {
            options ??= new FaceEmbedderOptions();
            options.Validate();
            if (session.InputMetadata.Count != 1)
            {
                throw new NotSupportedException($"Face embedder '{modelId}': expected one input, found {session.InputMetadata.Count} ({string.Join(", ", session.InputMetadata.Keys)}).");
            }

            var (name, meta) = session.InputMetadata.First();
            var d = meta.Dimensions;
            if (meta.ElementType != typeof(float) || d.Length != 4 || d[1] != 3 || d[2] <= 0 || d[3] <= 0)
            {
                throw new NotSupportedException(
                    $"Face embedder '{modelId}': expected a float input [N,3,H,W] with fixed H and W, found '{name}' {meta.ElementType.Name}[{string.Join(",", d)}].");
            }

            if (session.OutputMetadata.Count < 1)
            {
                throw new NotSupportedException($"Face embedder '{modelId}': the model has no output.");
            }

            var (outName, outMeta) = session.OutputMetadata.First();
            var od = outMeta.Dimensions;
            if (outMeta.ElementType != typeof(float) || od.Length != 2 || od[1] <= 0)
            {
                throw new NotSupportedException(
                    $"Face embedder '{modelId}': expected a float output [N,D], found '{outName}' {outMeta.ElementType.Name}[{string.Join(",", od)}].");
            }

            _inputName = name;
            _outputNames = [outName];
            _height = d[2];
            _width = d[3];
            Dimension = od[1];
            ModelId = modelId;
            FlipAugmentation = options.FlipAugmentation;
            _rgb = options.Rgb;
            for (var c = 0; c < 3; c++)
            {
                // (x / 255 - mean) / std as one multiply-add per pixel, done by OpenCV's convertTo.
                _alpha[c] = 1f / (255f * options.Std[c]);
                _beta[c] = -options.Mean[c] / options.Std[c];
            }
        }
        catch
        {
            _runOptions.Dispose();
            if (ownsSession)
            {
                session.Dispose();
            }

            throw;
        }
    }

    /// <inheritdoc />
    public string ModelId { get; }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <inheritdoc />
    public int CropSize => _width;

    /// <summary>Gets whether the mirrored crop's embedding is added before normalising.</summary>
    public bool FlipAugmentation { get; }

    /// <inheritdoc />
    public float[] Embed(Mat alignedCrop)
    {
        var result = new float[Dimension];
        Embed(alignedCrop, result);
        return result;
    }

    /// <inheritdoc />
    public float[][] Embed(IReadOnlyList<Mat> alignedCrops)
    {
        ArgumentNullException.ThrowIfNull(alignedCrops);
        var result = new float[alignedCrops.Count][];
        for (var i = 0; i < result.Length; i++)
        {
            // The shipped model has a fixed batch of 1: one run per face.
            result[i] = Embed(alignedCrops[i]);
        }

        return result;
    }

    /// <inheritdoc />
    public void Embed(Mat alignedCrop, Span<float> destination)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ValidateCrop(alignedCrop);
        if (destination.Length < Dimension)
        {
            throw new ArgumentException($"The destination holds {destination.Length} floats; the embedding has {Dimension}.", nameof(destination));
        }

        using var activity = RecognitionDiagnostics.Source.StartActivity("face.embed");
        var output = destination[..Dimension];
        Run(alignedCrop, flip: false, output, accumulate: false);
        if (FlipAugmentation)
        {
            Run(alignedCrop, flip: true, output, accumulate: true);
        }

        EmbeddingMath.NormalizeInPlace(output, ModelId);
    }

    /// <summary>Disposes the session if this embedder owns it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _runOptions.Dispose();
        if (_ownsSession)
        {
            _session.Dispose();
        }
    }

    /// <summary>Writes a crop as a normalised CHW tensor (internal for parity tests).</summary>
    internal unsafe void WriteTensor(Mat crop, Span<float> tensor, bool flip)
    {
        var plane = _width * _height;
        using var resized = crop.Width == _width && crop.Height == _height ? null : new Mat();
        if (resized is not null)
        {
            Cv2.Resize(crop, resized, new Size(_width, _height), 0, 0, InterpolationFlags.Linear);
        }

        var source = resized ?? crop;
        using var flipped = flip ? new Mat() : null;
        if (flipped is not null)
        {
            Cv2.Flip(source, flipped, FlipMode.Y);
            source = flipped;
        }

        var channels = Cv2.Split(source);
        try
        {
            fixed (float* basePtr = tensor)
            {
                for (var c = 0; c < 3; c++)
                {
                    // OpenCV converts straight into the tensor plane: no managed loop over pixels.
                    using var dst = Mat.FromPixelData(_height, _width, MatType.CV_32FC1, (IntPtr)(basePtr + (c * plane)));
                    channels[_rgb ? 2 - c : c].ConvertTo(dst, MatType.CV_32FC1, _alpha[c], _beta[c]);
                }
            }
        }
        finally
        {
            foreach (var ch in channels)
            {
                ch.Dispose();
            }
        }
    }

    private void Run(Mat crop, bool flip, Span<float> output, bool accumulate)
    {
        var length = 3 * _width * _height;
        var buffer = ArrayPool<float>.Shared.Rent(length);
        try
        {
            WriteTensor(crop, buffer.AsSpan(0, length), flip);
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, length), [1, 3, _height, _width]);
            using var outputs = _session.Run(_runOptions, [_inputName], [input], _outputNames);
            var values = outputs[0].GetTensorDataAsSpan<float>();
            if (values.Length != Dimension)
            {
                throw new InvalidOperationException($"Face embedder '{ModelId}' returned {values.Length} values, expected {Dimension}.");
            }

            if (accumulate)
            {
                TensorPrimitives.Add(output, values, output);
            }
            else
            {
                values.CopyTo(output);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    private static void ValidateCrop(Mat crop)
    {
        ArgumentNullException.ThrowIfNull(crop);
        if (crop.IsDisposed || crop.Empty())
        {
            throw new ArgumentException("The face crop is empty or disposed.", nameof(crop));
        }

        if (crop.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException($"Face embedders take 8-bit BGR crops (CV_8UC3); got {crop.Type()}.", nameof(crop));
        }
    }

    private static string IdFromPath(string modelPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        var file = Path.GetFileName(modelPath);
        foreach (var spec in ModelCatalog.All)
        {
            if (string.Equals(spec.FileName, file, StringComparison.OrdinalIgnoreCase))
            {
                return spec.Id;
            }
        }

        return Path.GetFileNameWithoutExtension(file);
    }

    private static InferenceSession CreateSession(string modelPath, InferenceOptions? inference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        if (!File.Exists(modelPath))
        {
            throw new ModelNotFoundException($"Model file not found: {Path.GetFullPath(modelPath)}");
        }

        using var so = (inference ?? new InferenceOptions()).CreateSessionOptions(out _, out _);
        return new InferenceSession(modelPath, so);
    }
}
