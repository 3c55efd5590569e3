using System.Runtime.InteropServices;
using System.Text;
using Scarlet.Recognition.Index;

namespace Scarlet.Recognition;

/// <summary>
/// Reads and writes <see cref="FaceGallery"/> snapshots: the identities with their embeddings, then the index's own
/// snapshot (so a reloaded gallery answers exactly as the saved one), and the version of the store of record the
/// gallery was taken at (a host uses a snapshot as a start-up shortcut only while the store is still at that version).
/// </summary>
/// <remarks>
/// The index is written through <see cref="IVectorIndex.Save"/> and read back by the loader its own magic names
/// (<see cref="HnswIndex"/>, <see cref="FlatIndex"/>); a snapshot of an index this build cannot read is loaded by
/// rebuilding the gallery's index from the stored embeddings. Erased identities leave no trace in a snapshot.
/// </remarks>
public static class FaceGallerySnapshot
{
    private const int FormatVersion = 2;
    private const int MagicLength = 8;
    private static ReadOnlySpan<byte> Magic => "SCARGALY"u8;

    /// <summary>
    /// The index formats this build reads, by the 8-byte magic that starts each index's snapshot. The search breadth is a
    /// query-time setting: today's options apply to a loaded graph, not the one saved with it.
    /// </summary>
    private static readonly Dictionary<string, Func<Stream, FaceGalleryOptions, IVectorIndex>> s_indexLoaders = new(StringComparer.Ordinal)
    {
        ["SCARHNSW"] = (stream, options) =>
        {
            var hnsw = HnswIndex.Load(stream);
            hnsw.EfSearch = Math.Max(options.EfSearch, options.SearchK);
            return hnsw;
        },
        ["SCARFLAT"] = (stream, _) => FlatIndex.Load(stream),
    };

    /// <summary>Writes a snapshot of a gallery.</summary>
    /// <param name="gallery">The gallery; changes wait while it is written.</param>
    /// <param name="stream">A writable stream; it is not closed.</param>
    /// <param name="storeVersion">The version of the store of record the gallery reflects (0 when there is none).</param>
    public static void Write(FaceGallery gallery, Stream stream, long storeVersion = 0)
    {
        ArgumentNullException.ThrowIfNull(gallery);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(storeVersion);
        gallery.ReadConsistent((nextId, identities, index) =>
        {
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            w.Write(Magic);
            w.Write(FormatVersion);
            w.Write(gallery.ModelId);
            w.Write(gallery.Dimension);
            w.Write(storeVersion);
            w.Write(nextId);
            w.Write(identities.Count);
            var vector = new float[gallery.Dimension];
            foreach (var (id, embeddingIds) in identities)
            {
                w.Write(id);
                w.Write(embeddingIds.Count);
                foreach (var e in embeddingIds)
                {
                    if (!index.TryGetVector(e, vector))
                    {
                        throw new InvalidOperationException($"Embedding {e} of '{id}' is missing from the index.");
                    }

                    w.Write(e);
                    w.Write(MemoryMarshal.AsBytes(vector.AsSpan()));
                }
            }

            using var buffer = new MemoryStream();
            index.Save(buffer);
            w.Write((byte)1);
            w.Write(buffer.Length);
            w.Flush();
            buffer.Position = 0;
            buffer.CopyTo(stream);
            w.Flush();
        });
    }

    /// <summary>Reads only the store version a snapshot was taken at (its header), without loading the gallery.</summary>
    /// <param name="stream">A readable stream at the snapshot; it is not closed.</param>
    /// <returns>The store version (0 for a snapshot written without one).</returns>
    /// <exception cref="InvalidDataException">Not a gallery snapshot, another version, or truncated.</exception>
    public static long ReadStoreVersion(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            return ReadHeader(r).StoreVersion;
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("The face gallery snapshot is truncated.", ex);
        }
    }

    /// <summary>Reads a snapshot written by <see cref="Write"/>.</summary>
    /// <param name="stream">A readable stream at the snapshot; it is not closed.</param>
    /// <param name="options">Thresholds; defaults when <see langword="null"/>.</param>
    /// <param name="expectedModelId">When given, a snapshot of another model is refused.</param>
    /// <param name="rebuildIndex">
    /// <see langword="true"/> to ignore the saved index and rebuild one of <see cref="FaceGalleryOptions.IndexKind"/> from
    /// the stored embeddings (after changing index parameters); the default loads the saved index for identical answers.
    /// </param>
    /// <returns>The gallery.</returns>
    /// <exception cref="InvalidDataException">Not a gallery snapshot, another version, another model, truncated or corrupt.</exception>
    public static FaceGallery Read(Stream stream, FaceGalleryOptions? options = null, string? expectedModelId = null, bool rebuildIndex = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            var (modelId, dim, _) = ReadHeader(r);
            if (expectedModelId is not null && !string.Equals(modelId, expectedModelId, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException($"The snapshot holds embeddings of model '{modelId}', not '{expectedModelId}'; re-enrol with the new model.");
            }

            var nextId = r.ReadInt64();
            var count = r.ReadInt32();
            if (count < 0 || nextId < 0)
            {
                throw new InvalidDataException($"Corrupt face gallery snapshot header (identities {count}, next id {nextId}).");
            }

            var records = new List<(string Id, long[] Ids, float[][] Vectors)>(count);
            for (var i = 0; i < count; i++)
            {
                var identityId = r.ReadString();
                var n = r.ReadInt32();
                if (n < 0 || n > 1_000_000)
                {
                    throw new InvalidDataException($"Corrupt face gallery snapshot: identity '{identityId}' has {n} embeddings.");
                }

                var ids = new long[n];
                var vectors = new float[n][];
                for (var j = 0; j < n; j++)
                {
                    ids[j] = r.ReadInt64();
                    vectors[j] = new float[dim];
                    r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(vectors[j].AsSpan()));
                }

                records.Add((identityId, ids, vectors));
            }

            options ??= new FaceGalleryOptions();
            var index = ReadIndex(r, options, rebuildIndex);
            if (index is not null && index.Dimension != dim)
            {
                throw new InvalidDataException($"The saved index has dimension {index.Dimension}, the gallery {dim}.");
            }

            return FaceGallery.Restore(dim, modelId, options, index, records, nextId);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("The face gallery snapshot is truncated.", ex);
        }
    }

    private static (string ModelId, int Dimension, long StoreVersion) ReadHeader(BinaryReader r)
    {
        Span<byte> magic = stackalloc byte[MagicLength];
        r.BaseStream.ReadExactly(magic);
        if (!magic.SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not a Scarlet face gallery snapshot (bad magic).");
        }

        // Version 1 (before store versions) is still read: the same layout without the store version.
        var version = r.ReadInt32();
        if (version is not (1 or FormatVersion))
        {
            throw new InvalidDataException($"Face gallery snapshot version {version} is not supported (this build reads 1 and {FormatVersion}).");
        }

        var modelId = r.ReadString();
        var dim = r.ReadInt32();
        var storeVersion = version == 1 ? 0 : r.ReadInt64();
        if (dim < 1 || dim > 65536 || storeVersion < 0)
        {
            throw new InvalidDataException($"Corrupt face gallery snapshot header (dimension {dim}, store version {storeVersion}).");
        }

        return (modelId, dim, storeVersion);
    }

    /// <summary>Reads the saved index, or <see langword="null"/> when there is none, it is to be rebuilt, or its format is unknown here.</summary>
    private static IVectorIndex? ReadIndex(BinaryReader r, FaceGalleryOptions options, bool rebuildIndex)
    {
        // Version 1 wrote a kind byte (1 HNSW, 2 flat); both versions: 0 means no saved index.
        var present = r.ReadByte();
        if (present == 0)
        {
            return null;
        }

        if (present > 2)
        {
            throw new InvalidDataException($"Corrupt face gallery snapshot: unknown index marker {present}.");
        }

        var length = r.ReadInt64();
        if (length < MagicLength || length > int.MaxValue)
        {
            throw new InvalidDataException($"Corrupt face gallery snapshot: index length {length}.");
        }

        var bytes = new byte[length];
        r.BaseStream.ReadExactly(bytes);
        if (rebuildIndex || !s_indexLoaders.TryGetValue(Encoding.ASCII.GetString(bytes, 0, MagicLength), out var load))
        {
            return null;
        }

        using var ms = new MemoryStream(bytes, writable: false);
        return load(ms, options);
    }
}
