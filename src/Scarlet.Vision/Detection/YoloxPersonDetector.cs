using System.Buffers;
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using Scarlet.Vision.Models;

namespace Scarlet.Vision;

/// <summary>
/// A YOLOX COCO detector (for example YOLOX-Nano) on ONNX Runtime, keeping class 0 (person). Preprocessing and decoding
/// follow the YOLOX (≥ 0.1.1) demo: letterbox at the top-left on a 114-filled canvas, BGR 0–255, grid decode over
/// strides 8/16/32, score = objectness × class score, NMS. Thread-safe.
/// </summary>
public sealed class YoloxPersonDetector : IPersonDetector, IDisposable
{
    private const int PersonClass = 0;
    private static readonly int[] Strides = [8, 16, 32];
    private static readonly float[] Ones = [1f, 1f, 1f];
    private static readonly float[] Zeros = [0f, 0f, 0f];

    private readonly OnnxModel _model;
    private readonly PersonDetectorOptions _options;
    private readonly int _width;
    private readonly int _height;
    private readonly int _anchors;
    private readonly int _rowLength;

    /// <summary>Creates a detector that owns a new session on <paramref name="modelPath"/>.</summary>
    public YoloxPersonDetector(string modelPath, PersonDetectorOptions? options = null, InferenceOptions? inference = null)
        : this(OnnxModel.CreateSession(modelPath, inference), ownsSession: true, options)
    {
    }

    /// <summary>Creates a detector on a shared session (not disposed by the detector).</summary>
    public YoloxPersonDetector(InferenceSession session, PersonDetectorOptions? options = null)
        : this(session, ownsSession: false, options)
    {
    }

    private YoloxPersonDetector(InferenceSession session, bool ownsSession, PersonDetectorOptions? options)
    {
        _options = options ?? new PersonDetectorOptions();
        try
        {
            _model = new OnnxModel(session, ownsSession, "YOLOX");
            _height = _model.InputShape[2];
            _width = _model.InputShape[3];
            var outShape = _model.OutputNames.Count == 1 ? _model.OutputShapes[_model.OutputNames[0]] : [];
            if (_width <= 0 || _height <= 0 || _width % 32 != 0 || _height % 32 != 0 || outShape.Length != 3)
            {
                throw new NotSupportedException(
                    $"Not a YOLOX model: expected a fixed input [1,3,H,W] (multiples of 32) and one output [1,anchors,5+classes]; found input '{_model.InputName}' [{string.Join(",", _model.InputShape)}], outputs {string.Join(", ", _model.OutputShapes.Select(kv => $"{kv.Key}[{string.Join(",", kv.Value)}]"))}.");
            }

            _anchors = 0;
            foreach (var s in Strides)
            {
                _anchors += _width / s * (_height / s);
            }

            _rowLength = outShape[2];
            if (outShape[1] != _anchors || _rowLength < 6)
            {
                throw new NotSupportedException($"Not a YOLOX model: output [{string.Join(",", outShape)}] does not match {_anchors} anchors for a {_width}x{_height} input.");
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
    }

    /// <summary>Gets the network input size.</summary>
    public (int Width, int Height) InputSize => (_width, _height);

    /// <summary>Gets the options in use.</summary>
    public PersonDetectorOptions Options => _options;

    /// <inheritdoc />
    public IReadOnlyList<PersonDetection> Detect(Mat image) => Detect(image, null);

    /// <summary>Detects people, recording per-stage times in <paramref name="timings"/> when given.</summary>
    public IReadOnlyList<PersonDetection> Detect(Mat image, StageTimings? timings)
    {
        using var activity = ScarletDiagnostics.Activities.StartActivity("person.detect");
        DetectorInput.Validate(image);
        var t0 = Stopwatch.GetTimestamp();
        var scale = MathF.Min((float)_width / image.Width, (float)_height / image.Height);
        var rw = Math.Clamp((int)MathF.Round(image.Width * scale), 1, _width);
        var rh = Math.Clamp((int)MathF.Round(image.Height * scale), 1, _height);
        var sx = (float)rw / image.Width;
        var sy = (float)rh / image.Height;
        var length = 3 * _width * _height;
        var buffer = DetectorTensors.Pool.Rent(length);
        try
        {
            ImageTensor.Write(image, rw, rh, _width, _height, buffer.AsSpan(0, length), toRgb: false, Ones, Zeros, padValue: 114f);
            var t1 = Stopwatch.GetTimestamp();
            using var outputs = _model.Run(buffer.AsMemory(0, length), [1, 3, _height, _width]);
            var t2 = Stopwatch.GetTimestamp();
            var data = YuNetFaceDetector.Output(outputs, 0, _anchors * _rowLength, _model.OutputNames[0]);
            var result = Decode(data, sx, sy, image.Width, image.Height);
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

    private PersonDetection[] Decode(ReadOnlySpan<float> data, float sx, float sy, int imageW, int imageH)
    {
        using var candidates = new CandidateBuffer<byte>();
        var anchor = 0;
        foreach (var s in Strides)
        {
            var gw = _width / s;
            var gh = _height / s;
            for (var gy = 0; gy < gh; gy++)
            {
                for (var gx = 0; gx < gw; gx++, anchor++)
                {
                    var row = data.Slice(anchor * _rowLength, _rowLength);
                    var score = row[4] * row[5 + PersonClass];
                    if (score < _options.ScoreThreshold)
                    {
                        continue;
                    }

                    var cx = (row[0] + gx) * s;
                    var cy = (row[1] + gy) * s;
                    var w = MathF.Exp(row[2]) * s;
                    var h = MathF.Exp(row[3]) * s;
                    var x1 = Math.Clamp((cx - (w / 2)) / sx, 0, imageW);
                    var y1 = Math.Clamp((cy - (h / 2)) / sy, 0, imageH);
                    var x2 = Math.Clamp((cx + (w / 2)) / sx, 0, imageW);
                    var y2 = Math.Clamp((cy + (h / 2)) / sy, 0, imageH);
                    candidates.Add(BoundingBox.FromCorners(x1, y1, x2, y2), score, 0);
                }
            }
        }

        var kept = candidates.Suppress(_options.NmsThreshold, _options.MaxPersons);
        var result = new PersonDetection[kept];
        for (var i = 0; i < kept; i++)
        {
            var (box, score, _) = candidates.Kept(i);
            result[i] = new PersonDetection(box, score);
        }

        return result;
    }
}
