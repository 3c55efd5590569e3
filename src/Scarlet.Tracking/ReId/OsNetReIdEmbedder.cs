using System.Buffers;
using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Scarlet.Tracking;

/// <summary>
/// OSNet person re-identification (torchreid / BoxMOT export) on ONNX Runtime: each box is cropped, resized to the model's
/// input (128 wide × 256 high), converted to RGB, scaled to [0, 1] and ImageNet-normalised; the output is L2-normalised.
/// Boxes are run in batches of <see cref="MaxBatch"/> when the model's batch axis is dynamic. Thread-safe.
/// </summary>
public sealed class OsNetReIdEmbedder : IReIdEmbedder, IDisposable
{
    /// <summary>The most crops run in one inference call.</summary>
    public const int MaxBatch = 16;

    // ImageNet mean/std on x/255: out = x * (1 / (255 std)) - mean / std.
    private static readonly float[] Alpha = [1f / (255f * 0.229f), 1f / (255f * 0.224f), 1f / (255f * 0.225f)];
    private static readonly float[] Beta = [-0.485f / 0.229f, -0.456f / 0.224f, -0.406f / 0.225f];

    private readonly OnnxModel _model;
    private readonly int _width;
    private readonly int _height;
    private readonly bool _dynamicBatch;

    /// <summary>Creates an embedder that owns a new session on <paramref name="modelPath"/>.</summary>
    public OsNetReIdEmbedder(string modelPath, InferenceOptions? inference = null)
        : this(OnnxModel.CreateSession(modelPath, inference), ownsSession: true)
    {
    }

    /// <summary>Creates an embedder on a shared session (not disposed by the embedder).</summary>
    public OsNetReIdEmbedder(InferenceSession session)
        : this(session, ownsSession: false)
    {
    }

    private OsNetReIdEmbedder(InferenceSession session, bool ownsSession)
    {
        try
        {
            _model = new OnnxModel(session, ownsSession, "OSNet");
            _height = _model.InputShape[2];
            _width = _model.InputShape[3];
            var outShape = _model.OutputNames.Count == 1 ? _model.OutputShapes[_model.OutputNames[0]] : [];
            if (_width <= 0 || _height <= 0 || _model.InputShape[1] != 3 || outShape.Length != 2 || outShape[1] <= 0)
            {
                throw new NotSupportedException(
                    $"Not a re-ID model: expected input [N,3,H,W] and one output [N,D]; found input '{_model.InputName}' [{string.Join(",", _model.InputShape)}], outputs {string.Join(", ", _model.OutputShapes.Select(kv => $"{kv.Key}[{string.Join(",", kv.Value)}]"))}.");
            }

            Dimension = outShape[1];
            _dynamicBatch = _model.InputShape[0] <= 0;
        }
        catch
        {
            if (ownsSession)
            {
                session.Dispose();
            }

            throw;
        }
    }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <inheritdoc />
    public void Embed(Mat image, ReadOnlySpan<BoundingBox> boxes, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Empty() || image.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException("Re-ID takes a non-empty 8-bit BGR image.", nameof(image));
        }

        if (destination.Length < boxes.Length * Dimension)
        {
            throw new ArgumentException($"The destination needs {boxes.Length * Dimension} floats, got {destination.Length}.", nameof(destination));
        }

        var batch = _dynamicBatch ? MaxBatch : 1;
        var plane = 3 * _width * _height;
        var buffer = ArrayPool<float>.Shared.Rent(batch * plane);
        try
        {
            for (var start = 0; start < boxes.Length; start += batch)
            {
                var n = Math.Min(batch, boxes.Length - start);
                for (var i = 0; i < n; i++)
                {
                    using var crop = Crop(image, boxes[start + i]);
                    ImageTensor.Write(crop, _width, _height, _width, _height, buffer.AsSpan(i * plane, plane), toRgb: true, Alpha, Beta, 0f);
                }

                using var outputs = _model.Run(buffer.AsMemory(0, n * plane), [n, 3, _height, _width]);
                var features = outputs[0].GetTensorDataAsSpan<float>();
                for (var i = 0; i < n; i++)
                {
                    var row = destination.Slice((start + i) * Dimension, Dimension);
                    features.Slice(i * Dimension, Dimension).CopyTo(row);
                    var norm = TensorPrimitives.Norm(row);
                    if (norm > 1e-12f)
                    {
                        TensorPrimitives.Multiply(row, 1f / norm, row);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>Disposes the session if this embedder owns it.</summary>
    public void Dispose() => _model.Dispose();

    private static Mat Crop(Mat image, in BoundingBox box)
    {
        var x1 = Math.Clamp((int)MathF.Floor(box.X), 0, image.Width - 1);
        var y1 = Math.Clamp((int)MathF.Floor(box.Y), 0, image.Height - 1);
        var x2 = Math.Clamp((int)MathF.Ceiling(box.Right), x1 + 1, image.Width);
        var y2 = Math.Clamp((int)MathF.Ceiling(box.Bottom), y1 + 1, image.Height);
        return new Mat(image, new Rect(x1, y1, x2 - x1, y2 - y1));
    }
}
