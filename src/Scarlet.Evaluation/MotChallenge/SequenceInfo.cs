using System.Globalization;

namespace Scarlet.Evaluation.MotChallenge;

/// <summary>The <c>[Sequence]</c> section of a MOTChallenge <c>seqinfo.ini</c>.</summary>
public sealed class SequenceInfo
{
    /// <summary>Gets the sequence name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the frame rate in frames per second.</summary>
    public required double FrameRate { get; init; }

    /// <summary>Gets the number of frames.</summary>
    public required int Length { get; init; }

    /// <summary>Gets the image width in pixels.</summary>
    public required int Width { get; init; }

    /// <summary>Gets the image height in pixels.</summary>
    public required int Height { get; init; }

    /// <summary>Reads a <c>seqinfo.ini</c> file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The sequence information.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A required key is missing or malformed.</exception>
    public static SequenceInfo Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"seqinfo.ini not found: {path}", path);
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && !line.StartsWith(';'))
            {
                values[line[..eq].Trim()] = line[(eq + 1)..].Trim();
            }
        }

        return new SequenceInfo
        {
            Name = values.TryGetValue("name", out var name) ? name : Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path))) ?? "sequence",
            FrameRate = Get(values, "frameRate", path),
            Length = (int)Get(values, "seqLength", path),
            Width = (int)Get(values, "imWidth", path),
            Height = (int)Get(values, "imHeight", path),
        };
    }

    private static double Get(Dictionary<string, string> values, string key, string path)
    {
        if (!values.TryGetValue(key, out var s))
        {
            throw new InvalidDataException($"{path}: key '{key}' is missing.");
        }

        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v <= 0)
        {
            throw new InvalidDataException($"{path}: key '{key}' must be a positive number, got '{s}'.");
        }

        return v;
    }
}
