namespace Scarlet.Tracking.Internal;

/// <summary>
/// Global frame-to-frame motion from boxes alone (no images): a similarity <c>q = z·p + t</c> in complex form
/// (<c>z = a + ib</c>: scale and rotation; <c>t</c>: shift) between last frame's box centres and this frame's. Pairs
/// are mutual nearest neighbours of similar height; a deterministic RANSAC over two-pair hypotheses picks the motion
/// most pairs agree with (people who walk are its outliers) and a least-squares fit on its inliers refines it.
/// Reuses its buffers: allocation-free once warm.
/// </summary>
internal sealed class CameraMotionEstimator
{
    // A pair is considered only when the centres are within this many box heights and the heights within this ratio:
    // camera motion between consecutive frames is well under one body height, and a person's height changes slowly.
    private const double SearchRadius = 1.0;
    private const double MaxHeightRatio = 1.3;

    // Hypotheses that scale by more than this per frame are not camera motion (a zoom or a walk forward is slower).
    private const double MaxScaleChange = 1.2;
    private const int MaxHypotheses = 96;

    private double[] _px = [];
    private double[] _py = [];
    private double[] _qx = [];
    private double[] _qy = [];
    private double[] _h = [];
    private int[] _nearestPrev = [];
    private int[] _nearestCur = [];
    private bool[] _inlier = [];
    private bool[] _bestInlier = [];

    /// <summary>Gets the number of pairs that agreed with the last estimate (0 when none was made).</summary>
    public int Inliers { get; private set; }

    /// <summary>Gets the mean shift the last applied motion gives the pairs, in box heights (0 when none).</summary>
    public double Shift { get; private set; }

    /// <summary>
    /// Estimates the motion that takes <paramref name="previous"/> boxes to <paramref name="current"/> boxes.
    /// </summary>
    /// <param name="previous">Last frame's boxes (centre x, centre y, height per box, interleaved: 3 per box).</param>
    /// <param name="current">This frame's boxes, the same layout.</param>
    /// <param name="inlierThreshold">Largest residual, in box heights, of an agreeing pair.</param>
    /// <param name="minInliers">Fewest agreeing pairs for an estimate.</param>
    /// <param name="identityMargin">A motion must explain more than this many times the pairs no motion explains.</param>
    /// <param name="motion">The motion (a, b, tx, ty): <c>x' = a·x − b·y + tx</c>, <c>y' = b·x + a·y + ty</c>; identity when none.</param>
    /// <returns>Whether an estimate was made.</returns>
    public bool Estimate(ReadOnlySpan<double> previous, ReadOnlySpan<double> current, double inlierThreshold, int minInliers, double identityMargin, out SimilarityMotion motion)
        => Estimate(previous, current, inlierThreshold, minInliers, identityMargin, maxResidualRatio: 1, minShift: 0, out motion);

    /// <summary>
    /// Estimates the motion as above and applies it only when the pairs support it: the motion's robust residual
    /// (squared errors capped at the inlier threshold, over every pair) must be at most <paramref name="maxResidualRatio"/>
    /// times the residual of no motion, and the mean shift it gives the pairs at least <paramref name="minShift"/> box
    /// heights (detection jitter alone shifts boxes by a few hundredths of their height).
    /// </summary>
    /// <param name="previous">Last frame's boxes (centre x, centre y, height per box, interleaved: 3 per box).</param>
    /// <param name="current">This frame's boxes, the same layout.</param>
    /// <param name="inlierThreshold">Largest residual, in box heights, of an agreeing pair.</param>
    /// <param name="minInliers">Fewest agreeing pairs for an estimate.</param>
    /// <param name="identityMargin">A motion must explain more than this many times the pairs no motion explains.</param>
    /// <param name="maxResidualRatio">Largest ratio of the motion's robust residual to no motion's (1 = no test).</param>
    /// <param name="minShift">Smallest mean shift of the pairs, in box heights (0 = no test).</param>
    /// <param name="motion">The motion, identity when none is supported.</param>
    /// <returns>Whether an estimate was made.</returns>
    public bool Estimate(ReadOnlySpan<double> previous, ReadOnlySpan<double> current, double inlierThreshold, int minInliers, double identityMargin, double maxResidualRatio, double minShift, out SimilarityMotion motion)
    {
        motion = SimilarityMotion.Identity;
        Inliers = 0;
        Shift = 0;
        var n = previous.Length / 3;
        var m = current.Length / 3;
        if (n < 2 || m < 2)
        {
            return false;
        }

        Buffers.EnsureCapacity(ref _nearestPrev, m);
        Buffers.EnsureCapacity(ref _nearestCur, n);
        for (var i = 0; i < n; i++)
        {
            _nearestCur[i] = Nearest(previous, i, current);
        }

        for (var j = 0; j < m; j++)
        {
            _nearestPrev[j] = Nearest(current, j, previous);
        }

        var k = 0;
        var size = Math.Min(n, m);
        Buffers.EnsureCapacity(ref _px, size);
        Buffers.EnsureCapacity(ref _py, size);
        Buffers.EnsureCapacity(ref _qx, size);
        Buffers.EnsureCapacity(ref _qy, size);
        Buffers.EnsureCapacity(ref _h, size);
        Buffers.EnsureCapacity(ref _inlier, size);
        Buffers.EnsureCapacity(ref _bestInlier, size);
        for (var i = 0; i < n; i++)
        {
            var j = _nearestCur[i];
            if (j < 0 || _nearestPrev[j] != i)
            {
                continue; // not mutual: ambiguous in a crowd
            }

            _px[k] = previous[3 * i];
            _py[k] = previous[(3 * i) + 1];
            _qx[k] = current[3 * j];
            _qy[k] = current[(3 * j) + 1];
            _h[k] = 0.5 * (previous[(3 * i) + 2] + current[(3 * j) + 2]);
            k++;
        }

        if (k < Math.Max(2, minInliers))
        {
            return false;
        }

        // Deterministic hypotheses: every pair of pairs when there are few, else a fixed stride walk over them, so
        // the same input always gives the same motion (the tracker promises byte-identical output).
        var totalPairs = k * (k - 1) / 2;
        var step = totalPairs <= MaxHypotheses ? 1 : (totalPairs / MaxHypotheses) + 1;
        var best = -1;
        var bestResidual = double.MaxValue;
        var index = 0;
        for (var i = 0; i < k; i++)
        {
            for (var j = i + 1; j < k; j++, index++)
            {
                if (index % step != 0)
                {
                    continue;
                }

                if (!Hypothesis(i, j, out var h))
                {
                    continue;
                }

                var count = CountInliers(h, k, inlierThreshold, _inlier, out var residual);
                if (count > best || (count == best && residual < bestResidual))
                {
                    best = count;
                    bestResidual = residual;
                    _inlier.AsSpan(0, k).CopyTo(_bestInlier);
                }
            }
        }

        // No motion is kept unless a motion explains clearly more pairs: with ties going to the better fit, a fixed
        // camera got a small spurious warp nearly every frame, and that cost MOT17-02 two IDF1 points.
        var identityCount = CountInliers(SimilarityMotion.Identity, k, inlierThreshold, _inlier, out _);
        if (best <= identityCount || best < identityCount * identityMargin)
        {
            Inliers = identityCount;
            return identityCount >= minInliers;
        }

        if (best < minInliers)
        {
            return false;
        }

        if (!Refit(k, _bestInlier, out motion))
        {
            motion = SimilarityMotion.Identity;
            return false;
        }

        if (!IsSupported(motion, k, inlierThreshold, maxResidualRatio, minShift, out var shift))
        {
            motion = SimilarityMotion.Identity;
            Inliers = identityCount;
            return identityCount >= minInliers;
        }

        Inliers = best;
        Shift = shift;
        return true;
    }

    /// <summary>
    /// Whether the fitted motion explains the pairs clearly better than no motion and moves them more than noise does.
    /// With few, jittery boxes (a fixed camera, 4-8 raw detections) a 4-parameter fit to two pairs explains some of
    /// the walkers' steps, and the count test above lets it through; this residual and shift test does not.
    /// </summary>
    private bool IsSupported(in SimilarityMotion m, int k, double threshold, double maxResidualRatio, double minShift, out double meanShift)
    {
        var cap = threshold * threshold;
        double moved = 0, still = 0, shift = 0;
        for (var i = 0; i < k; i++)
        {
            var (x, y) = m.Apply(_px[i], _py[i]);
            var h2 = _h[i] * _h[i];
            moved += Math.Min((Sq(x - _qx[i]) + Sq(y - _qy[i])) / h2, cap);
            still += Math.Min((Sq(_px[i] - _qx[i]) + Sq(_py[i] - _qy[i])) / h2, cap);
            shift += Math.Sqrt((Sq(x - _px[i]) + Sq(y - _py[i])) / h2);
        }

        meanShift = shift / k;
        return (maxResidualRatio >= 1 || moved <= maxResidualRatio * still) && meanShift >= minShift;
    }

    private static double Sq(double v) => v * v;

    private static int Nearest(ReadOnlySpan<double> from, int i, ReadOnlySpan<double> to)
    {
        var x = from[3 * i];
        var y = from[(3 * i) + 1];
        var h = from[(3 * i) + 2];
        var best = -1;
        var bestD = SearchRadius * SearchRadius;
        for (var j = 0; j < to.Length / 3; j++)
        {
            var hj = to[(3 * j) + 2];
            if (hj > h * MaxHeightRatio || h > hj * MaxHeightRatio)
            {
                continue;
            }

            var dx = to[3 * j] - x;
            var dy = to[(3 * j) + 1] - y;
            var d = ((dx * dx) + (dy * dy)) / (h * hj);
            if (d < bestD)
            {
                bestD = d;
                best = j;
            }
        }

        return best;
    }

    private bool Hypothesis(int i, int j, out SimilarityMotion motion)
    {
        // z = (q_i − q_j) / (p_i − p_j), t = q_i − z·p_i (complex arithmetic).
        var dpx = _px[i] - _px[j];
        var dpy = _py[i] - _py[j];
        var dqx = _qx[i] - _qx[j];
        var dqy = _qy[i] - _qy[j];
        var den = (dpx * dpx) + (dpy * dpy);
        var minSpan = 0.5 * (_h[i] + _h[j]);
        if (den < minSpan * minSpan)
        {
            motion = SimilarityMotion.Identity;
            return false; // two boxes too close together fix the rotation and scale badly
        }

        var a = ((dqx * dpx) + (dqy * dpy)) / den;
        var b = ((dqy * dpx) - (dqx * dpy)) / den;
        var scale = Math.Sqrt((a * a) + (b * b));
        if (scale > MaxScaleChange || scale < 1 / MaxScaleChange)
        {
            motion = SimilarityMotion.Identity;
            return false;
        }

        motion = new SimilarityMotion(a, b, _qx[i] - ((a * _px[i]) - (b * _py[i])), _qy[i] - ((b * _px[i]) + (a * _py[i])));
        return true;
    }

    private int CountInliers(in SimilarityMotion h, int k, double threshold, bool[] inlier, out double residual)
    {
        var count = 0;
        residual = 0;
        for (var i = 0; i < k; i++)
        {
            var (x, y) = h.Apply(_px[i], _py[i]);
            var ex = (x - _qx[i]) / _h[i];
            var ey = (y - _qy[i]) / _h[i];
            var e = Math.Sqrt((ex * ex) + (ey * ey));
            inlier[i] = e < threshold;
            if (inlier[i])
            {
                count++;
                residual += e;
            }
        }

        return count;
    }

    private bool Refit(int k, bool[] inlier, out SimilarityMotion motion)
    {
        // Least-squares similarity on the inliers (closed form in complex numbers): centre both point sets, then
        // z = Σ q̃·conj(p̃) / Σ |p̃|², t = q̄ − z·p̄.
        double mpx = 0, mpy = 0, mqx = 0, mqy = 0;
        var count = 0;
        for (var i = 0; i < k; i++)
        {
            if (inlier[i])
            {
                mpx += _px[i];
                mpy += _py[i];
                mqx += _qx[i];
                mqy += _qy[i];
                count++;
            }
        }

        motion = SimilarityMotion.Identity;
        if (count < 2)
        {
            return false;
        }

        mpx /= count;
        mpy /= count;
        mqx /= count;
        mqy /= count;
        double numRe = 0, numIm = 0, den = 0;
        for (var i = 0; i < k; i++)
        {
            if (!inlier[i])
            {
                continue;
            }

            var px = _px[i] - mpx;
            var py = _py[i] - mpy;
            var qx = _qx[i] - mqx;
            var qy = _qy[i] - mqy;
            numRe += (qx * px) + (qy * py);
            numIm += (qy * px) - (qx * py);
            den += (px * px) + (py * py);
        }

        if (den <= 0)
        {
            return false;
        }

        var a = numRe / den;
        var b = numIm / den;

        var scale = Math.Sqrt((a * a) + (b * b));
        if (scale > MaxScaleChange || scale < 1 / MaxScaleChange)
        {
            return false;
        }

        motion = new SimilarityMotion(a, b, mqx - ((a * mpx) - (b * mpy)), mqy - ((b * mpx) + (a * mpy)));
        return true;
    }
}

/// <summary>A 2-D similarity <c>x' = a·x − b·y + tx</c>, <c>y' = b·x + a·y + ty</c>.</summary>
internal readonly record struct SimilarityMotion(double A, double B, double Tx, double Ty)
{
    public static SimilarityMotion Identity { get; } = new(1, 0, 0, 0);

    /// <summary>Gets the scale factor |a + ib|.</summary>
    public double Scale => Math.Sqrt((A * A) + (B * B));

    public (double X, double Y) Apply(double x, double y) => ((A * x) - (B * y) + Tx, (B * x) + (A * y) + Ty);
}
