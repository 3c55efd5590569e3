using System.Buffers;
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using Scarlet.Vision.Models;

namespace Scarlet.Vision;

/// <summary>
/// The YuNet face detector (libfacedetection / OpenCV Zoo) on ONNX Runtime: boxes, five landmarks and a score.
/// Works with the fixed 640x640 export (letterboxed at the top-left, zero-filled) and the dynamic-size export (padded to
/// multiples of 32), decoded exactly as OpenCV's <c>FaceDetectorYN</c>. Thread-safe.
/// </summary>
public sealed class YuNetFaceDetector : IFaceDetector, IDisposable
{
    private static readonly int[] Strides = [8, 16, 32];
    private static readonly float[] Ones = [1f, 1f, 1f];
    private static readonly float[] Zeros = [0f, 0f, 0f];

    private readonly OnnxModel _model;
    private readonly FaceDetectorOptions _options;
    private readonly int _fixedWidth;
    private readonly int _fixedHeight;

    /// <summary>Creates a detector that owns a new session on <paramref name="modelPath"/>.</summary>
    public YuNetFaceDetector(string modelPath, FaceDetectorOptions? options = null, InferenceOptions? inference = null)
        : this(OnnxModel.CreateSession(modelPath, inference), ownsSession: true, options)
    {
    }

    /// <summary>Creates a detector on a shared session (not disposed by the detector).</summary>
    public YuNetFaceDetector(InferenceSession session, FaceDetectorOptions? options = null)
        : this(session, ownsSession: false, options)
    {
    }

    private YuNetFaceDetector(InferenceSession session, bool ownsSession, FaceDetectorOptions? options)
    {
        _options = options ?? new FaceDetectorOptions();
        try
        {
            _model = new OnnxModel(session, ownsSession, "YuNet");
            foreach (var s in Strides)
            {
                foreach (var prefix in (ReadOnlySpan<string>)["cls_", "obj_", "bbox_", "kps_"])
                {
                    if (!_model.OutputShapes.ContainsKey(prefix + s))
                    {
                        throw new NotSupportedException(
                            $"Not a YuNet model: output '{prefix}{s}' is missing. Found outputs: {string.Join(", ", _model.OutputNames)}; input '{_model.InputName}' [{string.Join(",", _model.InputShape)}].");
                    }
                }
            }
        }
        catch
        {
            if (ownsSession)
            {
                session.Dispose();
            }

            throw;
        }

        _fixedHeight = _model.InputShape[2] > 0 ? _model.InputShape[2] : 0;
        _fixedWidth = _model.InputShape[3] > 0 ? _model.InputShape[3] : 0;
    }

    /// <summary>Gets whether the model takes any input size (else it is letterboxed to its fixed size).</summary>
    public bool IsDynamic => _fixedWidth == 0 || _fixedHeight == 0;

    /// <summary>Gets the options in use.</summary>
    public FaceDetectorOptions Options => _options;

    /// <inheritdoc />
    public IReadOnlyList<FaceDetection> Detect(Mat image) => Detect(image, null);

    /// <summary>Detects faces, recording per-stage times in <paramref name="timings"/> when given.</summary>
    public IReadOnlyList<FaceDetection> Detect(Mat image, StageTimings? timings)
    {
        DetectorInput.Validate(image);
        using var activity = ScarletDiagnostics.Activities.StartActivity("face.detect");
        var t0 = Stopwatch.GetTimestamp();
        int netW, netH;
        float scale;
        if (IsDynamic)
        {
            var longest = Math.Max(image.Width, image.Height);
            scale = _options.MaxInputSize > 0 && longest > _options.MaxInputSize ? (float)_options.MaxInputSize / longest : 1f;
            netW = RoundUp32((int)MathF.Round(image.Width * scale));
            netH = RoundUp32((int)MathF.Round(image.Height * scale));
        }
        else
        {
            netW = _fixedWidth;
            netH = _fixedHeight;
            scale = MathF.Min((float)netW / image.Width, (float)netH / image.Height);
        }

        var rw = Math.Clamp((int)MathF.Round(image.Width * scale), 1, netW);
        var rh = Math.Clamp((int)MathF.Round(image.Height * scale), 1, netH);
        var sx = (float)rw / image.Width;
        var sy = (float)rh / image.Height;
        var length = 3 * netW * netH;
        var buffer = DetectorTensors.Pool.Rent(length);
        try
        {
            ImageTensor.Write(image, rw, rh, netW, netH, buffer.AsSpan(0, length), toRgb: false, Ones, Zeros, padValue: 0f);
            var t1 = Stopwatch.GetTimestamp();
            using var outputs = _model.Run(buffer.AsMemory(0, length), [1, 3, netH, netW]);
            var t2 = Stopwatch.GetTimestamp();
            var result = Decode(outputs, netW, netH, sx, sy, image.Width, image.Height);
            timings?.Add(t1 - t0, t2 - t1, Stopwatch.GetTimestamp() - t2);
            return result;
        }
        finally
        {
            DetectorTensors.Pool.Return(buffer);
        }
    }

    /// <summary>Disposes the session if this detector owns it.</summary>
    public void Dispose() => _model.Dispose();

    private FaceDetection[] Decode(IReadOnlyList<OrtValue> outputs, int netW, int netH, float sx, float sy, int imageW, int imageH)
    {
        using var candidates = new CandidateBuffer<FaceLandmarks5>();
        for (var si = 0; si < Strides.Length; si++)
        {
            var s = Strides[si];
            var cols = netW / s;
            var rows = netH / s;
            var n = cols * rows;
            var cls = Output(outputs, "cls_" + s, n);
            var obj = Output(outputs, "obj_" + s, n);
            var bbox = Output(outputs, "bbox_" + s, n * 4);
            var kps = Output(outputs, "kps_" + s, n * 10);
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < cols; c++)
                {
                    var i = (r * cols) + c;
                    var score = MathF.Sqrt(Math.Clamp(cls[i], 0f, 1f) * Math.Clamp(obj[i], 0f, 1f));
                    if (score < _options.ScoreThreshold)
                    {
                        continue;
                    }

                    var b = bbox.Slice(i * 4, 4);
                    var cx = (c + b[0]) * s;
                    var cy = (r + b[1]) * s;
                    var w = MathF.Exp(b[2]) * s;
                    var h = MathF.Exp(b[3]) * s;
                    var box = new BoundingBox((cx - (w / 2)) / sx, (cy - (h / 2)) / sy, w / sx, h / sy);
                    var k = kps.Slice(i * 10, 10);
                    var lm = new FaceLandmarks5(
                        new PointF((k[0] + c) * s / sx, (k[1] + r) * s / sy),
                        new PointF((k[2] + c) * s / sx, (k[3] + r) * s / sy),
                        new PointF((k[4] + c) * s / sx, (k[5] + r) * s / sy),
                        new PointF((k[6] + c) * s / sx, (k[7] + r) * s / sy),
                        new PointF((k[8] + c) * s / sx, (k[9] + r) * s / sy));
                    candidates.Add(Clip(box, imageW, imageH), score, lm);
                }
            }
        }

        var kept = candidates.Suppress(_options.NmsThreshold, _options.MaxFaces);
        var result = new FaceDetection[kept];
        for (var i = 0; i < kept; i++)
        {
            var (box, score, lm) = candidates.Kept(i);
            result[i] = new FaceDetection(box, score, lm);
        }

        return result;
    }

    internal static ReadOnlySpan<float> Output(IReadOnlyList<OrtValue> outputs, int index, int expected, string name)
    {
        var span = outputs[index].GetTensorDataAsSpan<float>();
        if (span.Length != expected)
        {
            throw new InvalidOperationException($"Model output '{name}' has {span.Length} values, expected {expected}.");
        }

        return span;
    }

    private ReadOnlySpan<float> Output(IReadOnlyList<OrtValue> outputs, string name, int expected) =>
        Output(outputs, IndexOf(_model.OutputNames, name), expected, name);

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static BoundingBox Clip(BoundingBox b, int w, int h)
    {
        var x1 = Math.Clamp(b.X, 0, w);
        var y1 = Math.Clamp(b.Y, 0, h);
        var x2 = Math.Clamp(b.Right, 0, w);
        var y2 = Math.Clamp(b.Bottom, 0, h);
        return BoundingBox.FromCorners(x1, y1, x2, y2);
    }

    private static int RoundUp32(int v) => Math.Max(32, (v + 31) / 32 * 32);
}
