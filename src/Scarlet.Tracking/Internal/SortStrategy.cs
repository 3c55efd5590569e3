using Scarlet.Vision;

namespace Scarlet.Tracking.Internal;

/// <summary>
/// The SORT baseline (Bewley et al. 2016) as its reference code does it: Kalman filter on (cx, cy, area, aspect), one
/// IoU assignment per frame, tracks reported after <see cref="TrackerOptions.SortMinHits"/> consecutive hits and dropped
/// after <see cref="TrackerOptions.SortMaxAge"/> frames unmatched.
/// </summary>
internal sealed class SortStrategy(TrackerOptions options, TrackAssociation association, List<Track> output, List<Track> removed) : ITrackerStrategy
{
    private static readonly double[] s_sortQ = [1, 1, 1, 1, 0.01, 0.01, 1e-4];
    private static readonly double[] s_sortR = [1, 1, 10, 10];

    private readonly TrackerOptions _options = options;
    private readonly TrackAssociation _association = association;
    private readonly List<Track> _output = output;
    private readonly List<Track> _removed = removed;
    private readonly List<Track> _tracked = [];
    private readonly List<Track> _scratchTracks = [];
    private readonly List<int> _high = [];
    private int _nextId = 1;

    private int FrameCount { get; set; }

    public void AddLiveTracks(List<Track> into) => into.AddRange(_tracked);

    public void Reset() => _tracked.Clear();

    public void Update(ReadOnlySpan<TrackerDetection> dets, int frame)
    {
        FrameCount = frame;
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

        _association.Associate(_tracked, _high, dets, o.SortMinIoU, fuseScore: false, useAppearance: false, FrameCount);
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
            if (_association.IsUsed(i))
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
            if (reported && _options.IsReportable(t.Box))
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
