using Microsoft.ML.OnnxRuntime;

namespace Scarlet.Vision.Models;

/// <summary>
/// A thin view of an <see cref="InferenceSession"/> with one float input: its name and shape read from the model,
/// and a run that wraps a caller buffer without copying. Owns the session only when told to.
/// </summary>
internal sealed class OnnxModel : IDisposable
{
    private readonly bool _ownsSession;
    private readonly RunOptions _runOptions = new();

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
        OutputNames = [.. session.OutputMetadata.Keys];
        OutputShapes = session.OutputMetadata.ToDictionary(kv => kv.Key, kv => kv.Value.Dimensions, StringComparer.Ordinal);
    }

    public InferenceSession Session { get; }

    public string InputName { get; }

    /// <summary>Input dimensions; -1 (or 0) marks a dynamic axis.</summary>
    public int[] InputShape { get; }

    public string[] OutputNames { get; }

    public IReadOnlyDictionary<string, int[]> OutputShapes { get; }

    /// <summary>Runs the model on <paramref name="input"/> (NCHW, exactly the product of <paramref name="shape"/> floats).</summary>
    /// <returns>The outputs in <see cref="OutputNames"/> order; the caller disposes the collection.</returns>
    public IDisposableReadOnlyCollection<OrtValue> Run(Memory<float> input, long[] shape)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input, shape);
        return Session.Run(_runOptions, [InputName], [value], OutputNames);
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        if (_ownsSession)
        {
            Session.Dispose();
        }
    }
}
