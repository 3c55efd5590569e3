using System.Numerics.Tensors;
using Scarlet.Tracking.Assignment;
using Scarlet.Tracking.Internal;
using Scarlet.Vision;

namespace Scarlet.Tracking;

/// <summary>
/// Online multi-object tracker for one camera: Kalman filter on the box, optimal (Jonker-Volgenant) assignment,
/// ByteTrack's two-stage association with an optional appearance cue, or the SORT baseline
/// (<see cref="TrackerOptions.Mode"/>). Deterministic: the same detections give the same ids. No camera-motion
/// compensation (fixed cameras).
/// </summary>
/// <remarks>
/// Not thread-safe: one instance per camera, fed frames in order. After the first frames the update allocates
/// nothing except new <see cref="Track"/> objects (and their embedding buffers).
/// </remarks>
public sealed class MultiObjectTracker
{
    // ByteTrack's Kalman noise: weights relative to the box height.
    private const double StdWeightPosition = 1.0 / 20;
    private const double StdWeightVelocity = 1.0 / 160;

    private static readonly double[] s_sortQ = [1, 1, 1, 1, 0.01, 0.01, 1e-4];
    private static readonly double[] s_sortR = [1, 1, 10, 10];

    private readonly TrackerOptions _options;
    private readonly int _maxTimeLost;
    private readonly LinearAssignment _lap = new();
    private readonly List<Track> _tracked = [];      // tentative + confirmed (ByteTrack's tracked_stracks); all SORT tracks
    private readonly List<Track> _lost = [];
    private readonly List<Track> _output = [];
    private readonly List<Track> _removed = [];
    private readonly List<Track> _pool = [];
    private readonly List<Track> _unconfirmed = [];
    private readonly List<Track> _scratchTracks = [];
    private readonly List<Track> _newTracked = [];
    private readonly List<int> _high = [];
    private readonly List<int> _low = [];
    private readonly List<int> _remainingDets = [];
    private readonly List<int> _remainingTracks = [];
    private double[] _cost = [];
    private int[] _rowToCol = [];
    private int[] _rowMap = [];
    private int[] _colMap = [];
    private bool[] _colUsed = [];
    private float[] _detEmbeddings = [];
    private int _embeddingDim;
    private int _nextId = 1;

    /// <summary>Creates a tracker.</summary>
    /// <param name="options">The options; copied, so later changes have no effect.</param>
    /// <exception cref="ArgumentException">The options are invalid (the message lists every problem).</exception>
    public MultiObjectTracker(TrackerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid tracker options: " + string.Join(" ", errors), nameof(options));
        }

        _options = options.Clone();
        _maxTimeLost = (int)(_options.FrameRate / 30.0 * _options.LostTrackBuffer);
    }

    /// <summary>Gets the number of frames processed.</summary>
    public int FrameCount { get; private set; }

    /// <summary>Gets the tracks removed during the last update (their final state is <see cref="TrackState.Removed"/>).</summary>
    public IReadOnlyList<Track> RemovedTracks => _removed;

    /// <summary>Gets every live track: tentative, confirmed and lost.</summary>
    public IReadOnlyList<Track> LiveTracks
    {
        get
        {
            var all = new List<Track>(_tracked.Count + _lost.Count);
            all.AddRange(_tracked);
            all.AddRange(_lost);
            return all;
        }
    }

    /// <summary>Processes the next frame.</summary>
    /// <param name="detections">This frame's detections (may be empty).</param>
    /// <param name="embeddings">
    /// Optional appearance embeddings, row-major, one per detection (length = detections × dimension, any dimension,
    /// the same every frame); empty for IoU-only tracking. Normalised internally.
    /// </param>
    /// <returns>
    /// The confirmed tracks matched in this frame, in a stable order. The list and the tracks are reused by the next
    /// call: copy what you need to keep.
    /// </returns>
    /// <exception cref="ArgumentException">The embeddings do not fit the detections, or a box or score is not finite.</exception>
    public IReadOnlyList<Track> Update(ReadOnlySpan<TrackerDetection> detections, ReadOnlySpan<float> embeddings = default)
    {
        for (var i = 0; i < detections.Length; i++)
        {
            var d = detections[i];
            if (!float.IsFinite(d.Score) || !float.IsFinite(d.Box.X) || !float.IsFinite(d.Box.Y) || !float.IsFinite(d.Box.Width) || !float.IsFinite(d.Box.Height))
            {
                throw new ArgumentException($"Detection {i} has a non-finite box or score.", nameof(detections));
            }
        }

        PrepareEmbeddings(detections.Length, embeddings);
        FrameCount++;
        TrackingMetrics.FramesTracked.Add(1);
        _removed.Clear();
        _output.Clear();
        if (_options.Mode == TrackerMode.Sort)
        {
            UpdateSort(detections);
        }
        else
        {
            UpdateByteTrack(detections);
        }

        return _output;
    }

    /// <summary>Forgets every track; ids keep counting up.</summary>
    public void Reset()
    {
        _tracked.Clear();
        _lost.Clear();
        _output.Clear();
        _removed.Clear();
        FrameCount = 0;
    }

    private static void EnsureCapacity<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[Math.Max(length, buffer.Length * 2)];
        }
    }

    private void PrepareEmbeddings(int count, ReadOnlySpan<float> embeddings)
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

        _embeddingDim = embeddings.Length / count;
        EnsureCapacity(ref _detEmbeddings, embeddings.Length);
        for (var i = 0; i < count; i++)
        {
            var src = embeddings.Slice(i * _embeddingDim, _embeddingDim);
            var dst = _detEmbeddings.AsSpan(i * _embeddingDim, _embeddingDim);
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
    }

    // ------------------------------------------------------------------ ByteTrack

    private void UpdateByteTrack(ReadOnlySpan<TrackerDetection> dets)
    {
        var o = _options;
        _high.Clear();
        _low.Clear();
        for (var i = 0; i < dets.Length; i++)
        {
            var s = dets[i].Score;
            if (s > o.HighScoreThreshold)
            {
                _high.Add(i);
            }
            else if (s > o.LowScoreThreshold)
            {
                _low.Add(i);
            }
        }

        _unconfirmed.Clear();
        _pool.Clear();
        foreach (var t in _tracked)
        {
            (t.IsActivated ? _pool : _unconfirmed).Add(t);
        }

        _pool.AddRange(_lost);
        foreach (var t in _pool)
        {
            PredictByteTrack(t);
        }

        foreach (var t in _tracked)
        {
            t.Age++;
        }

        foreach (var t in _lost)
        {
            t.Age++;
        }

        // Stage 1: every confirmed or lost track against the high-score detections.
        foreach (var t in _pool)
        {
            t.DetectionIndex = -1;
        }

        Associate(_pool, _high, dets, o.FirstMatchMinIoU, o.FuseScore, useAppearance: true);
        _remainingDets.Clear();
        foreach (var i in _high)
        {
            if (!_colUsed[i])
            {
                _remainingDets.Add(i);
            }
        }

        // Stage 2: tracks still tracked but unmatched against the low-score detections (IoU only).
        _scratchTracks.Clear();
        foreach (var t in _pool)
        {
            if (t.DetectionIndex < 0 && t.State == TrackState.Confirmed)
            {
                _scratchTracks.Add(t);
            }
        }

        Associate(_scratchTracks, _low, dets, o.SecondMatchMinIoU, fuseScore: false, useAppearance: false);
        foreach (var t in _pool)
        {
            if (t.DetectionIndex >= 0)
            {
                ApplyMatch(t, dets[t.DetectionIndex], t.DetectionIndex);
            }
            else if (t.State == TrackState.Confirmed)
            {
                t.State = TrackState.Lost;
                t.TimeSinceUpdate++;
            }
            else
            {
                t.TimeSinceUpdate++;
            }
        }

        // Stage 3: tentative tracks (one detection so far) against the remaining high detections.
        foreach (var t in _unconfirmed)
        {
            t.DetectionIndex = -1;
        }

        _high.Clear();
        _high.AddRange(_remainingDets);
        Associate(_unconfirmed, _high, dets, o.TentativeMatchMinIoU, o.FuseScore, useAppearance: true);
        foreach (var t in _unconfirmed)
        {
            if (t.DetectionIndex >= 0)
            {
                ApplyMatch(t, dets[t.DetectionIndex], t.DetectionIndex);
            }
            else
            {
                t.State = TrackState.Removed;
                _removed.Add(t);
            }
        }

        // Births: unmatched confident high detections.
        _newTracked.Clear();
        foreach (var t in _tracked)
        {
            if (t.State is TrackState.Confirmed or TrackState.Tentative)
            {
                _newTracked.Add(t);
            }
        }

        foreach (var t in _lost)
        {
            if (t.State == TrackState.Confirmed)
            {
                _newTracked.Add(t); // re-found
            }
        }

        foreach (var i in _high)
        {
            if (_colUsed[i] || dets[i].Score < o.NewTrackScoreThreshold)
            {
                continue;
            }

            var t = new Track(_nextId++, FrameCount);
            TrackingMetrics.TracksStarted.Add(1);
            InitiateByteTrack(t, dets[i].Box);
            t.DetectionBox = dets[i].Box;
            t.Score = dets[i].Score;
            t.Hits = 1;
            t.LastMatchedFrame = FrameCount;
            SetEmbedding(t, i, initial: true);
            t.IsActivated = FrameCount == 1 || _options.ConfirmOnBirth; // ByteTrack confirms first-frame tracks at once
            t.State = t.IsActivated ? TrackState.Confirmed : TrackState.Tentative;
            _newTracked.Add(t);
        }

        // Lost bookkeeping: newly lost tracks join, expired ones go.
        _scratchTracks.Clear();
        foreach (var t in _lost)
        {
            if (t.State == TrackState.Lost)
            {
                _scratchTracks.Add(t);
            }
        }

        foreach (var t in _tracked)
        {
            if (t.State == TrackState.Lost)
            {
                _scratchTracks.Add(t);
            }
        }

        _lost.Clear();
        foreach (var t in _scratchTracks)
        {
            if (FrameCount - t.LastMatchedFrame > _maxTimeLost)
            {
                t.State = TrackState.Removed;
                _removed.Add(t);
            }
            else
            {
                _lost.Add(t);
            }
        }

        _tracked.Clear();
        _tracked.AddRange(_newTracked);
        RemoveDuplicates();

        foreach (var t in _tracked)
        {
            if (t.IsActivated && t.State == TrackState.Confirmed && Reportable(t.Box))
            {
                _output.Add(t);
            }
        }
    }

    private bool Reportable(BoundingBox b) =>
        (_options.MinBoxArea <= 0 || b.Width * b.Height > _options.MinBoxArea)
        && (_options.MaxAspectRatio <= 0 || b.Width / b.Height <= _options.MaxAspectRatio);

    private void RemoveDuplicates()
    {
        if (_lost.Count == 0 || _tracked.Count == 0)
        {
            return;
        }

        var anyRemoved = false;
        foreach (var p in _tracked)
        {
            foreach (var q in _lost)
            {
                if (p.State == TrackState.Removed || q.State == TrackState.Removed || BoundingBox.IoU(p.Box, q.Box) <= _options.DuplicateIoU)
                {
                    continue;
                }

                var timeP = p.LastMatchedFrame - p.StartFrame;
                var timeQ = q.LastMatchedFrame - q.StartFrame;
                var drop = timeP > timeQ ? q : p;
                drop.State = TrackState.Removed;
                _removed.Add(drop);
                anyRemoved = true;
            }
        }

        if (anyRemoved)
        {
            _tracked.RemoveAll(static t => t.State == TrackState.Removed);
            _lost.RemoveAll(static t => t.State == TrackState.Removed);
        }
    }

    private void ApplyMatch(Track t, in TrackerDetection det, int detIndex)
    {
        var b = det.Box;
        Span<double> z = [b.CenterX, b.CenterY, b.Width / b.Height, b.Height];
        var h = t.Mean[3];
        Span<double> r =
        [
            Sq(StdWeightPosition * h), Sq(StdWeightPosition * h), Sq(1e-1), Sq(StdWeightPosition * h),
        ];
        KalmanMath.Update(t.Mean, t.Covariance, 8, z, r);
        t.Box = BoxFromXyah(t.Mean);
        t.DetectionBox = b;
        t.State = TrackState.Confirmed;
        t.IsActivated = true;
        t.Score = det.Score;
        t.Hits++;
        t.TimeSinceUpdate = 0;
        t.LastMatchedFrame = FrameCount;
        SetEmbedding(t, detIndex, initial: false);
    }

    private void SetEmbedding(Track t, int detIndex, bool initial)
    {
        if (_embeddingDim == 0)
        {
            return;
        }

        var feat = _detEmbeddings.AsSpan(detIndex * _embeddingDim, _embeddingDim);
        if (initial || t.EmbeddingBuffer is null || t.EmbeddingBuffer.Length != _embeddingDim)
        {
            t.EmbeddingBuffer = feat.ToArray();
            return;
        }

        var smooth = t.EmbeddingBuffer.AsSpan();
        var m = _options.EmbeddingMomentum;
        TensorPrimitives.Multiply(smooth, m, smooth);
        TensorPrimitives.MultiplyAdd(feat, 1 - m, smooth, smooth);
        var norm = TensorPrimitives.Norm(smooth);
        if (norm > 0)
        {
            TensorPrimitives.Divide(smooth, norm, smooth);
        }
    }

    /// <summary>
    /// Optimal assignment of <paramref name="tracks"/> to the detections listed in <paramref name="detIndices"/>, with
    /// rejection: a pair is allowed when its similarity is at least <paramref name="minSimilarity"/>. Sets each
    /// matched track's <see cref="Track.DetectionIndex"/> and marks used detections in <c>_colUsed</c>.
    /// </summary>
    private void Associate(List<Track> tracks, List<int> detIndices, ReadOnlySpan<TrackerDetection> dets, float minSimilarity, bool fuseScore, bool useAppearance)
    {
        EnsureCapacity(ref _colUsed, dets.Length);
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
        var lostMaxCost = 1.0 - Math.Max(minSimilarity, _options.LostMatchMinIoU);
        var trackedMaxCost = 1.0 - minSimilarity;
        EnsureCapacity(ref _cost, n * m);
        EnsureCapacity(ref _rowMap, n);
        EnsureCapacity(ref _colMap, m);
        var appearance = useAppearance && _embeddingDim > 0;
        Span<bool> colAllowed = m <= 512 ? stackalloc bool[m] : new bool[m];
        var rows = 0;
        for (var r = 0; r < n; r++)
        {
            var t = tracks[r];
            var tb = t.Box;
            var rowHasPair = false;
            var rowOffset = rows * m;
            var maxCost = t.State == TrackState.Lost ? lostMaxCost : trackedMaxCost;
            for (var c = 0; c < m; c++)
            {
                var di = detIndices[c];
                var iou = BoundingBox.IoU(tb, dets[di].Box);
                double cost = 1.0 - (fuseScore ? iou * dets[di].Score : iou);
                if (appearance && t.EmbeddingBuffer is { } emb && emb.Length == _embeddingDim && iou >= _options.AppearanceMinIoU)
                {
                    var embCost = (1.0 - TensorPrimitives.Dot(emb, _detEmbeddings.AsSpan(di * _embeddingDim, _embeddingDim))) / 2.0;
                    if (embCost <= _options.AppearanceThreshold && embCost < cost)
                    {
                        cost = embCost;
                    }
                }

                var gain = cost < maxCost ? cost - maxCost : 0.0;
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

        EnsureCapacity(ref _rowToCol, rows);
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

    private static double Sq(double v) => v * v;

    private static BoundingBox BoxFromXyah(ReadOnlySpan<double> mean)
    {
        var h = mean[3];
        var w = mean[2] * h;
        return new BoundingBox((float)(mean[0] - (w / 2)), (float)(mean[1] - (h / 2)), (float)w, (float)h);
    }

    private static void InitiateByteTrack(Track t, BoundingBox b)
    {
        var mean = t.Mean;
        Array.Clear(mean);
        mean[0] = b.CenterX;
        mean[1] = b.CenterY;
        mean[2] = b.Width / b.Height;
        mean[3] = b.Height;
        var h = mean[3];
        ReadOnlySpan<double> std =
        [
            2 * StdWeightPosition * h, 2 * StdWeightPosition * h, 1e-2, 2 * StdWeightPosition * h,
            10 * StdWeightVelocity * h, 10 * StdWeightVelocity * h, 1e-5, 10 * StdWeightVelocity * h,
        ];
        Array.Clear(t.Covariance);
        for (var i = 0; i < 8; i++)
        {
            t.Covariance[(i * 8) + i] = std[i] * std[i];
        }

        t.Box = BoxFromXyah(mean);
    }

    private static void PredictByteTrack(Track t)
    {
        var mean = t.Mean;
        if (t.State != TrackState.Confirmed)
        {
            mean[7] = 0; // a lost track stops changing height
        }

        var h = mean[3];
        Span<double> q =
        [
            Sq(StdWeightPosition * h), Sq(StdWeightPosition * h), Sq(1e-2), Sq(StdWeightPosition * h),
            Sq(StdWeightVelocity * h), Sq(StdWeightVelocity * h), Sq(1e-5), Sq(StdWeightVelocity * h),
        ];
        KalmanMath.Predict(mean, t.Covariance, 8, 4, q);
        t.Box = BoxFromXyah(mean);
    }

    // ------------------------------------------------------------------ SORT baseline

    private void UpdateSort(ReadOnlySpan<TrackerDetection> dets)
    {
        var o = _options;
        _scratchTracks.Clear();
        foreach (var t in _tracked)
        {
            var x = t.Mean;
            if (x[6] + x[2] <= 0)
            {
                x[6] = 0; // area must not go negative
            }

            KalmanMath.Predict(x, t.Covariance.AsSpan(0, 49), 7, 3, s_sortQ);
            t.Age++;
            if (t.TimeSinceUpdate > 0)
            {
                t.HitStreak = 0;
            }

            t.TimeSinceUpdate++;

            var box = BoxFromSort(x);
            if (!float.IsFinite(box.X) || !float.IsFinite(box.Width) || !float.IsFinite(box.Height))
            {
                t.State = TrackState.Removed;
                _removed.Add(t);
                continue;
            }

            t.Box = box;
            t.DetectionIndex = -1;
            _scratchTracks.Add(t);
        }

        _tracked.Clear();
        _tracked.AddRange(_scratchTracks);
        _high.Clear();
        for (var i = 0; i < dets.Length; i++)
        {
            _high.Add(i);
        }

        Associate(_tracked, _high, dets, o.SortMinIoU, fuseScore: false, useAppearance: false);
        foreach (var t in _tracked)
        {
            if (t.DetectionIndex < 0)
            {
                continue;
            }

            var b = dets[t.DetectionIndex].Box;
            Span<double> z = [b.CenterX, b.CenterY, b.Width * b.Height, b.Width / b.Height];
            KalmanMath.Update(t.Mean, t.Covariance.AsSpan(0, 49), 7, z, s_sortR);
            t.Box = BoxFromSort(t.Mean);
            t.DetectionBox = b;
            t.TimeSinceUpdate = 0;
            t.Hits++;
            t.HitStreak++;
            t.Score = dets[t.DetectionIndex].Score;
            t.LastMatchedFrame = FrameCount;
        }

        for (var i = 0; i < dets.Length; i++)
        {
            if (_colUsed.Length > i && _colUsed[i])
            {
                continue;
            }

            var b = dets[i].Box;
            var t = new Track(_nextId++, FrameCount);
            TrackingMetrics.TracksStarted.Add(1);
            var x = t.Mean;
            x[0] = b.CenterX;
            x[1] = b.CenterY;
            x[2] = b.Width * b.Height;
            x[3] = b.Width / b.Height;
            ReadOnlySpan<double> p0 = [10, 10, 10, 10, 1e4, 1e4, 1e4];
            for (var k = 0; k < 7; k++)
            {
                t.Covariance[(k * 7) + k] = p0[k];
            }

            t.Box = BoxFromSort(x);
            t.DetectionBox = b;
            t.Score = dets[i].Score;
            t.Hits = 1;
            t.HitStreak = 0; // SORT counts the streak from the first match after birth
            t.LastMatchedFrame = FrameCount;
            _tracked.Add(t);
        }

        _scratchTracks.Clear();
        foreach (var t in _tracked)
        {
            if (t.TimeSinceUpdate > o.SortMaxAge)
            {
                t.State = TrackState.Removed;
                _removed.Add(t);
                continue;
            }

            var reported = t.TimeSinceUpdate < 1 && (t.HitStreak >= o.SortMinHits || FrameCount <= o.SortMinHits);
            t.State = reported ? TrackState.Confirmed : t.TimeSinceUpdate > 0 ? TrackState.Lost : TrackState.Tentative;
            t.IsActivated |= reported;
            if (reported && Reportable(t.Box))
            {
                _output.Add(t);
            }

            _scratchTracks.Add(t);
        }

        _tracked.Clear();
        _tracked.AddRange(_scratchTracks);
    }

    private static BoundingBox BoxFromSort(ReadOnlySpan<double> x)
    {
        var w = Math.Sqrt(x[2] * x[3]);
        var h = x[2] / w;
        return new BoundingBox((float)(x[0] - (w / 2)), (float)(x[1] - (h / 2)), (float)w, (float)h);
    }
}
