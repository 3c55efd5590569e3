using System.Buffers;
using System.Numerics.Tensors;

namespace Scarlet.Recognition.Index;

/// <summary>
/// The exact index: every search compares the query with every stored vector (<see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>).
/// The reference that <see cref="HnswIndex"/> is measured against, and a fine choice for small galleries (a few thousand vectors).
/// </summary>
/// <remarks>Thread-safe: searches share a read lock, writes take the write lock.</remarks>
public sealed class FlatIndex : IVectorIndex
{
    private const int FormatVersion = 1;
    private static ReadOnlySpan<byte> Magic => "SCARFLAT"u8;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<long, int> _rowOf = [];
    private float[] _vectors;
    private long[] _ids;
    private int _count;

    /// <summary>Creates an empty index.</summary>
    /// <param name="dimension">The vector dimension, 1 to 65536.</param>
    /// <param name="initialCapacity">Room reserved up front (it grows beyond it).</param>
    public FlatIndex(int dimension, int initialCapacity = 1024)
    {
        VectorGuard.CheckDimension(dimension);
        ArgumentOutOfRangeException.ThrowIfLessThan(initialCapacity, 1);
        Dimension = dimension;
        _vectors = new float[(long)initialCapacity * dimension];
        _ids = new long[initialCapacity];
    }

    /// <inheritdoc/>
    public int Dimension { get; }

    /// <inheritdoc/>
    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Reads a snapshot written by <see cref="Save"/>.</summary>
    /// <param name="stream">A readable stream positioned at the snapshot; it is not closed.</param>
    /// <returns>The index, answering exactly as the saved one did.</returns>
    /// <exception cref="InvalidDataException">Not a FlatIndex snapshot, an unknown version, truncated or corrupt.</exception>
    public static FlatIndex Load(Stream stream)
    {
        var r = new SnapshotReader(stream, "FlatIndex");
        r.ReadMagic(Magic);
        var version = r.Read<int>();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"Unsupported FlatIndex snapshot version {version} (this build reads version {FormatVersion}).");
        }

        var dimension = r.Read<int>();
        var count = r.Read<int>();
        r.VerifyChecksum("header");
        if (dimension is < 1 or > 65_536 || count < 0 || (long)count * dimension > Array.MaxLength)
        {
            throw r.Invalid("dimension or count out of range");
        }

        var index = new FlatIndex(dimension, Math.Max(count, 1));
        r.Read(index._ids.AsSpan(0, count));
        r.Read(index._vectors.AsSpan(0, count * dimension));
        r.VerifyChecksum("data");
        for (var i = 0; i < count; i++)
        {
            if (!index._rowOf.TryAdd(index._ids[i], i))
            {
                throw r.Invalid($"id {index._ids[i]} appears twice");
            }
        }

        index._count = count;
        return index;
    }

    /// <inheritdoc/>
    public void Add(long id, ReadOnlySpan<float> vector)
    {
        var dim = Dimension;
        var buffer = ArrayPool<float>.Shared.Rent(dim);
        try
        {
            VectorGuard.Normalize(vector, buffer, dim, nameof(vector));
            _lock.EnterWriteLock();
            try
            {
                if (_rowOf.ContainsKey(id))
                {
                    throw VectorGuard.DuplicateId(id, nameof(id));
                }

                if (_count == _ids.Length)
                {
                    var capacity = (int)Math.Min((long)_ids.Length * 2, Array.MaxLength / dim);
                    if (capacity <= _count)
                    {
                        throw new InvalidOperationException("The index is full.");
                    }

                    Array.Resize(ref _ids, capacity);
                    Array.Resize(ref _vectors, capacity * dim);
                }

                buffer.AsSpan(0, dim).CopyTo(_vectors.AsSpan(_count * dim, dim));
                _ids[_count] = id;
                _rowOf.Add(id, _count);
                _count++;
            }
            finally
            {
                _lock.ExitWriteLock();
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc/>
    public void Remove(long id)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_rowOf.Remove(id, out var row))
            {
                throw VectorGuard.UnknownId(id, nameof(id));
            }

            // Move the last row into the hole so rows stay dense; then erase the old last row.
            var dim = Dimension;
            var last = _count - 1;
            if (row != last)
            {
                _vectors.AsSpan(last * dim, dim).CopyTo(_vectors.AsSpan(row * dim, dim));
                _ids[row] = _ids[last];
                _rowOf[_ids[row]] = row;
            }

            _vectors.AsSpan(last * dim, dim).Clear();
            _count = last;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <inheritdoc/>
    public bool Contains(long id)
    {
        _lock.EnterReadLock();
        try
        {
            return _rowOf.ContainsKey(id);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <inheritdoc/>
    public bool TryGetVector(long id, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Dimension, nameof(destination));
        _lock.EnterReadLock();
        try
        {
            if (!_rowOf.TryGetValue(id, out var row))
            {
                return false;
            }

            _vectors.AsSpan(row * Dimension, Dimension).CopyTo(destination);
            return true;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <inheritdoc/>
    public VectorMatch[] Search(ReadOnlySpan<float> query, int k)
    {
        VectorGuard.CheckK(k);
        var buffer = ArrayPool<VectorMatch>.Shared.Rent(k);
        try
        {
            var n = Search(query, buffer.AsSpan(0, k));
            return buffer.AsSpan(0, n).ToArray();
        }
        finally
        {
            ArrayPool<VectorMatch>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc/>
    public int Search(ReadOnlySpan<float> query, Span<VectorMatch> destination)
    {
        var k = destination.Length;
        VectorGuard.CheckK(k);
        var dim = Dimension;
        var q = ArrayPool<float>.Shared.Rent(dim);
        try
        {
            VectorGuard.Normalize(query, q, dim, nameof(query));
            var qs = q.AsSpan(0, dim);
            var heap = new MaxHeap(k + 1);
            _lock.EnterReadLock();
            try
            {
                var vectors = _vectors;
                for (var row = 0; row < _count; row++)
                {
                    var sim = TensorPrimitives.Dot(qs, vectors.AsSpan(row * dim, dim));

                    // Min-heap of the best k by pushing -sim: the top is the worst kept result.
                    if (heap.Count < k)
                    {
                        heap.Push(-sim, row);
                    }
                    else if (-sim < heap.Top.Key)
                    {
                        heap.Pop();
                        heap.Push(-sim, row);
                    }
                }

                var found = heap.Count;
                for (var i = found - 1; i >= 0; i--)
                {
                    var item = heap.Pop();
                    destination[i] = new VectorMatch(_ids[item.Node], -item.Key);
                }

                return found;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(q);
        }
    }

    /// <inheritdoc/>
    public void Save(Stream stream)
    {
        var w = new SnapshotWriter(stream);
        _lock.EnterReadLock();
        try
        {
            w.Write(Magic);
            w.Write(FormatVersion);
            w.Write(Dimension);
            w.Write(_count);
            w.WriteChecksum();
            w.Write<long>(_ids.AsSpan(0, _count));
            w.Write<float>(_vectors.AsSpan(0, _count * Dimension));
            w.WriteChecksum();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }
}
