using System.Globalization;
using Scarlet.Vision;

namespace Scarlet.Evaluation.Recognition;

/// <summary>One face detection of a labelled set: which image, where, and whether it is a face.</summary>
/// <param name="Image">The image path relative to the data folder, with <c>/</c> separators (for example <c>faces/lfw/images/A/A_0001.jpg</c>).</param>
/// <param name="Box">The detection box in image pixels.</param>
/// <param name="IsFace"><see langword="true"/> for a face (background faces included), <see langword="false"/> for anything else, <see langword="null"/> when not labelled yet.</param>
/// <param name="Basis">
/// How the label was given: <c>subject</c> (the pictured person of a portrait or LFW image, by rule), <c>looked</c> (a
/// person looked at the crop) or empty when not labelled.
/// </param>
public sealed record FaceGateLabel(string Image, BoundingBox Box, bool? IsFace, string Basis);

/// <summary>
/// Reads and writes labelled detections as comma-separated text: a header line <c>image,x,y,w,h,label,basis</c>, then one
/// detection per line with label <c>face</c>, <c>not_face</c> or <c>?</c>. Lines starting with <c>#</c> are comments.
/// Fields are never quoted, so a path with a comma is refused rather than written ambiguously.
/// </summary>
public static class FaceGateLabels
{
    /// <summary>The header line.</summary>
    public const string Header = "image,x,y,w,h,label,basis";

    /// <summary>Reads labelled detections from a file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The detections in file order.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="FormatException">A line is malformed; the message names the line.</exception>
    public static IReadOnlyList<FaceGateLabel> Load(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    /// <summary>Reads labelled detections.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="source">A name for error messages.</param>
    /// <returns>The detections in text order.</returns>
    /// <exception cref="FormatException">A line is malformed; the message names the line.</exception>
    public static IReadOnlyList<FaceGateLabel> Read(TextReader reader, string source = "labels")
    {
        ArgumentNullException.ThrowIfNull(reader);
        var result = new List<FaceGateLabel>();
        var header = false;
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (!header)
            {
                if (line != Header)
                {
                    throw new FormatException($"{source}:{number}: expected the header '{Header}'.");
                }

                header = true;
                continue;
            }

            var f = line.Split(',');
            if (f.Length != 7)
            {
                throw new FormatException($"{source}:{number}: expected 7 fields, found {f.Length}.");
            }

            bool? isFace = f[5] switch
            {
                "face" => true,
                "not_face" => false,
                "?" => null,
                _ => throw new FormatException($"{source}:{number}: label must be face, not_face or ?, found '{f[5]}'."),
            };
            result.Add(new FaceGateLabel(f[0], new BoundingBox(Number(f[1], source, number), Number(f[2], source, number), Number(f[3], source, number), Number(f[4], source, number)), isFace, f[6]));
        }

        if (!header)
        {
            throw new FormatException($"{source}: empty, expected the header '{Header}'.");
        }

        return result;
    }

    /// <summary>Writes labelled detections (header first); boxes are rounded to 0.1 px.</summary>
    /// <param name="writer">The destination.</param>
    /// <param name="labels">The detections.</param>
    /// <exception cref="ArgumentException">A path or basis holds a comma or a line break.</exception>
    public static void Write(TextWriter writer, IEnumerable<FaceGateLabel> labels)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(labels);
        writer.WriteLine(Header);
        foreach (var l in labels)
        {
            if (l.Image.AsSpan().IndexOfAny(",\r\n") >= 0 || l.Basis.AsSpan().IndexOfAny(",\r\n") >= 0)
            {
                throw new ArgumentException($"'{l.Image}' / '{l.Basis}': commas and line breaks cannot be written.", nameof(labels));
            }

            var label = l.IsFace switch { true => "face", false => "not_face", null => "?" };
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{l.Image},{l.Box.X:0.#},{l.Box.Y:0.#},{l.Box.Width:0.#},{l.Box.Height:0.#},{label},{l.Basis}"));
        }
    }

    private static float Number(string s, string source, int line) =>
        float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && float.IsFinite(v)
            ? v
            : throw new FormatException($"{source}:{line}: '{s}' is not a number.");
}
