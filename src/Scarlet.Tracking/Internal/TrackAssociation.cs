using System.Numerics.Tensors;
using Scarlet.Tracking.Assignment;
using Scarlet.Vision;

namespace Scarlet.Tracking.Internal;

/// <summary>
/// Gated optimal assignment of tracks to detections, shared by both tracker strategies: IoU (optionally fused with the
/// detection score), an appearance cue from the detections' normalised embeddings, and OC-SORT's direction-consistency
/// term. Owns the assignment solver and its buffers, so association allocates nothing after the first frames.
/// </summary>
/// <remarks>Not thread-safe: one instance per tracker.</remarks>
internal sealed class TrackAssociation(TrackerOptions options)
{
    private readonly LinearAssignment _lap = new();
    private double[] _cost = [];
    private int[] _rowToCol = [];
    private int[] _rowMap = [];
    private int[] _colMap = [];
    private bool[] _colUsed = [];
    private float[] _detEmbeddings = [];
    private int _embeddingDim;

    /// <summary>Gets the dimension of this frame's detection embeddings; 0 when the frame has none.</summary>
    public int EmbeddingDimension => _embeddingDim;

    /// <summary>Whether the last <see cref="Associate"/> gave detection <paramref name="detIndex"/> to a track.</summary>
    public bool IsUsed(int detIndex) => _colUsed.Length > detIndex && _colUsed[detIndex];

    /// <summary>This frame's normalised embedding of detection <paramref name="detIndex"/> (empty without embeddings).</summary>
    public ReadOnlySpan<float> DetectionEmbedding(int detIndex) =>
        _embeddingDim == 0 ? default : _detEmbeddings.AsSpan(detIndex * _embeddingDim, _embeddingDim);

    /// <summary>Takes this frame's embeddings (row-major, one per detection), L2-normalised into an owned buffer.</summary>
    /// <exception cref="ArgumentException">The embeddings do not split into the detections, or one is not finite.</exception>
    public void SetEmbeddings(int count, ReadOnlySpan<float> embeddings)
    {
        _embeddingDim = 0;
        if (embeddings.IsEmpty)
        {
            return;
        }

        if (count == 0 || embeddings.Length % count != 0)
        {
            throw new ArgumentException($"{embeddings.Length} embedding values do not split into {count} detections.", nameof(embeddings));
        }

        var dim = embeddings.Length / count;
        Buffers.EnsureCapacity(ref _detEmbeddings, embeddings.Length);
        for (var i = 0; i < count; i++)
        {
            var src = embeddings.Slice(i * dim, dim);
            var dst = _detEmbeddings.AsSpan(i * dim, dim);
            var norm = TensorPrimitives.Norm(src);
            if (!float.IsFinite(norm))
            {
                throw new ArgumentException($"Embedding {i} is not finite.", nameof(embeddings));
            }

            if (norm > 0)
            {
                TensorPrimitives.Divide(src, norm, dst);
            }
            else
            {
                dst.Clear();
            }
        }

        _embeddingDim = dim;
    }

    /// <summary>
    /// Optimal assignment of <paramref name="tracks"/> to the detections listed in <paramref name="detIndices"/>, with
    /// rejection: a pair is allowed when its similarity is at least <paramref name="minSimilarity"/>. Sets each
    /// matched track's <see cref="Track.DetectionIndex"/> and marks used detections (<see cref="IsUsed"/>).
    /// </summary>
    public void Associate(List<Track> tracks, List<int> detIndices, ReadOnlySpan<TrackerDetection> dets, float minSimilarity, bool fuseScore, bool useAppearance, int frame, float momentumWeight = 0, bool lastObservation = false)
    {
        Buffers.EnsureCapacity(ref _colUsed, dets.Length);
        foreach (var i in detIndices)
        {
            _colUsed[i] = false;
        }

        var n = tracks.Count;
        var m = detIndices.Count;
        if (n == 0 || m == 0)
        {
            return;
        }

        // Cost = 1 - similarity; maximising the summed gain (threshold - cost) over allowed pairs is the same optimum
        // as lapjv with cost_limit (ByteTrack), and lets rows and columns without an allowed pair drop out.
        var lostMaxCost = 1.0 - Math.Max(minSimilarity, options.LostMatchMinIoU);
        var trackedMaxCost = 1.0 - minSimilarity;
        Buffers.EnsureCapacity(ref _cost, n * m);
        Buffers.EnsureCapacity(ref _rowMap, n);
        Buffers.EnsureCapacity(ref _colMap, m);
        var appearance = useAppearance && _embeddingDim > 0;
        Span<bool> colAllowed = m <= 512 ? stackalloc bool[m] : new bool[m];
        var rows = 0;
        for (var r = 0; r < n; r++)
        {
            var t = tracks[r];
            var tb = lastObservation ? t.LastObservedBox : t.Box;
            var rowHasPair = false;
            var rowOffset = rows * m;
            var maxCost = t.State == TrackState.Lost ? lostMaxCost : trackedMaxCost;
            var momentum = momentumWeight > 0 && (t.DirectionX != 0 || t.DirectionY != 0);
            var (refX, refY) = momentum ? ReferenceObservation(t, frame) : (0.0, 0.0);
            for (var c = 0; c < m; c++)
            {
                var di = detIndices[c];
                var iou = BoundingBox.IoU(tb, dets[di].Box);
                double cost = 1.0 - (fuseScore ? iou * dets[di].Score : iou);
                if (appearance && t.EmbeddingBuffer is { } emb && emb.Length == _embeddingDim && iou >= options.AppearanceMinIoU)
                {
                    var embCost = (1.0 - TensorPrimitives.Dot(emb, _detEmbeddings.AsSpan(di * _embeddingDim, _embeddingDim))) / 2.0;
                    if (embCost <= options.AppearanceThreshold && embCost < cost)
                    {
                        cost = embCost;
                    }
                }

                var gain = cost < maxCost ? cost - maxCost : 0.0;
                if (momentum && gain < 0)
                {
                    // OC-SORT's direction consistency only re-ranks pairs the IoU gate allowed; keep them allowed.
                    gain = Math.Min(gain - (momentumWeight * dets[di].Score * DirectionAgreement(t, refX, refY, dets[di].Box)), -1e-9);
                }

                _cost[rowOffset + c] = gain;
                if (gain < 0)
                {
                    rowHasPair = true;
                    colAllowed[c] = true;
                }
            }

            if (rowHasPair)
            {
                _rowMap[rows++] = r;
            }
        }

        var cols = 0;
        for (var c = 0; c < m; c++)
        {
            if (colAllowed[c])
            {
                _colMap[cols++] = c;
            }
        }

        if (rows == 0)
        {
            return;
        }

        // Compact to the rows and columns that have at least one allowed pair.
        if (cols < m)
        {
            for (var r = 0; r < rows; r++)
            {
                for (var k = 0; k < cols; k++)
                {
                    _cost[(r * cols) + k] = _cost[(r * m) + _colMap[k]];
                }
            }
        }

        Buffers.EnsureCapacity(ref _rowToCol, rows);
        _lap.Solve(_cost.AsSpan(0, rows * cols), rows, cols, _rowToCol);
        for (var r = 0; r < rows; r++)
        {
            var k = _rowToCol[r];
            if (k < 0 || _cost[(r * cols) + k] >= 0)
            {
                continue;
            }

            var di = detIndices[_colMap[k]];
            tracks[_rowMap[r]].DetectionIndex = di;
            _colUsed[di] = true;
        }
    }

    /// <summary>
    /// OC-SORT's k_previous_obs: the observed centre from Δt frames before this one, else the nearest later one within
    /// Δt, else the latest observation.
    /// </summary>
    public static (double X, double Y) ReferenceObservation(Track t, int frame)
    {
        var ring = t.ObservationRing!;
        var frames = t.ObservationFrames!;
        var n = frames.Length;
        for (var dt = n; dt >= 1; dt--)
        {
            var target = frame - dt;
            for (var k = 0; k < n; k++)
            {
                if (frames[k] == target && target > 0)
                {
                    return (ring[2 * k], ring[(2 * k) + 1]);
                }
            }
        }

        var latest = (t.ObservationHead + n - 1) % n;
        return (ring[2 * latest], ring[(2 * latest) + 1]);
    }

    /// <summary>
    /// (π/2 − |Δθ|)/π in [−0.5, 0.5] (+0.5 when the detection lies straight ahead of the track's motion), scaled by how
    /// far the track's direction stands above jitter.
    /// </summary>
    private static double DirectionAgreement(Track t, double refX, double refY, BoundingBox det)
    {
        var dx = det.CenterX - refX;
        var dy = det.CenterY - refY;
        var norm = Math.Sqrt((dx * dx) + (dy * dy)) + 1e-6;
        var cos = Math.Clamp(((t.DirectionX * dx) + (t.DirectionY * dy)) / norm, -1, 1);
        return t.DirectionReliability * ((Math.PI / 2) - Math.Abs(Math.Acos(cos))) / Math.PI;
    }
}
