using System.Globalization;
using Scarlet.Vision;

namespace Scarlet.Evaluation.MotChallenge;

/// <summary>Reads and writes MOTChallenge text files (comma or space separated, no header, 1-based frames).</summary>
public static class MotChallengeFormat
{
    /// <summary>Reads every row of a MOTChallenge file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The rows in file order.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A row is malformed (the message names the line).</exception>
    public static List<MotRecord> ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"MOTChallenge file not found: {path}", path);
        }

        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    /// <summary>Reads every row of MOTChallenge text.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="sourceName">A name for error messages.</param>
    /// <returns>The rows in input order.</returns>
    /// <exception cref="InvalidDataException">A row is malformed (the message names the line).</exception>
    public static List<MotRecord> Read(TextReader reader, string sourceName = "input")
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = new List<MotRecord>();
        Span<Range> parts = stackalloc Range[16];
        var lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            var span = line.AsSpan().Trim();
            if (span.IsEmpty)
            {
                continue;
            }

            var n = span.IndexOf(',') >= 0 ? span.Split(parts, ',') : span.Split(parts, ' ', StringSplitOptions.RemoveEmptyEntries);
            if (n < 6)
            {
                throw new InvalidDataException($"{sourceName}:{lineNo}: expected at least 6 columns (frame,id,x,y,w,h), got {n}.");
            }

            var frameValue = Number(span[parts[0]], sourceName, lineNo, "frame");
            var idValue = Number(span[parts[1]], sourceName, lineNo, "id");
            if (frameValue < 1 || frameValue > int.MaxValue || frameValue != Math.Floor(frameValue))
            {
                throw new InvalidDataException($"{sourceName}:{lineNo}: frame must be a whole number >= 1 (frames are 1-based), got {span[parts[0]]}.");
            }

            var x = Number(span[parts[2]], sourceName, lineNo, "x");
            var y = Number(span[parts[3]], sourceName, lineNo, "y");
            var w = Number(span[parts[4]], sourceName, lineNo, "width");
            var h = Number(span[parts[5]], sourceName, lineNo, "height");
            var conf = n > 6 ? Number(span[parts[6]], sourceName, lineNo, "confidence") : 1.0;
            var clsValue = n > 7 ? Number(span[parts[7]], sourceName, lineNo, "class") : -1;

            // A class is a whole number; anything else there (MOT15's world coordinates) means "no class".
            var cls = clsValue == Math.Floor(clsValue) && Math.Abs(clsValue) < 1e6 ? (int)clsValue : -1;
            var vis = n > 8 ? Number(span[parts[8]], sourceName, lineNo, "visibility") : -1.0;
            rows.Add(new MotRecord((int)frameValue, (int)Math.Round(idValue), x, y, w, h, conf, cls, vis));
        }

        return rows;
    }

    /// <summary>Writes one tracker result row: <c>frame,id,x,y,w,h,conf,-1,-1,-1</c> with two decimals.</summary>
    /// <param name="writer">The output.</param>
    /// <param name="frame">1-based frame number.</param>
    /// <param name="track">The track (its current box, id and score).</param>
    public static void WriteResult(TextWriter writer, int frame, Track track)
    {
        ArgumentNullException.ThrowIfNull(track);
        WriteResult(writer, frame, track.Id, track.Box, track.Score);
    }

    /// <summary>Writes one tracker result row: <c>frame,id,x,y,w,h,conf,-1,-1,-1</c> with two decimals.</summary>
    /// <param name="writer">The output.</param>
    /// <param name="frame">1-based frame number.</param>
    /// <param name="id">The track id.</param>
    /// <param name="box">The box to write.</param>
    /// <param name="score">The confidence.</param>
    public static void WriteResult(TextWriter writer, int frame, int id, BoundingBox box, float score)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(string.Create(
            CultureInfo.InvariantCulture,
            $"{frame},{id},{box.X:F2},{box.Y:F2},{box.Width:F2},{box.Height:F2},{score:F4},-1,-1,-1\n"));
    }

    /// <summary>Writes a result row: <c>frame,id,x,y,w,h,conf,-1,-1,-1</c> with two decimals.</summary>
    /// <param name="writer">The output.</param>
    /// <param name="row">The row.</param>
    public static void WriteResult(TextWriter writer, MotRecord row)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(string.Create(
            CultureInfo.InvariantCulture,
            $"{row.Frame},{row.Id},{row.X:F2},{row.Y:F2},{row.Width:F2},{row.Height:F2},{row.Confidence:F4},-1,-1,-1\n"));
    }

    private static double Number(ReadOnlySpan<char> s, string source, int line, string column)
    {
        if (!double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || double.IsNaN(v) || double.IsInfinity(v))
        {
            throw new InvalidDataException($"{source}:{line}: column '{column}' is not a number: '{s.ToString()}'.");
        }

        return v;
    }
}
