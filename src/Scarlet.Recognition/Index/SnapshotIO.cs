using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Scarlet.Recognition.Index;

/// <summary>Running CRC-32C (Castagnoli), hardware accelerated through <see cref="BitOperations.Crc32C(uint, ulong)"/>.</summary>
internal struct Crc32C
{
    private uint _state;

    public Crc32C() => _state = uint.MaxValue;

    public readonly uint Value => ~_state;

    public void Append(ReadOnlySpan<byte> data)
    {
        var crc = _state;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        _state = crc;
    }
}

/// <summary>Writes little-endian primitives and arrays while tracking a CRC-32C of every byte written.</summary>
internal sealed class SnapshotWriter
{
    private readonly Stream _stream;
    private Crc32C _crc = new();

    public SnapshotWriter(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream is not writable.", nameof(stream));
        }

        SnapshotFormat.EnsureLittleEndian();
        _stream = stream;
    }

    public void Write<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        // Write in slices so one huge array does not need one huge call (and keeps CRC work cache-friendly).
        var bytes = MemoryMarshal.AsBytes(values);
        while (!bytes.IsEmpty)
        {
            var n = Math.Min(bytes.Length, 1 << 20);
            _crc.Append(bytes[..n]);
            _stream.Write(bytes[..n]);
            bytes = bytes[n..];
        }
    }

    public void Write<T>(T value)
        where T : unmanaged => Write(MemoryMarshal.CreateReadOnlySpan(ref value, 1));

    /// <summary>Writes the CRC of everything so far (the CRC bytes themselves are then included in later CRCs).</summary>
    public void WriteChecksum() => Write(_crc.Value);
}

/// <summary>Reads what <see cref="SnapshotWriter"/> wrote; truncation and checksum mismatches become <see cref="InvalidDataException"/>.</summary>
internal sealed class SnapshotReader
{
    private readonly Stream _stream;
    private readonly string _kind;
    private Crc32C _crc = new();

    public SnapshotReader(Stream stream, string kind)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream is not readable.", nameof(stream));
        }

        SnapshotFormat.EnsureLittleEndian();
        _stream = stream;
        _kind = kind;
    }

    public void Read<T>(Span<T> values)
        where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values);
        try
        {
            _stream.ReadExactly(bytes);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"The {_kind} snapshot is truncated: the stream ended before the data did.", ex);
        }

        _crc.Append(bytes);
    }

    public T Read<T>()
        where T : unmanaged
    {
        T value = default;
        Read(MemoryMarshal.CreateSpan(ref value, 1));
        return value;
    }

    public void ReadMagic(ReadOnlySpan<byte> magic)
    {
        Span<byte> found = stackalloc byte[magic.Length];
        Read(found);
        if (!found.SequenceEqual(magic))
        {
            throw new InvalidDataException($"Not a {_kind} snapshot: the stream does not start with the expected magic bytes.");
        }
    }

    /// <summary>Reads a stored CRC and compares it with the CRC of everything read before it.</summary>
    public void VerifyChecksum(string section)
    {
        var expected = _crc.Value;
        var stored = Read<uint>();
        if (stored != expected)
        {
            throw new InvalidDataException(string.Create(
                CultureInfo.InvariantCulture,
                $"The {_kind} snapshot is corrupt: the {section} checksum does not match (stored 0x{stored:X8}, computed 0x{expected:X8})."));
        }
    }

    public InvalidDataException Invalid(string what) => new($"The {_kind} snapshot is invalid: {what}.");
}

internal static class SnapshotFormat
{
    public static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Index snapshots are little-endian; this platform is big-endian.");
        }
    }
}
