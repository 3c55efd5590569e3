using System.Numerics.Tensors;
using Scarlet.Vision;

namespace Scarlet.Tracking.Internal;

/// <summary>
/// ByteTrack (Zhang et al. 2022): Kalman filter on (cx, cy, aspect, h), two-stage association (high-score detections,
/// then low-score ones for tracks still tracked), tentative tracks confirmed on their second detection, lost tracks kept
/// <see cref="TrackerOptions.LostTrackBuffer"/> frames; with the optional camera-motion compensation from boxes and
/// OC-SORT's re-update, momentum and recovery (<see cref="TrackerOptions"/>).
/// </summary>
internal sealed class ByteTrackStrategy : ITrackerStrategy
{
    // ByteTrack's Kalman noise: weights relative to the box height.
    private const double StdWeightPosition = 1.0 / 20;
    private const double StdWeightVelocity = 1.0 / 160;

    // A camera motion this large (mean shift of the boxes, in box heights) is applied at once, without waiting for a
    // second frame of it.
    private const double JerkShift = 0.2;

    private readonly TrackerOptions _options;
    private readonly TrackAssociation _association;
    private readonly List<Track> _output;
    private readonly List<Track> _removed;
    private readonly int _maxTimeLost;
    private readonly List<Track> _tracked = [];      // tentative + confirmed (ByteTrack's tracked_stracks)
    private readonly List<Track> _lost = [];
    private readonly List<Track> _pool = [];
    private readonly List<Track> _unconfirmed = [];
    private readonly List<Track> _scratchTracks = [];
    private readonly List<Track> _newTracked = [];
    private readonly List<int> _high = [];
    private readonly List<int> _low = [];
    private readonly List<int> _remainingDets = [];
    private readonly CameraMotionEstimator _motionEstimator = new();
    private double[] _previousCentres = [];
    private double[] _currentCentres = [];
    private bool _motionLastFrame;
    private float _extentRight;
    private float _extentBottom;
    private int _nextId = 1;

    public ByteTrackStrategy(TrackerOptions options, TrackAssociation association, List<Track> output, List<Track> removed)
    {
        _options = options;
        _association = association;
        _output = output;
        _removed = removed;
        _maxTimeLost = (int)(options.FrameRate / 30.0 * options.LostTrackBuffer);
    }

    private int FrameCount { get; set; }

    /// <summary>Gets the number of frames whose tracks were warped by an estimated camera motion.</summary>
    public int CompensatedFrames { get; private set; }

    public void AddLiveTracks(List<Track> into)
    {
        into.AddRange(_tracked);
        into.AddRange(_lost);
    }

    public void Reset()
    {
        _tracked.Clear();
        _lost.Clear();
        _motionLastFrame = false;
        _extentRight = 0;
        _extentBottom = 0;
    }

    public void Update(ReadOnlySpan<TrackerDetection> dets, int frame)
    {
        FrameCount = frame;
        var o = _options;
        _high.Clear();
        _low.Clear();
        for (var i = 0; i < dets.Length; i++)
        {
            _extentRight = Math.Max(_extentRight, dets[i].Box.Right);
            _extentBottom = Math.Max(_extentBottom, dets[i].Box.Bottom);
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

        _association.Associate(_pool, _high, dets, o.FirstMatchMinIoU, o.FuseScore, useAppearance: true, FrameCount, momentumWeight: o.MomentumWeight);
        _remainingDets.Clear();
        foreach (var i in _high)
        {
            if (!_association.IsUsed(i))
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

        _association.Associate(_scratchTracks, _low, dets, o.SecondMatchMinIoU, fuseScore: false, useAppearance: false, FrameCount);
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
        _association.Associate(_unconfirmed, _high, dets, o.TentativeMatchMinIoU, o.FuseScore, useAppearance: true, FrameCount);
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
            if (_association.IsUsed(i) || dets[i].Score < o.NewTrackScoreThreshold)
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
            if (t.IsActivated && t.State == TrackState.Confirmed && _options.IsReportable(t.Box))
            {
                _output.Add(t);
            }
        }
    }

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
        var feat = _association.DetectionEmbedding(detIndex);
        if (feat.IsEmpty)
        {
            return;
        }

        if (initial || t.EmbeddingBuffer is null || t.EmbeddingBuffer.Length != feat.Length)
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

    private static double Sq(double v) => v * v;

    /// <summary>Whether a box reaches, within 5 % of its size, the picture's extent seen so far.</summary>
    private bool TouchesBorder(BoundingBox b)
    {
        var tx = 0.05f * b.Width;
        var ty = 0.05f * b.Height;
        return b.X <= tx || b.Y <= ty || b.Right >= _extentRight - tx || b.Bottom >= _extentBottom - ty;
    }

    /// <summary>
    /// OC-SORT's observation-centric recovery: confirmed and lost tracks the two stages left unmatched against the
    /// high detections nobody took, by IoU with the track's last observed box rather than its drifting prediction.
    /// </summary>
    private void RecoverByLastObservation(ReadOnlySpan<TrackerDetection> dets)
    {
        _scratchTracks.Clear();
        foreach (var t in _pool)
        {
            if (t.DetectionIndex < 0 && t.Hits >= _options.RecoveryMinHits
                && !(_options.RecoverySkipsBorderTracks && TouchesBorder(t.LastObservedBox)))
            {
                _scratchTracks.Add(t);
            }
        }

        _association.Associate(_scratchTracks, _remainingDets, dets, _options.RecoveryMinIoU, fuseScore: false, useAppearance: false, FrameCount, lastObservation: true);
        var kept = 0;
        for (var k = 0; k < _remainingDets.Count; k++)
        {
            if (!_association.IsUsed(_remainingDets[k]))
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
        Buffers.EnsureCapacity(ref _previousCentres, 3 * (_tracked.Count + _lost.Count));
        foreach (var t in _tracked)
        {
            AddPrevious(t, ref previous);
        }

        foreach (var t in _lost)
        {
            AddPrevious(t, ref previous);
        }

        Buffers.EnsureCapacity(ref _currentCentres, 3 * _high.Count);
        var current = 0;
        foreach (var i in _high)
        {
            var b = dets[i].Box;
            _currentCentres[current++] = b.CenterX;
            _currentCentres[current++] = b.CenterY;
            _currentCentres[current++] = b.Height;
        }

        if (!_motionEstimator.Estimate(_previousCentres.AsSpan(0, previous), _currentCentres.AsSpan(0, current), _options.CameraMotionInlierThreshold, _options.CameraMotionMinInliers, _options.CameraMotionIdentityMargin, _options.CameraMotionMaxResidualRatio, _options.CameraMotionMinShift, out var motion)
            || motion == SimilarityMotion.Identity)
        {
            _motionLastFrame = false;
            return;
        }

        // A real camera moves over several frames; a motion fitted to a few walkers on a fixed camera comes and goes.
        // So a supported motion is applied from its second frame in a row, unless it is larger than people move in a
        // frame (a sudden jerk, which lasts one frame; 0.2 box heights in one frame at 10 fps would be a run).
        var persisted = _motionLastFrame;
        _motionLastFrame = true;
        if (!persisted && _motionEstimator.Shift < JerkShift)
        {
            return;
        }

        CompensatedFrames++;
        TrackingMetrics.CameraMotionCompensated.Add(1);
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
            var (rx, ry) = TrackAssociation.ReferenceObservation(t, FrameCount);
            var dx = z[0] - rx;
            var dy = z[1] - ry;
            var d2 = (dx * dx) + (dy * dy);
            var norm = Math.Sqrt(d2) + 1e-6;
            t.DirectionX = dx / norm;
            t.DirectionY = dy / norm;

            // A person standing still has a direction made of jitter: the difference of two observed centres, each
            // with the filter's observation noise (StdWeightPosition·h), so weigh it by d² / (d² + 2σ²).
            // (A degenerate or non-finite box gets no say rather than a NaN in the cost.)
            var sigma = StdWeightPosition * z[3];
            var denominator = d2 + (2 * sigma * sigma);
            t.DirectionReliability = denominator > 0 && double.IsFinite(denominator) ? d2 / denominator : 0;
        }

        var head = t.ObservationHead;
        ring[2 * head] = z[0];
        ring[(2 * head) + 1] = z[1];
        frames[head] = FrameCount;
        t.ObservationHead = (head + 1) % frames.Length;
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
}
