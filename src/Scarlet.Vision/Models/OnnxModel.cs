using Microsoft.ML.OnnxRuntime;

namespace Scarlet.Vision.Models;

/// <summary>
/// A thin view of an <see cref="InferenceSession"/> with one float NCHW input: its name and shape read from the model,
/// and a run that wraps a caller buffer without copying. Owns the session only when told to. Thread-safe.
/// </summary>
public sealed class OnnxModel : IDisposable
{
    private readonly bool _ownsSession;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _outputNames;

    /// <summary>Wraps <paramref name="session"/>, checking it has exactly one float NCHW input.</summary>
    /// <param name="session">The session.</param>
    /// <param name="ownsSession">Whether <see cref="Dispose"/> disposes the session.</param>
    /// <param name="modelName">A name for error messages.</param>
    /// <exception cref="NotSupportedException">The model's input is not one float NCHW tensor; the message says what was found.</exception>
    public OnnxModel(InferenceSession session, bool ownsSession, string modelName)
    {
        ArgumentNullException.ThrowIfNull(session);
        Session = session;
        _ownsSession = ownsSession;
        if (session.InputMetadata.Count != 1)
        {
            throw new NotSupportedException($"{modelName}: expected one input, found {session.InputMetadata.Count} ({string.Join(", ", session.InputMetadata.Keys)}).");
        }

        var (name, meta) = session.InputMetadata.First();
        if (meta.ElementType != typeof(float) || meta.Dimensions.Length != 4)
        {
            throw new NotSupportedException($"{modelName}: expected a float NCHW input, found '{name}' {meta.ElementType.Name}[{string.Join(",", meta.Dimensions)}].");
        }

        InputName = name;
        InputShape = meta.Dimensions;
        _outputNames = [.. session.OutputMetadata.Keys];
        OutputNames = _outputNames;
        OutputShapes = session.OutputMetadata.ToDictionary(kv => kv.Key, kv => kv.Value.Dimensions, StringComparer.Ordinal);
    }

    /// <summary>Gets the session.</summary>
    public InferenceSession Session { get; }

    /// <summary>Gets the input name.</summary>
    public string InputName { get; }

    /// <summary>Input dimensions; -1 (or 0) marks a dynamic axis.</summary>
    public int[] InputShape { get; }

    /// <summary>Gets the output names in model order.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>Gets the output shapes by name; -1 marks a dynamic axis.</summary>
    public IReadOnlyDictionary<string, int[]> OutputShapes { get; }

    /// <summary>Runs the model on <paramref name="input"/> (NCHW, exactly the product of <paramref name="shape"/> floats).</summary>
    /// <returns>The outputs in <see cref="OutputNames"/> order; the caller disposes the collection.</returns>
    public IDisposableReadOnlyCollection<OrtValue> Run(Memory<float> input, long[] shape)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input, shape);
        return Session.Run(_runOptions, [InputName], [value], _outputNames);
    }

    /// <summary>Opens a session on a model file with <paramref name="inference"/> settings; the caller disposes it.</summary>
    /// <exception cref="ModelNotFoundException">The file does not exist.</exception>
    public static InferenceSession CreateSession(string modelPath, InferenceOptions? inference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        if (!File.Exists(modelPath))
        {
            throw new ModelNotFoundException($"Model file not found: {Path.GetFullPath(modelPath)}");
        }

        using var so = (inference ?? new InferenceOptions()).CreateSessionOptions(out _, out _);
        return new InferenceSession(modelPath, so);
    }

    /// <summary>Disposes the run options, and the session when owned.</summary>
    public void Dispose()
    {
        _runOptions.Dispose();
        if (_ownsSession)
        {
            Session.Dispose();
        }
    }
}
