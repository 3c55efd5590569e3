using System.Numerics.Tensors;
using Scarlet.Tracking.Assignment;
using Scarlet.Tracking.Internal;
using Scarlet.Vision;

namespace Scarlet.Tracking;

/// <summary>
/// Online multi-object tracker for one camera: Kalman filter on the box, optimal (Jonker-Volgenant) assignment,
/// ByteTrack's two-stage association with an optional appearance cue, or the SORT baseline
/// (<see cref="TrackerOptions.Mode"/>). Deterministic: the same detections give the same ids. Optional, for ByteTrack
/// mode, all off by default: camera-motion compensation estimated from the boxes alone, OC-SORT's observation-centric
/// re-update, momentum term and recovery, and tentative tracks that survive misses (see <see cref="TrackerOptions"/>).
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
    private readonly CameraMotionEstimator _motionEstimator = new();
    private double[] _previousCentres = [];
    private double[] _currentCentres = [];

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

        if (o.CameraMotionCompensation)
        {
            CompensateCameraMotion(dets);
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

        Associate(_pool, _high, dets, o.FirstMatchMinIoU, o.FuseScore, useAppearance: true, momentumWeight: o.MomentumWeight);
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
        if (o.RecoveryMinIoU > 0)
        {
            RecoverByLastObservation(dets);
        }

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
            else if (t.TimeSinceUpdate < o.TentativeMaxMisses)
            {
                t.TimeSinceUpdate++; // stays tentative; tried again next frame
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
            if (o.ObservationCentricReUpdate)
            {
                t.LastObservationState = new double[8 + 64 + 4];
            }

            if (o.MomentumWeight > 0)
            {
                t.ObservationRing = new double[2 * o.MomentumDeltaFrames];
                t.ObservationFrames = new int[o.MomentumDeltaFrames];
            }

            var birthBox = dets[i].Box;
            SaveObservation(t, [birthBox.CenterX, birthBox.CenterY, birthBox.Width / birthBox.Height, birthBox.Height]);
            t.DetectionBox = dets[i].Box;
            t.LastObservedBox = dets[i].Box;
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
        var gap = FrameCount - t.LastMatchedFrame;
        if (gap > 1 && t.LastObservationState is { } saved)
        {
            ReUpdateOverGap(t, saved, z, gap);
        }
        else
        {
            KalmanMath.Update(t.Mean, t.Covariance, 8, z, r);
        }

        SaveObservation(t, z);
        t.LastObservedBox = b;
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
    private void Associate(List<Track> tracks, List<int> detIndices, ReadOnlySpan<TrackerDetection> dets, float minSimilarity, bool fuseScore, bool useAppearance, float momentumWeight = 0, bool lastObservation = false)
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
            var tb = lastObservation ? t.LastObservedBox : t.Box;
            var rowHasPair = false;
            var rowOffset = rows * m;
            var maxCost = t.State == TrackState.Lost ? lostMaxCost : trackedMaxCost;
            var momentum = momentumWeight > 0 && (t.DirectionX != 0 || t.DirectionY != 0);
            var (refX, refY) = momentum ? ReferenceObservation(t) : (0.0, 0.0);
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

    /// <summary>
    /// OC-SORT's observation-centric recovery: confirmed and lost tracks the two stages left unmatched against the
    /// high detections nobody took, by IoU with the track's last observed box rather than its drifting prediction.
    /// </summary>
    private void RecoverByLastObservation(ReadOnlySpan<TrackerDetection> dets)
    {
        _scratchTracks.Clear();
        foreach (var t in _pool)
        {
            if (t.DetectionIndex < 0)
            {
                _scratchTracks.Add(t);
            }
        }

        Associate(_scratchTracks, _remainingDets, dets, _options.RecoveryMinIoU, fuseScore: false, useAppearance: false, lastObservation: true);
        var kept = 0;
        for (var k = 0; k < _remainingDets.Count; k++)
        {
            if (!_colUsed[_remainingDets[k]])
            {
                _remainingDets[kept++] = _remainingDets[k];
            }
        }

        _remainingDets.RemoveRange(kept, _remainingDets.Count - kept);
    }

    /// <summary>
    /// Warps every track by the global motion between the last frame and this one, estimated from last frame's
    /// matched detection boxes and this frame's high detections (<see cref="CameraMotionEstimator"/>).
    /// </summary>
    private void CompensateCameraMotion(ReadOnlySpan<TrackerDetection> dets)
    {
        var previous = 0;
        EnsureCapacity(ref _previousCentres, 3 * (_tracked.Count + _lost.Count));
        foreach (var t in _tracked)
        {
            AddPrevious(t, ref previous);
        }

        foreach (var t in _lost)
        {
            AddPrevious(t, ref previous);
        }

        EnsureCapacity(ref _currentCentres, 3 * _high.Count);
        var current = 0;
        foreach (var i in _high)
        {
            var b = dets[i].Box;
            _currentCentres[current++] = b.CenterX;
            _currentCentres[current++] = b.CenterY;
            _currentCentres[current++] = b.Height;
        }

        if (!_motionEstimator.Estimate(_previousCentres.AsSpan(0, previous), _currentCentres.AsSpan(0, current), _options.CameraMotionInlierThreshold, _options.CameraMotionMinInliers, _options.CameraMotionIdentityMargin, out var motion)
            || motion == SimilarityMotion.Identity)
        {
            return;
        }

        foreach (var t in _pool)
        {
            Warp(t, motion);
        }

        foreach (var t in _unconfirmed)
        {
            Warp(t, motion);
        }
    }

    private void AddPrevious(Track t, ref int count)
    {
        if (t.LastMatchedFrame != FrameCount - 1)
        {
            return; // only boxes seen in the previous frame measure the motion since then
        }

        var b = t.DetectionBox;
        _previousCentres[count++] = b.CenterX;
        _previousCentres[count++] = b.CenterY;
        _previousCentres[count++] = b.Height;
    }

    /// <summary>
    /// Applies <paramref name="m"/> to a track: position by the full similarity, height and planar velocities by its
    /// linear part (the aspect ratio is unchanged); the covariance as J P Jᵀ. The saved last observation (re-update)
    /// and the observed centres (momentum) move with it, so both stay in this frame's coordinates.
    /// </summary>
    private static void Warp(Track t, in SimilarityMotion m)
    {
        WarpState(t.Mean, t.Covariance, m);
        t.Box = BoxFromXyah(t.Mean);
        var last = t.LastObservedBox;
        var (cx, cy) = m.Apply(last.CenterX, last.CenterY);
        var s = (float)m.Scale;
        t.LastObservedBox = new BoundingBox((float)cx - (last.Width * s / 2), (float)cy - (last.Height * s / 2), last.Width * s, last.Height * s);
        if (t.LastObservationState is { } saved)
        {
            WarpState(saved.AsSpan(0, 8), saved.AsSpan(8, 64), m);
            var z = saved.AsSpan(72, 4);
            (z[0], z[1]) = m.Apply(z[0], z[1]);
            z[3] *= m.Scale;
        }

        if (t.ObservationRing is { } ring)
        {
            for (var k = 0; k < ring.Length; k += 2)
            {
                (ring[k], ring[k + 1]) = m.Apply(ring[k], ring[k + 1]);
            }

            var (dx, dy) = (t.DirectionX, t.DirectionY);
            t.DirectionX = ((m.A * dx) - (m.B * dy)) / m.Scale;
            t.DirectionY = ((m.B * dx) + (m.A * dy)) / m.Scale;
        }
    }

    private static void WarpState(Span<double> mean, Span<double> cov, in SimilarityMotion m)
    {
        (mean[0], mean[1]) = m.Apply(mean[0], mean[1]);
        var vx = mean[4];
        var vy = mean[5];
        mean[4] = (m.A * vx) - (m.B * vy);
        mean[5] = (m.B * vx) + (m.A * vy);
        var s = m.Scale;
        mean[3] *= s;
        mean[7] *= s;

        // J = blockdiag(L, 1, s, L, 1, s), L = [[a, −b], [b, a]]; P ← J P Jᵀ (rows, then columns).
        Span<double> j = stackalloc double[64];
        j.Clear();
        for (var o = 0; o < 8; o += 4)
        {
            j[(o * 8) + o] = m.A;
            j[(o * 8) + o + 1] = -m.B;
            j[((o + 1) * 8) + o] = m.B;
            j[((o + 1) * 8) + o + 1] = m.A;
            j[((o + 2) * 8) + o + 2] = 1;
            j[((o + 3) * 8) + o + 3] = s;
        }

        Span<double> tmp = stackalloc double[64];
        for (var r = 0; r < 8; r++)
        {
            for (var c = 0; c < 8; c++)
            {
                double acc = 0;
                for (var k = 0; k < 8; k++)
                {
                    acc += j[(r * 8) + k] * cov[(k * 8) + c];
                }

                tmp[(r * 8) + c] = acc;
            }
        }

        for (var r = 0; r < 8; r++)
        {
            for (var c = 0; c < 8; c++)
            {
                double acc = 0;
                for (var k = 0; k < 8; k++)
                {
                    acc += tmp[(r * 8) + k] * j[(c * 8) + k];
                }

                cov[(r * 8) + c] = acc;
            }
        }
    }

    /// <summary>
    /// OC-SORT's observation-centric re-update: back to the state of the last observation, then predict and update
    /// through the gap on observations interpolated linearly towards the new one, ending with the new one itself.
    /// </summary>
    private static void ReUpdateOverGap(Track t, double[] saved, ReadOnlySpan<double> z, int gap)
    {
        saved.AsSpan(0, 8).CopyTo(t.Mean);
        saved.AsSpan(8, 64).CopyTo(t.Covariance);
        Span<double> last = stackalloc double[4];
        saved.AsSpan(72, 4).CopyTo(last);
        Span<double> virtualZ = stackalloc double[4];
        Span<double> q = stackalloc double[8];
        Span<double> r = stackalloc double[4];
        for (var k = 1; k <= gap; k++)
        {
            var h = t.Mean[3];
            q[0] = q[1] = q[3] = Sq(StdWeightPosition * h);
            q[2] = Sq(1e-2);
            q[4] = q[5] = q[7] = Sq(StdWeightVelocity * h);
            q[6] = Sq(1e-5);
            KalmanMath.Predict(t.Mean, t.Covariance, 8, 4, q);
            var f = k / (double)gap;
            for (var i = 0; i < 4; i++)
            {
                virtualZ[i] = last[i] + ((z[i] - last[i]) * f);
            }

            h = t.Mean[3];
            r[0] = r[1] = r[3] = Sq(StdWeightPosition * h);
            r[2] = Sq(1e-1);
            KalmanMath.Update(t.Mean, t.Covariance, 8, virtualZ, r);
        }
    }

    /// <summary>Records a matched measurement: the re-update's saved state and the momentum term's direction and history.</summary>
    private void SaveObservation(Track t, ReadOnlySpan<double> z)
    {
        if (t.LastObservationState is { } saved)
        {
            t.Mean.CopyTo(saved, 0);
            t.Covariance.CopyTo(saved, 8);
            z.CopyTo(saved.AsSpan(72, 4));
        }

        if (t.ObservationRing is not { } ring || t.ObservationFrames is not { } frames)
        {
            return;
        }

        if (t.Hits > 0 || t.LastMatchedFrame > 0)
        {
            // Direction from the observation Δt frames back (or the latest before it) to this one, as OC-SORT.
            var (rx, ry) = ReferenceObservation(t);
            var dx = z[0] - rx;
            var dy = z[1] - ry;
            var norm = Math.Sqrt((dx * dx) + (dy * dy)) + 1e-6;
            t.DirectionX = dx / norm;
            t.DirectionY = dy / norm;
        }

        var head = t.ObservationHead;
        ring[2 * head] = z[0];
        ring[(2 * head) + 1] = z[1];
        frames[head] = FrameCount;
        t.ObservationHead = (head + 1) % frames.Length;
    }

    /// <summary>
    /// OC-SORT's k_previous_obs: the observed centre from Δt frames before this one, else the nearest later one within
    /// Δt, else the latest observation.
    /// </summary>
    private (double X, double Y) ReferenceObservation(Track t)
    {
        var ring = t.ObservationRing!;
        var frames = t.ObservationFrames!;
        var n = frames.Length;
        for (var dt = n; dt >= 1; dt--)
        {
            var target = FrameCount - dt;
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

    /// <summary>(π/2 − |Δθ|)/π in [−0.5, 0.5]: +0.5 when the detection lies straight ahead of the track's motion.</summary>
    private static double DirectionAgreement(Track t, double refX, double refY, BoundingBox det)
    {
        var dx = det.CenterX - refX;
        var dy = det.CenterY - refY;
        var norm = Math.Sqrt((dx * dx) + (dy * dy)) + 1e-6;
        var cos = Math.Clamp(((t.DirectionX * dx) + (t.DirectionY * dy)) / norm, -1, 1);
        return ((Math.PI / 2) - Math.Abs(Math.Acos(cos))) / Math.PI;
    }

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
