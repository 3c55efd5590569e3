using Scarlet.Tracking.Assignment;
using Scarlet.Evaluation.MotChallenge;

namespace Scarlet.Evaluation.Tracking;

/// <summary>
/// Scores tracker output against ground truth with the MOTChallenge protocol, following TrackEval's algorithms:
/// CLEAR MOT (per-frame matching that prefers last frame's pairs), identity metrics (global id matching) and HOTA
/// (per localisation threshold, matching by IoU weighted with the global alignment score).
/// </summary>
public static class MotEvaluator
{
    private const double Eps = SequenceData.Eps;
    private const double Threshold = 0.5;

    /// <summary>Evaluates one sequence.</summary>
    /// <param name="groundTruth">Ground-truth rows (<c>frame,id,x,y,w,h,flag,class,visibility</c>).</param>
    /// <param name="tracker">Tracker rows.</param>
    /// <param name="benchmark">The preprocessing protocol.</param>
    /// <param name="sequenceLength">Number of frames; null to use the last frame seen in either input.</param>
    /// <returns>The metrics.</returns>
    /// <exception cref="InvalidDataException">The tracker output repeats an id within a frame.</exception>
    public static MotMetrics Evaluate(IReadOnlyList<MotRecord> groundTruth, IReadOnlyList<MotRecord> tracker, MotBenchmark benchmark, int? sequenceLength = null)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(tracker);
        var data = SequenceData.Create(groundTruth, tracker, benchmark, sequenceLength);
        var m = new MotMetrics
        {
            GtDetections = data.NumGtDets,
            TrackerDetections = data.NumTrackerDets,
            GtIds = data.NumGtIds,
            TrackerIds = data.NumTrackerIds,
        };
        var lap = new LinearAssignment();
        Clear(data, m, lap);
        Identity(data, m, lap);
        Hota(data, m, lap);
        return m;
    }

    /// <summary>
    /// Picks the protocol for a ground-truth file when none is given: MOT17 if every row carries a class (a whole
    /// number ≥ 1 in column 8), MOT15 otherwise (MOT15 files have -1 or world coordinates there).
    /// </summary>
    /// <param name="groundTruth">Ground-truth rows.</param>
    /// <returns>The protocol.</returns>
    public static MotBenchmark DetectBenchmark(IReadOnlyList<MotRecord> groundTruth)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        foreach (var r in groundTruth)
        {
            if (r.Class < 1)
            {
                return MotBenchmark.Mot15;
            }
        }

        return groundTruth.Count > 0 ? MotBenchmark.Mot17 : MotBenchmark.Mot15;
    }

    private static void Clear(SequenceData d, MotMetrics m, LinearAssignment lap)
    {
        if (d.NumTrackerDets == 0)
        {
            m.FalseNegatives = d.NumGtDets;
            m.MostlyLost = d.NumGtIds;
            return;
        }

        if (d.NumGtDets == 0)
        {
            m.FalsePositives = d.NumTrackerDets;
            return;
        }

        var gtCount = new int[d.NumGtIds];
        var gtMatched = new int[d.NumGtIds];
        var gtFrag = new int[d.NumGtIds];
        var prevTracker = new int[d.NumGtIds];          // last tracker id ever matched (for IDSW scoring)
        var prevStepTracker = new int[d.NumGtIds];      // tracker id matched in the previous evaluated frame
        Array.Fill(prevTracker, -1);
        Array.Fill(prevStepTracker, -1);
        var matchedNow = new int[d.NumGtIds];
        int tp = 0, fn = 0, fp = 0, idsw = 0;
        double motp = 0;
        for (var t = 0; t < d.Frames; t++)
        {
            var g = d.GtIds[t];
            var r = d.TrackerIds[t];
            if (g.Length == 0)
            {
                // TrackEval skips the frame entirely: the previous-frame memory carries over.
                fp += r.Length;
                continue;
            }

            if (r.Length == 0)
            {
                fn += g.Length;
                foreach (var id in g)
                {
                    gtCount[id]++;
                }

                continue;
            }

            var sim = d.Similarity[t];
            var score = new double[sim.Length];
            for (var i = 0; i < g.Length; i++)
            {
                for (var j = 0; j < r.Length; j++)
                {
                    var k = (i * r.Length) + j;
                    var s = (prevStepTracker[g[i]] == r[j] ? 1000.0 : 0.0) + sim[k];
                    score[k] = sim[k] < Threshold - Eps ? 0 : -s;
                }
            }

            var rowToCol = new int[g.Length];
            lap.Solve(score, g.Length, r.Length, rowToCol);
            Array.Fill(matchedNow, -1);
            var matches = 0;
            for (var i = 0; i < g.Length; i++)
            {
                var j = rowToCol[i];
                if (j < 0 || -score[(i * r.Length) + j] <= Eps)
                {
                    continue;
                }

                var gid = g[i];
                var tid = r[j];
                if (prevTracker[gid] >= 0 && prevTracker[gid] != tid)
                {
                    idsw++;
                }

                matchedNow[gid] = tid;
                gtMatched[gid]++;
                motp += sim[(i * r.Length) + j];
                matches++;
            }

            foreach (var id in g)
            {
                gtCount[id]++;
            }

            for (var id = 0; id < d.NumGtIds; id++)
            {
                var notPreviouslyTracked = prevStepTracker[id] < 0;
                if (matchedNow[id] >= 0)
                {
                    prevTracker[id] = matchedNow[id];
                }

                prevStepTracker[id] = matchedNow[id];
                if (notPreviouslyTracked && matchedNow[id] >= 0)
                {
                    gtFrag[id]++;
                }
            }

            tp += matches;
            fn += g.Length - matches;
            fp += r.Length - matches;
        }

        int mt = 0, pt = 0;
        for (var id = 0; id < d.NumGtIds; id++)
        {
            if (gtCount[id] == 0)
            {
                continue;
            }

            var ratio = gtMatched[id] / (double)gtCount[id];
            if (ratio > 0.8)
            {
                mt++;
            }
            else if (ratio >= 0.2)
            {
                pt++;
            }
        }

        var frag = 0;
        foreach (var f in gtFrag)
        {
            if (f > 0)
            {
                frag += f - 1;
            }
        }

        m.TruePositives = tp;
        m.FalseNegatives = fn;
        m.FalsePositives = fp;
        m.IdSwitches = idsw;
        m.MotpSum = motp;
        m.MostlyTracked = mt;
        m.PartiallyTracked = pt;
        m.MostlyLost = d.NumGtIds - mt - pt;
        m.Fragmentations = frag;
    }

    private static void Identity(SequenceData d, MotMetrics m, LinearAssignment lap)
    {
        if (d.NumTrackerDets == 0)
        {
            m.IdFalseNegatives = d.NumGtDets;
            return;
        }

        if (d.NumGtDets == 0)
        {
            m.IdFalsePositives = d.NumTrackerDets;
            return;
        }

        // IDTP is the maximum-weight bipartite matching of gt ids to tracker ids on their per-frame match counts;
        // this is the same optimum as TrackEval's augmented (gt+tracker)² FN+FP cost matrix.
        var nG = d.NumGtIds;
        var nT = d.NumTrackerIds;
        var counts = new double[nG * nT];
        for (var t = 0; t < d.Frames; t++)
        {
            var g = d.GtIds[t];
            var r = d.TrackerIds[t];
            var sim = d.Similarity[t];
            for (var i = 0; i < g.Length; i++)
            {
                for (var j = 0; j < r.Length; j++)
                {
                    if (sim[(i * r.Length) + j] >= Threshold)
                    {
                        counts[(g[i] * nT) + r[j]] -= 1;
                    }
                }
            }
        }

        var rowToCol = new int[nG];
        lap.Solve(counts, nG, nT, rowToCol);
        var idtp = 0;
        for (var i = 0; i < nG; i++)
        {
            if (rowToCol[i] >= 0)
            {
                idtp += (int)-counts[(i * nT) + rowToCol[i]];
            }
        }

        m.IdTruePositives = idtp;
        m.IdFalseNegatives = d.NumGtDets - idtp;
        m.IdFalsePositives = d.NumTrackerDets - idtp;
    }

    private static void Hota(SequenceData d, MotMetrics m, LinearAssignment lap)
    {
        var alphas = MotMetrics.Alphas;
        var na = alphas.Count;
        if (d.NumTrackerDets == 0 || d.NumGtDets == 0)
        {
            for (var a = 0; a < na; a++)
            {
                m.HotaFnArray[a] = d.NumGtDets;
                m.HotaFpArray[a] = d.NumTrackerDets;
                m.LocAArray[a] = 1;
            }

            return;
        }

        var nG = d.NumGtIds;
        var nT = d.NumTrackerIds;
        var potential = new double[nG * nT];
        var gtIdCount = new double[nG];
        var trIdCount = new double[nT];
        for (var t = 0; t < d.Frames; t++)
        {
            var g = d.GtIds[t];
            var r = d.TrackerIds[t];
            var sim = d.Similarity[t];
            var rowSum = new double[g.Length];
            var colSum = new double[r.Length];
            for (var i = 0; i < g.Length; i++)
            {
                for (var j = 0; j < r.Length; j++)
                {
                    rowSum[i] += sim[(i * r.Length) + j];
                    colSum[j] += sim[(i * r.Length) + j];
                }
            }

            for (var i = 0; i < g.Length; i++)
            {
                for (var j = 0; j < r.Length; j++)
                {
                    var s = sim[(i * r.Length) + j];
                    var denom = colSum[j] + rowSum[i] - s;
                    if (denom > Eps)
                    {
                        potential[(g[i] * nT) + r[j]] += s / denom;
                    }
                }
            }

            foreach (var id in g)
            {
                gtIdCount[id]++;
            }

            foreach (var id in r)
            {
                trIdCount[id]++;
            }
        }

        var alignment = new double[nG * nT];
        for (var i = 0; i < nG; i++)
        {
            for (var j = 0; j < nT; j++)
            {
                var p = potential[(i * nT) + j];
                alignment[(i * nT) + j] = p / (gtIdCount[i] + trIdCount[j] - p);
            }
        }

        var matchCounts = new double[na][];
        for (var a = 0; a < na; a++)
        {
            matchCounts[a] = new double[nG * nT];
        }

        for (var t = 0; t < d.Frames; t++)
        {
            var g = d.GtIds[t];
            var r = d.TrackerIds[t];
            if (g.Length == 0 || r.Length == 0)
            {
                for (var a = 0; a < na; a++)
                {
                    m.HotaFpArray[a] += r.Length;
                    m.HotaFnArray[a] += g.Length;
                }

                continue;
            }

            var sim = d.Similarity[t];
            var score = new double[sim.Length];
            for (var i = 0; i < g.Length; i++)
            {
                for (var j = 0; j < r.Length; j++)
                {
                    score[(i * r.Length) + j] = -(alignment[(g[i] * nT) + r[j]] * sim[(i * r.Length) + j]);
                }
            }

            var rowToCol = new int[g.Length];
            lap.Solve(score, g.Length, r.Length, rowToCol);
            for (var a = 0; a < na; a++)
            {
                var matches = 0;
                for (var i = 0; i < g.Length; i++)
                {
                    var j = rowToCol[i];
                    if (j < 0)
                    {
                        continue;
                    }

                    var s = sim[(i * r.Length) + j];
                    if (s >= alphas[a] - Eps)
                    {
                        matches++;
                        m.LocAArray[a] += s;
                        matchCounts[a][(g[i] * nT) + r[j]] += 1;
                    }
                }

                m.HotaTpArray[a] += matches;
                m.HotaFnArray[a] += g.Length - matches;
                m.HotaFpArray[a] += r.Length - matches;
            }
        }

        for (var a = 0; a < na; a++)
        {
            var mc = matchCounts[a];
            double ass = 0, re = 0, pr = 0;
            for (var i = 0; i < nG; i++)
            {
                for (var j = 0; j < nT; j++)
                {
                    var c = mc[(i * nT) + j];
                    if (c == 0)
                    {
                        continue;
                    }

                    ass += c * (c / Math.Max(1, gtIdCount[i] + trIdCount[j] - c));
                    re += c * (c / Math.Max(1, gtIdCount[i]));
                    pr += c * (c / Math.Max(1, trIdCount[j]));
                }
            }

            var tp = Math.Max(1, m.HotaTpArray[a]);
            m.AssAArray[a] = ass / tp;
            m.AssReArray[a] = re / tp;
            m.AssPrArray[a] = pr / tp;
            m.LocAArray[a] = Math.Max(1e-10, m.LocAArray[a]) / Math.Max(1e-10, m.HotaTpArray[a]);
        }
    }
}
