using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using OpenCvSharp;
using Scarlet.Vision;

namespace Scarlet.Evaluation.Recognition;

/// <summary>What the recognition pipeline made of one photo of a face set.</summary>
public enum FaceSampleOutcome
{
    /// <summary>A face passed the gates and was embedded.</summary>
    Embedded,

    /// <summary>No face was detected.</summary>
    NoFace,

    /// <summary>A face was detected but failed the quality gate (not embedded).</summary>
    Rejected,
}

/// <summary>One photo of a face set and what the pipeline made of it (the largest face, as registration takes it).</summary>
/// <param name="PersonId">The person (data set name and sub-folder, e.g. <c>lfw/Aaron_Peirsol</c>).</param>
/// <param name="File">The photo's path relative to its data set root.</param>
/// <param name="Outcome">Embedded, no face, or rejected by the quality gate.</param>
/// <param name="Embedding">The L2-normalised embedding; <see langword="null"/> unless <see cref="FaceSampleOutcome.Embedded"/>.</param>
public sealed record FaceSample(string PersonId, string File, FaceSampleOutcome Outcome, float[]? Embedding);

/// <summary>
/// Face sets in the common layout <c>root/&lt;person&gt;/&lt;photo&gt;</c> run through the hosts' recognition path
/// (<see cref="FaceRecognizer"/>: detection, quality gate, landmark refinement, alignment, embedding; the largest face
/// of each photo, as registration takes it), with a binary cache so that evaluations can be re-run in seconds.
/// </summary>
public static class FaceSet
{
    private static ReadOnlySpan<byte> Magic => "SCARFSET"u8;
    private static readonly string[] s_extensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp"];

    /// <summary>Lists the photos of a face set root (one sub-folder per person), sorted for a stable order.</summary>
    /// <param name="root">The root folder.</param>
    /// <param name="prefix">The person-id prefix (usually the data set's name).</param>
    /// <returns>(person id, relative path, full path) per photo.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static IReadOnlyList<(string PersonId, string File, string FullPath)> List(string root, string prefix)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"Face set folder not found: {root}");
        }

        var result = new List<(string, string, string)>();
        var people = Directory.GetDirectories(root);
        Array.Sort(people, StringComparer.Ordinal);
        foreach (var dir in people)
        {
            var name = Path.GetFileName(dir);
            if (name.StartsWith('_') || name.StartsWith('.'))
            {
                continue; // group photos and hidden folders are no person
            }

            var files = Directory.GetFiles(dir);
            Array.Sort(files, StringComparer.Ordinal);
            foreach (var f in files)
            {
                if (Array.IndexOf(s_extensions, Path.GetExtension(f).ToLowerInvariant()) >= 0)
                {
                    result.Add((prefix + "/" + name, Path.GetRelativePath(root, f).Replace('\\', '/'), f));
                }
            }
        }

        return result;
    }

    /// <summary>Runs every photo through the recogniser (the largest face of each; identification is not asked for).</summary>
    /// <param name="photos">The photos (see <see cref="List"/>).</param>
    /// <param name="recognizer">The hosts' pipeline.</param>
    /// <param name="degreeOfParallelism">Photos in flight at once.</param>
    /// <param name="progress">Receives the count done now and then; may be <see langword="null"/>.</param>
    /// <returns>One sample per photo, in the order given.</returns>
    public static IReadOnlyList<FaceSample> Embed(IReadOnlyList<(string PersonId, string File, string FullPath)> photos, FaceRecognizer recognizer, int degreeOfParallelism = 2, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(photos);
        ArgumentNullException.ThrowIfNull(recognizer);
        ArgumentOutOfRangeException.ThrowIfLessThan(degreeOfParallelism, 1);
        var result = new FaceSample[photos.Count];
        var done = 0;
        Parallel.For(0, photos.Count, new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism }, i =>
        {
            var (person, file, full) = photos[i];
            using var image = Cv2.ImRead(full, ImreadModes.Color);
            if (image.Empty())
            {
                throw new InvalidImageException($"Cannot decode {full}.");
            }

            var faces = recognizer.Recognize(image, identify: false);
            RecognizedFace? largest = null;
            foreach (var f in faces)
            {
                if (largest is null || f.Box.Area > largest.Box.Area)
                {
                    largest = f;
                }
            }

            result[i] = largest switch
            {
                null => new FaceSample(person, file, FaceSampleOutcome.NoFace, null),
                { Embedding: null } => new FaceSample(person, file, FaceSampleOutcome.Rejected, null),
                _ => new FaceSample(person, file, FaceSampleOutcome.Embedded, largest.Embedding),
            };
            var d = Interlocked.Increment(ref done);
            if (progress is not null && d % 500 == 0)
            {
                progress.Report(d);
            }
        });
        return result;
    }

    /// <summary>Writes samples to a cache file (with the key that says how they were made).</summary>
    /// <param name="path">The file.</param>
    /// <param name="key">What made them (model, detector, gate settings): a cache with another key is not reused.</param>
    /// <param name="samples">The samples.</param>
    public static void Save(string path, string key, IReadOnlyList<FaceSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        using var file = File.Create(path);
        using var w = new BinaryWriter(file, Encoding.UTF8);
        w.Write(Magic);
        w.Write(key);
        w.Write(samples.Count);
        foreach (var s in samples)
        {
            w.Write(s.PersonId);
            w.Write(s.File);
            w.Write((byte)s.Outcome);
            w.Write(s.Embedding?.Length ?? 0);
            if (s.Embedding is not null)
            {
                w.Write(MemoryMarshal.AsBytes(s.Embedding.AsSpan()));
            }
        }
    }

    /// <summary>Reads a cache file written by <see cref="Save"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="key">The key expected; a cache made another way gives <see langword="null"/>.</param>
    /// <returns>The samples, or <see langword="null"/> when the file is missing or was made another way.</returns>
    /// <exception cref="InvalidDataException">The file is not a face set cache or is corrupt.</exception>
    public static IReadOnlyList<FaceSample>? Load(string path, string key)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var file = File.OpenRead(path);
            using var r = new BinaryReader(file, Encoding.UTF8);
            Span<byte> magic = stackalloc byte[8];
            file.ReadExactly(magic);
            if (!magic.SequenceEqual(Magic))
            {
                throw new InvalidDataException($"{path} is not a face set cache.");
            }

            if (r.ReadString() != key)
            {
                return null;
            }

            var n = r.ReadInt32();
            if (n < 0)
            {
                throw new InvalidDataException($"{path}: corrupt count.");
            }

            var list = new List<FaceSample>(n);
            for (var i = 0; i < n; i++)
            {
                var person = r.ReadString();
                var f = r.ReadString();
                var outcome = (FaceSampleOutcome)r.ReadByte();
                var dim = r.ReadInt32();
                if (dim < 0 || dim > 65536 || !Enum.IsDefined(outcome))
                {
                    throw new InvalidDataException($"{path}: corrupt record {i}.");
                }

                float[]? e = null;
                if (dim > 0)
                {
                    e = new float[dim];
                    file.ReadExactly(MemoryMarshal.AsBytes(e.AsSpan()));
                }

                list.Add(new FaceSample(person, f, outcome, e));
            }

            return list;
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"{path}: truncated face set cache.", ex);
        }
    }

    /// <summary>A key describing how samples were made, for <see cref="Save"/> and <see cref="Load"/>.</summary>
    /// <param name="parts">Anything that changes the embeddings (model ids, gate limits, refinement on or off).</param>
    /// <returns>The key.</returns>
    public static string Key(params object?[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var sb = new StringBuilder();
        foreach (var p in parts)
        {
            sb.Append(Convert.ToString(p, CultureInfo.InvariantCulture)).Append('|');
        }

        return sb.ToString();
    }
}
