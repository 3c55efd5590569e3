using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Scarlet.Recognition.Index;

/// <summary>
/// Hierarchical Navigable Small World graph (Malkov &amp; Yashunin, 2018) for cosine similarity: approximate top-k
/// search in about log(n) distance computations, with add, remove and snapshots.
/// </summary>
/// <remarks>
/// <para>Layout (as hnswlib): vectors in one contiguous pinned <see cref="float"/> array by internal node, level-0
/// neighbour lists in one flat <see cref="int"/> array with 2*M slots per node, upper levels in a small array per
/// node; neighbours chosen by the heuristic of the paper's Algorithm 4; level multiplier 1/ln(M).</para>
/// <para>Concurrency: writers (<see cref="Add"/>, <see cref="Remove"/>, <see cref="Save"/>) are serialised by one
/// lock; searches take no lock. A writer fills a node's vector and links before any other node links to it, and
/// growth copies the arrays and publishes the copy, so a search running beside a write walks a valid graph
/// (possibly missing the vector being inserted) and never returns a removed id.</para>
/// <para>Removal erases the vector (zeroes it: face data must not linger), marks the node deleted and
/// reconnects its neighbours around it so the graph stays navigable; the node slot is not reused.</para>
/// <para>Determinism: levels come from a hash of (seed, node number), so the same seed and insert order give
/// the same graph, byte for byte in <see cref="Save"/>, also across a save and load.</para>
/// </remarks>
public sealed class HnswIndex : IVectorIndex
{
    private const int FormatVersion = 1;
    private const int MaxLevels = 32;
    private static ReadOnlySpan<byte> Magic => "SCARHNSW"u8;

    [ThreadStatic]
    private static SearchContext? t_context;

    private readonly Lock _writeLock = new();
    private readonly Dictionary<long, int> _nodeOf = [];
    private readonly int _dim;
    private readonly int _m;
    private readonly int _maxM0;
    private readonly int _efConstruction;
    private readonly long _seed;
    private readonly double _levelMult;
    private Storage _storage;
    private long _entry = -1; // (level << 32) | node, one atomic word so readers see a consistent pair; -1 = empty
    private int _nodeCount;
    private int _liveCount;
    private int _efSearch;

    /// <summary>Creates an empty index.</summary>
    /// <param name="dimension">The vector dimension, 1 to 65536.</param>
    /// <param name="options">Parameters; <see langword="null"/> for the defaults (M 16, efConstruction 200, efSearch 64).</param>
    /// <exception cref="ArgumentOutOfRangeException">The dimension or an option is out of range.</exception>
    public HnswIndex(int dimension, HnswIndexOptions? options = null)
    {
        VectorGuard.CheckDimension(dimension);
        options ??= new HnswIndexOptions();
        options.Validate();
        _dim = dimension;
        _m = options.M;
        _maxM0 = 2 * options.M;
        _efConstruction = options.EfConstruction;
        _efSearch = options.EfSearch;
        _seed = options.Seed;
        _levelMult = 1.0 / Math.Log(options.M);
        _storage = new Storage(options.InitialCapacity, dimension, _maxM0);
    }

    /// <inheritdoc/>
    public int Dimension => _dim;

    /// <inheritdoc/>
    public int Count => Volatile.Read(ref _liveCount);

    /// <summary>Gets the number of links per node on upper levels (2*M on level 0).</summary>
    public int M => _m;

    /// <summary>Gets the candidate-list size used while inserting.</summary>
    public int EfConstruction => _efConstruction;

    /// <summary>Gets the seed of the level generator.</summary>
    public long Seed => _seed;

    /// <summary>Gets or sets the default candidate-list size for searches (raised to k when smaller).</summary>
    public int EfSearch
    {
        get => Volatile.Read(ref _efSearch);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Volatile.Write(ref _efSearch, value);
        }
    }

    /// <summary>Gets the number of graph nodes, removed ones included (their slots are not reused).</summary>
    public int NodeCount => Volatile.Read(ref _nodeCount);

    /// <summary>Gets an estimate of the bytes held by the index (arrays at their reserved capacity, id map and upper links).</summary>
    public long MemoryBytes
    {
        get
        {
            lock (_writeLock)
            {
                var s = _storage;
                long bytes = (long)s.Vectors.Length * sizeof(float) + (long)s.Links0.Length * sizeof(int)
                    + (long)s.Ids.Length * sizeof(long) + s.Levels.Length + s.Deleted.Length + ((long)s.Upper.Length * IntPtr.Size);
                for (var i = 0; i < _nodeCount; i++)
                {
                    if (s.Upper[i] is { } up)
                    {
                        bytes += 24 + ((long)up.Length * sizeof(int)); // array header + payload
                    }
                }

                // Dictionary<long,int>: ~24-byte entry + 4-byte bucket per slot.
                return bytes + ((long)_nodeOf.EnsureCapacity(0) * 28);
            }
        }
    }

    /// <summary>Reads a snapshot written by <see cref="Save"/>.</summary>
    /// <param name="stream">A readable stream positioned at the snapshot; it is not closed.</param>
    /// <returns>The index, with the same graph, parameters and answers as the saved one.</returns>
    /// <exception cref="InvalidDataException">Not an HnswIndex snapshot, an unknown version, truncated or corrupt.</exception>
    public static HnswIndex Load(Stream stream)
    {
        var r = new SnapshotReader(stream, "HnswIndex");
        r.ReadMagic(Magic);
        var version = r.Read<int>();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"Unsupported HnswIndex snapshot version {version} (this build reads version {FormatVersion}).");
        }

        var dim = r.Read<int>();
        var m = r.Read<int>();
        var efc = r.Read<int>();
        var efs = r.Read<int>();
        var seed = r.Read<long>();
        var nodeCount = r.Read<int>();
        var liveCount = r.Read<int>();
        var entry = r.Read<long>();
        r.VerifyChecksum("header");
        if (dim is < 1 or > 65_536 || m is < 2 or > 128 || efc is < 1 or > 100_000 || efs is < 1 or > 100_000
            || nodeCount < 0 || liveCount < 0 || liveCount > nodeCount
            || (long)nodeCount * dim > Array.MaxLength || (long)nodeCount * ((2 * m) + 1) > Array.MaxLength)
        {
            throw r.Invalid("a parameter or count is out of range");
        }

        var index = new HnswIndex(dim, new HnswIndexOptions { M = m, EfConstruction = efc, EfSearch = efs, Seed = seed, InitialCapacity = Math.Max(nodeCount, 1) });
        var s = index._storage;
        r.Read(s.Ids.AsSpan(0, nodeCount));
        r.Read(s.Levels.AsSpan(0, nodeCount));
        r.Read(s.Deleted.AsSpan(0, nodeCount));
        r.Read(s.Vectors.AsSpan(0, nodeCount * dim));
        r.Read(s.Links0.AsSpan(0, nodeCount * s.Stride0));
        var upperStride = m + 1;
        for (var i = 0; i < nodeCount; i++)
        {
            int level = s.Levels[i];
            if (level >= MaxLevels)
            {
                throw r.Invalid($"node {i} has level {level}");
            }

            if (level > 0)
            {
                var up = new int[level * upperStride];
                r.Read(up.AsSpan());
                s.Upper[i] = up;
            }
        }

        r.VerifyChecksum("data");
        index.ValidateLoaded(r, nodeCount, liveCount, entry);
        index._nodeCount = nodeCount;
        index._liveCount = liveCount;
        index._entry = entry;
        return index;
    }

    /// <inheritdoc/>
    public void Add(long id, ReadOnlySpan<float> vector)
    {
        var buffer = ArrayPool<float>.Shared.Rent(_dim);
        try
        {
            VectorGuard.Normalize(vector, buffer, _dim, nameof(vector));
            lock (_writeLock)
            {
                if (_nodeOf.ContainsKey(id))
                {
                    throw VectorGuard.DuplicateId(id, nameof(id));
                }

                Insert(id, buffer.AsSpan(0, _dim));
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
        lock (_writeLock)
        {
            if (!_nodeOf.Remove(id, out var node))
            {
                throw VectorGuard.UnknownId(id, nameof(id));
            }

            var s = _storage;

            // Mark first so a concurrent search stops reporting it, then erase the values.
            Volatile.Write(ref s.Deleted[node], 1);
            s.Vector(node).Clear();
            Volatile.Write(ref _liveCount, _liveCount - 1);
            if (_liveCount == 0)
            {
                // Nothing live: start a fresh graph on the next add (old nodes stay as unreachable tombstones).
                Volatile.Write(ref _entry, -1);
                return;
            }

            Reconnect(s, node);
            if ((int)_entry == node)
            {
                ChooseNewEntry(s);
            }
        }
    }

    /// <inheritdoc/>
    public bool Contains(long id)
    {
        lock (_writeLock)
        {
            return _nodeOf.ContainsKey(id);
        }
    }

    /// <inheritdoc/>
    public bool TryGetVector(long id, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, _dim, nameof(destination));
        lock (_writeLock)
        {
            if (!_nodeOf.TryGetValue(id, out var node))
            {
                return false;
            }

            _storage.Vector(node).CopyTo(destination);
            return true;
        }
    }

    /// <inheritdoc/>
    public VectorMatch[] Search(ReadOnlySpan<float> query, int k) => Search(query, k, EfSearch);

    /// <summary>Finds the <paramref name="k"/> most similar vectors, best first, with a given candidate-list size.</summary>
    /// <param name="query">The query, of length <see cref="Dimension"/>, finite and not zero.</param>
    /// <param name="k">How many results at most (1 or more).</param>
    /// <param name="ef">The candidate-list size (recall versus speed); raised to <paramref name="k"/> when smaller.</param>
    /// <returns>The matches, most similar first.</returns>
    public VectorMatch[] Search(ReadOnlySpan<float> query, int k, int ef)
    {
        VectorGuard.CheckK(k);
        var buffer = ArrayPool<VectorMatch>.Shared.Rent(k);
        try
        {
            var n = Search(query, buffer.AsSpan(0, k), ef);
            return buffer.AsSpan(0, n).ToArray();
        }
        finally
        {
            ArrayPool<VectorMatch>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc/>
    public int Search(ReadOnlySpan<float> query, Span<VectorMatch> destination) => Search(query, destination, EfSearch);

    /// <summary>Finds the most similar vectors without allocating, best first, with a given candidate-list size.</summary>
    /// <param name="query">The query, of length <see cref="Dimension"/>, finite and not zero.</param>
    /// <param name="destination">Receives up to <c>destination.Length</c> matches (k = its length, 1 or more).</param>
    /// <param name="ef">The candidate-list size; raised to k when smaller.</param>
    /// <returns>The number of matches written.</returns>
    public int Search(ReadOnlySpan<float> query, Span<VectorMatch> destination, int ef)
    {
        var k = destination.Length;
        VectorGuard.CheckK(k);
        ArgumentOutOfRangeException.ThrowIfLessThan(ef, 1);
        var ctx = t_context ??= new SearchContext();
        var q = ctx.Query(_dim);
        VectorGuard.Normalize(query, q, _dim, nameof(query));
        if (Volatile.Read(ref _liveCount) == 0)
        {
            return 0;
        }

        // Entry before storage: the storage read afterwards is at least as new, so it holds the entry node.
        var entry = Volatile.Read(ref _entry);
        var s = Volatile.Read(ref _storage);
        if (entry < 0)
        {
            return 0;
        }

        var ep = (int)entry;
        var top = (int)(entry >> 32);
        var epSim = GreedyDescend(s, q, ref ep, top, 0);
        SearchLayer(s, ctx, q, ep, epSim, 0, Math.Max(ef, k));

        var results = ctx.Results;
        while (results.Count > k)
        {
            results.Pop();
        }

        var found = results.Count;
        for (var i = found - 1; i >= 0; i--)
        {
            var item = results.Pop();
            destination[i] = new VectorMatch(s.Ids[item.Node], -item.Key);
        }

        return found;
    }

    /// <inheritdoc/>
    public void Save(Stream stream)
    {
        var w = new SnapshotWriter(stream);
        lock (_writeLock)
        {
            var s = _storage;
            var n = _nodeCount;
            w.Write(Magic);
            w.Write(FormatVersion);
            w.Write(_dim);
            w.Write(_m);
            w.Write(_efConstruction);
            w.Write(EfSearch);
            w.Write(_seed);
            w.Write(n);
            w.Write(_liveCount);
            w.Write(_entry);
            w.WriteChecksum();
            w.Write<long>(s.Ids.AsSpan(0, n));
            w.Write<byte>(s.Levels.AsSpan(0, n));
            w.Write<byte>(s.Deleted.AsSpan(0, n));
            w.Write<float>(s.Vectors.AsSpan(0, n * _dim));
            w.Write<int>(s.Links0.AsSpan(0, n * s.Stride0));
            for (var i = 0; i < n; i++)
            {
                if (s.Upper[i] is { } up)
                {
                    w.Write<int>(up);
                }
            }

            w.WriteChecksum();
        }
    }

    private static float Dot(Storage s, ReadOnlySpan<float> q, int node) =>
        VectorMath.Dot(q, new ReadOnlySpan<float>(s.Vectors, node * s.Dim, s.Dim));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch(Storage s, int node)
    {
        if (Sse.IsSupported)
        {
            // The arrays live on the pinned object heap, so the address is stable; a prefetch never faults.
            Sse.Prefetch0((byte*)s.VectorsPtr + ((long)node * s.Dim * sizeof(float)));
        }
    }

    /// <summary>Level of node number <paramref name="node"/>: -ln(U) / ln(M), U from SplitMix64(seed, node).</summary>
    private int LevelFor(int node)
    {
        var z = unchecked((ulong)_seed + ((ulong)(node + 1) * 0x9E3779B97F4A7C15UL));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        var u = ((z >> 11) + 1) * (1.0 / (1UL << 53)); // (0, 1]
        var level = (int)(-Math.Log(u) * _levelMult);
        return Math.Min(level, MaxLevels - 1);
    }

    /// <summary>Greedy walk (ef = 1) from <paramref name="top"/> down to <paramref name="bottom"/> + 1; returns the similarity of the node reached.</summary>
    private float GreedyDescend(Storage s, ReadOnlySpan<float> q, ref int node, int top, int bottom)
    {
        var sim = Dot(s, q, node);
        for (var level = top; level > bottom; level--)
        {
            var changed = true;
            while (changed)
            {
                changed = false;
                var links = s.LinksAt(node, level, _m);
                var count = Math.Min(Volatile.Read(ref links[0]), links.Length - 1);
                for (var i = 1; i <= count; i++)
                {
                    var n = links[i];
                    var d = Dot(s, q, n);
                    if (d > sim)
                    {
                        sim = d;
                        node = n;
                        changed = true;
                    }
                }
            }
        }

        return sim;
    }

    /// <summary>
    /// Beam search on one level (Algorithm 2). Leaves the best <paramref name="ef"/> live nodes in
    /// <c>ctx.Results</c> (a heap keyed by -similarity: the top is the worst kept). Removed nodes are walked through
    /// but never kept.
    /// </summary>
    private void SearchLayer(Storage s, SearchContext ctx, ReadOnlySpan<float> q, int ep, float epSim, int level, int ef)
    {
        var visited = ctx.StartVisit(s.Capacity);
        var stamp = ctx.Stamp;
        var candidates = ctx.Candidates;
        var results = ctx.Results;
        candidates.Clear();
        results.Clear();
        var deleted = s.Deleted;
        var anyDeleted = Volatile.Read(ref _liveCount) != Volatile.Read(ref _nodeCount);

        visited[ep] = stamp;
        var lowerBound = float.NegativeInfinity;
        if (!anyDeleted || deleted[ep] == 0)
        {
            results.Push(-epSim, ep);
            lowerBound = epSim;
        }

        candidates.Push(epSim, ep);
        while (candidates.Count > 0)
        {
            var current = candidates.Top;
            if (current.Key < lowerBound && results.Count >= ef)
            {
                break;
            }

            candidates.Pop();
            var links = level == 0 ? s.Links0Of(current.Node) : s.LinksAt(current.Node, level, _m);
            var count = Math.Min(Volatile.Read(ref links[0]), links.Length - 1);
            for (var i = 1; i <= count; i++)
            {
                Prefetch(s, links[i]);
            }

            for (var i = 1; i <= count; i++)
            {
                var n = links[i];
                if (visited[n] == stamp)
                {
                    continue;
                }

                visited[n] = stamp;
                var sim = Dot(s, q, n);
                if (results.Count < ef || sim > lowerBound)
                {
                    candidates.Push(sim, n);
                    if (!anyDeleted || deleted[n] == 0)
                    {
                        results.Push(-sim, n);
                        if (results.Count > ef)
                        {
                            results.Pop();
                        }

                        lowerBound = -results.Top.Key;
                    }
                }
            }
        }
    }

    private void Insert(long id, ReadOnlySpan<float> vector)
    {
        var node = _nodeCount;
        var s = EnsureCapacity(node + 1);
        var level = LevelFor(node);

        // Fill the node completely before anything links to it.
        vector.CopyTo(s.Vector(node));
        s.Ids[node] = id;
        s.Levels[node] = (byte)level;
        s.Deleted[node] = 0;
        if (level > 0)
        {
            s.Upper[node] = new int[level * (_m + 1)];
        }

        _nodeOf.Add(id, node);
        Volatile.Write(ref _nodeCount, node + 1);
        var entry = _entry;
        if (entry < 0)
        {
            Volatile.Write(ref _entry, ((long)level << 32) | (uint)node);
            Volatile.Write(ref _liveCount, _liveCount + 1);
            return;
        }

        var ctx = t_context ??= new SearchContext();
        var ep = (int)entry;
        var topLevel = (int)(entry >> 32);
        var epSim = GreedyDescend(s, vector, ref ep, topLevel, level);
        for (var lc = Math.Min(level, topLevel); lc >= 0; lc--)
        {
            SearchLayer(s, ctx, vector, ep, epSim, lc, _efConstruction);
            if (ctx.Results.Count == 0)
            {
                continue; // only removed nodes around: nothing to link to on this level
            }

            SelectNeighbours(s, ctx.Results, ctx, _m);

            // The closest selected node is the entry for the next level down.
            var count = ctx.SelectedCount;
            ep = ctx.Selected[0].Node;
            epSim = ctx.Selected[0].Key;
            var own = lc == 0 ? s.Links0Of(node) : s.LinksAt(node, lc, _m);
            for (var i = 0; i < count; i++)
            {
                own[i + 1] = ctx.Selected[i].Node;
            }

            own[0] = count;
        }

        // Only now link back, once the node's lists are complete on every level: a search that reaches it on an
        // upper level must find its level-0 list filled when it descends.
        Interlocked.MemoryBarrier();
        for (var lc = Math.Min(level, topLevel); lc >= 0; lc--)
        {
            var own = lc == 0 ? s.Links0Of(node) : s.LinksAt(node, lc, _m);
            var count = own[0];
            var chosen = ctx.Chosen(count);
            for (var i = 0; i < count; i++)
            {
                chosen[i] = new HeapItem(Dot(s, vector, own[i + 1]), own[i + 1]);
            }

            // Connect reuses the context's selection buffers, so walk a copy.
            for (var i = 0; i < count; i++)
            {
                Connect(s, ctx, chosen[i].Node, node, chosen[i].Key, lc);
            }
        }

        if (level > topLevel)
        {
            Volatile.Write(ref _entry, ((long)level << 32) | (uint)node);
        }

        Volatile.Write(ref _liveCount, _liveCount + 1);
    }

    /// <summary>Adds the link <paramref name="from"/> → <paramref name="to"/>, pruning with the heuristic when the list is full.</summary>
    private void Connect(Storage s, SearchContext ctx, int from, int to, float sim, int level)
    {
        var links = level == 0 ? s.Links0Of(from) : s.LinksAt(from, level, _m);
        var max = links.Length - 1;
        var count = links[0];
        if (count < max)
        {
            links[count + 1] = to;
            Volatile.Write(ref links[0], count + 1);
            return;
        }

        var pool = ctx.Prune;
        pool.Clear();
        pool.Push(-sim, to);
        var fromVector = s.Vector(from);
        for (var i = 1; i <= count; i++)
        {
            pool.Push(-Dot(s, fromVector, links[i]), links[i]);
        }

        SelectNeighbours(s, pool, ctx, max);
        WriteLinks(links, ctx);
    }

    private static void WriteLinks(Span<int> links, SearchContext ctx)
    {
        // Entries first, count last: a concurrent reader sees either list length, and every entry is a valid node.
        var n = ctx.SelectedCount;
        for (var i = 0; i < n; i++)
        {
            links[i + 1] = ctx.Selected[i].Node;
        }

        Volatile.Write(ref links[0], n);
    }

    /// <summary>
    /// Algorithm 4 (hnswlib's getNeighborsByHeuristic2): walk candidates from closest; keep one only if it is closer
    /// to the base than to every kept one. Consumes <paramref name="heap"/> (keyed by -similarity) and leaves the
    /// kept nodes, closest first, in <c>ctx.Selected</c> with their similarity to the base.
    /// </summary>
    private static void SelectNeighbours(Storage s, MaxHeap heap, SearchContext ctx, int max)
    {
        var sorted = ctx.Sorted(heap.Count);
        var n = heap.Count;
        for (var i = n - 1; i >= 0; i--)
        {
            var item = heap.Pop();
            sorted[i] = new HeapItem(-item.Key, item.Node); // closest first
        }

        var selected = ctx.SelectedBuffer(max);
        var kept = 0;
        if (n <= max)
        {
            sorted.AsSpan(0, n).CopyTo(selected);
            ctx.SelectedCount = n;
            return;
        }

        for (var i = 0; i < n && kept < max; i++)
        {
            var candidate = sorted[i];
            var cv = s.Vector(candidate.Node);
            var good = true;
            for (var j = 0; j < kept; j++)
            {
                if (VectorMath.Dot(cv, s.Vector(selected[j].Node)) > candidate.Key)
                {
                    good = false;
                    break;
                }
            }

            if (good)
            {
                selected[kept++] = candidate;
            }
        }

        ctx.SelectedCount = kept;
    }

    /// <summary>
    /// After removing <paramref name="node"/>, every live neighbour that linked back to it gets a new list chosen
    /// (by the heuristic) from its old neighbours and the removed node's neighbours, so paths through the removed
    /// node are kept.
    /// </summary>
    private void Reconnect(Storage s, int node)
    {
        var ctx = t_context ??= new SearchContext();
        for (int level = s.Levels[node]; level >= 0; level--)
        {
            var lostLinks = level == 0 ? s.Links0Of(node) : s.LinksAt(node, level, _m);
            var lost = lostLinks[1..(lostLinks[0] + 1)].ToArray();
            foreach (var a in lost)
            {
                if (s.Deleted[a] != 0)
                {
                    continue;
                }

                var links = level == 0 ? s.Links0Of(a) : s.LinksAt(a, level, _m);
                var count = links[0];
                if (links.Slice(1, count).IndexOf(node) < 0)
                {
                    continue;
                }

                var visited = ctx.StartVisit(s.Capacity);
                var stamp = ctx.Stamp;
                visited[a] = stamp;
                visited[node] = stamp;
                var pool = ctx.Prune;
                pool.Clear();
                var av = s.Vector(a);
                for (var pass = 0; pass < 2; pass++)
                {
                    var source = pass == 0 ? links.Slice(1, count) : lost.AsSpan();
                    foreach (var c in source)
                    {
                        if (visited[c] == stamp || s.Deleted[c] != 0)
                        {
                            continue;
                        }

                        visited[c] = stamp;
                        pool.Push(-Dot(s, av, c), c);
                    }
                }

                SelectNeighbours(s, pool, ctx, links.Length - 1);
                WriteLinks(links, ctx);
            }
        }
    }

    private void ChooseNewEntry(Storage s)
    {
        var best = -1;
        var bestLevel = -1;
        for (var i = 0; i < _nodeCount; i++)
        {
            if (s.Deleted[i] == 0 && s.Levels[i] > bestLevel)
            {
                best = i;
                bestLevel = s.Levels[i];
            }
        }

        // With nothing live the old entry stays: searches return early on a zero count.
        if (best >= 0)
        {
            Volatile.Write(ref _entry, ((long)bestLevel << 32) | (uint)best);
        }
    }

    private Storage EnsureCapacity(int needed)
    {
        var s = _storage;
        if (needed <= s.Capacity)
        {
            return s;
        }

        var capacity = (int)Math.Min(Math.Max((long)s.Capacity * 2, needed), Math.Min(Array.MaxLength / _dim, Array.MaxLength / s.Stride0));
        if (capacity < needed)
        {
            throw new InvalidOperationException("The index cannot grow any further.");
        }

        // Copy and publish: searches still holding the old storage walk a frozen but valid graph.
        var grown = new Storage(capacity, _dim, _maxM0);
        s.CopyTo(grown, _nodeCount);
        Volatile.Write(ref _storage, grown);
        return grown;
    }

    private void ValidateLoaded(SnapshotReader r, int nodeCount, int liveCount, long entry)
    {
        var s = _storage;
        var live = 0;
        for (var i = 0; i < nodeCount; i++)
        {
            if (s.Deleted[i] > 1)
            {
                throw r.Invalid($"node {i} has a bad deleted mark");
            }

            if (s.Deleted[i] == 0)
            {
                live++;
                if (!_nodeOf.TryAdd(s.Ids[i], i))
                {
                    throw r.Invalid($"id {s.Ids[i]} appears twice");
                }
            }

            for (var level = 0; level <= s.Levels[i]; level++)
            {
                var links = level == 0 ? s.Links0Of(i) : s.LinksAt(i, level, _m);
                var count = links[0];
                if (count < 0 || count > links.Length - 1)
                {
                    throw r.Invalid($"node {i} has {count} links on level {level}");
                }

                foreach (var n in links.Slice(1, count))
                {
                    if ((uint)n >= (uint)nodeCount || s.Levels[n] < level)
                    {
                        throw r.Invalid($"node {i} links to a bad node {n} on level {level}");
                    }
                }
            }
        }

        var entryNode = (int)entry;
        var entryLevel = (int)(entry >> 32);
        var entryOk = entry == -1 ? liveCount == 0 : (uint)entryNode < (uint)nodeCount && entryLevel == s.Levels[entryNode] && s.Deleted[entryNode] == 0;
        if (live != liveCount || !entryOk)
        {
            throw r.Invalid("the live count or the entry point does not match the nodes");
        }
    }

    /// <summary>The arrays of the graph; replaced as a whole when the index grows.</summary>
    private sealed unsafe class Storage
    {
        public readonly int Capacity;
        public readonly int Dim;
        public readonly int Stride0;
        public readonly float[] Vectors;
        public readonly void* VectorsPtr;
        public readonly int[] Links0;
        public readonly int[]?[] Upper;
        public readonly long[] Ids;
        public readonly byte[] Levels;
        public readonly byte[] Deleted;

        public Storage(int capacity, int dim, int maxM0)
        {
            Capacity = capacity;
            Dim = dim;
            Stride0 = maxM0 + 1;

            // Pinned: stable addresses for prefetching, and the GC never moves these large arrays.
            Vectors = GC.AllocateArray<float>(capacity * dim, pinned: true);
            VectorsPtr = Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Vectors));
            Links0 = GC.AllocateArray<int>(capacity * Stride0, pinned: true);
            Upper = new int[]?[capacity];
            Ids = new long[capacity];
            Levels = new byte[capacity];
            Deleted = new byte[capacity];
        }

        public Span<float> Vector(int node) => Vectors.AsSpan(node * Dim, Dim);

        public Span<int> Links0Of(int node) => Links0.AsSpan(node * Stride0, Stride0);

        public Span<int> LinksAt(int node, int level, int m) =>
            level == 0 ? Links0Of(node) : Upper[node].AsSpan((level - 1) * (m + 1), m + 1);

        public void CopyTo(Storage target, int count)
        {
            Vectors.AsSpan(0, count * Dim).CopyTo(target.Vectors);
            Links0.AsSpan(0, count * Stride0).CopyTo(target.Links0);
            Ids.AsSpan(0, count).CopyTo(target.Ids);
            Levels.AsSpan(0, count).CopyTo(target.Levels);
            Deleted.AsSpan(0, count).CopyTo(target.Deleted);
            for (var i = 0; i < count; i++)
            {
                // Deep copy: later writes to the new lists must not reach readers of the old storage.
                target.Upper[i] = (int[]?)Upper[i]?.Clone();
            }
        }
    }

    /// <summary>Per-thread search state: visited stamps, heaps and buffers, reused across searches.</summary>
    private sealed class SearchContext
    {
        private ushort[] _visited = [];
        private float[] _query = [];
        private HeapItem[] _sorted = new HeapItem[64];
        private HeapItem[] _selected = new HeapItem[64];
        private HeapItem[] _chosen = new HeapItem[64];

        public MaxHeap Candidates { get; } = new(256);

        public MaxHeap Results { get; } = new(256);

        public MaxHeap Prune { get; } = new(64);

        public ushort Stamp { get; private set; }

        public HeapItem[] Selected => _selected;

        public int SelectedCount { get; set; }

        public Span<float> Query(int dim)
        {
            if (_query.Length < dim)
            {
                _query = new float[dim];
            }

            return _query.AsSpan(0, dim);
        }

        /// <summary>Starts a visit: 16-bit stamps (half the cache footprint of ints), cleared once every 65535 visits.</summary>
        public ushort[] StartVisit(int capacity)
        {
            if (_visited.Length < capacity)
            {
                _visited = new ushort[capacity];
                Stamp = 0;
            }

            if (++Stamp == ushort.MaxValue)
            {
                Array.Clear(_visited);
                Stamp = 1;
            }

            return _visited;
        }

        public HeapItem[] Sorted(int n)
        {
            if (_sorted.Length < n)
            {
                _sorted = new HeapItem[Math.Max(n, _sorted.Length * 2)];
            }

            return _sorted;
        }

        public HeapItem[] Chosen(int n)
        {
            if (_chosen.Length < n)
            {
                _chosen = new HeapItem[Math.Max(n, _chosen.Length * 2)];
            }

            return _chosen;
        }

        public HeapItem[] SelectedBuffer(int n)
        {
            if (_selected.Length < n)
            {
                _selected = new HeapItem[Math.Max(n, _selected.Length * 2)];
            }

            return _selected;
        }
    }
}
