using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// The benchmark file format (little-endian): int32 rows, int32 columns, then rows x columns values row-major
/// (float32 for <c>.base.bin</c>/<c>.query.bin</c>, int32 for <c>.gt.bin</c>/<c>.qlabels.bin</c>).
/// </summary>
internal static class HnswBinaryFiles
{
    public static void Write<T>(string path, int rows, int cols, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        if ((long)rows * cols != values.Length)
        {
            throw new ArgumentException($"{path}: {values.Length} values do not make {rows} x {cols}.", nameof(values));
        }

        EnsureLittleEndian();
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(header, rows);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], cols);
        fs.Write(header);
        fs.Write(MemoryMarshal.AsBytes(values));
    }

    public static T[] Read<T>(string path, out int rows, out int cols)
        where T : unmanaged
    {
        EnsureLittleEndian();
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Benchmark file not found: {path}", path);
        }

        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        Span<byte> header = stackalloc byte[8];
        try
        {
            fs.ReadExactly(header);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"{path}: shorter than its 8-byte header.", ex);
        }

        rows = BinaryPrimitives.ReadInt32LittleEndian(header);
        cols = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        var expected = 8 + ((long)rows * cols * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        if (rows < 0 || cols < 1 || (long)rows * cols > Array.MaxLength || fs.Length != expected)
        {
            throw new InvalidDataException($"{path}: header says {rows} x {cols} ({expected} bytes) but the file has {fs.Length} bytes.");
        }

        var values = GC.AllocateUninitializedArray<T>(rows * cols);
        fs.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The benchmark files are little-endian.");
        }
    }
}
