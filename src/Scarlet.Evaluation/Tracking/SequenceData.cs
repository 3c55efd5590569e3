using Scarlet.Tracking.Assignment;
using Scarlet.Evaluation.MotChallenge;

namespace Scarlet.Evaluation.Tracking;

/// <summary>
/// One sequence after the MOTChallenge preprocessing, as TrackEval's <c>get_preprocessed_seq_data</c> leaves it:
/// per frame the kept ground-truth and tracker ids (relabelled 0..n-1) and their IoU matrix.
/// </summary>
internal sealed class SequenceData
{
    internal const double Eps = 2.220446049250313e-16;

    private SequenceData(int[][] gtIds, int[][] trIds, double[][] similarity, int numGtIds, int numTrIds)
    {
        GtIds = gtIds;
        TrackerIds = trIds;
        Similarity = similarity;
        NumGtIds = numGtIds;
        NumTrackerIds = numTrIds;
        for (var t = 0; t < gtIds.Length; t++)
        {
            NumGtDets += gtIds[t].Length;
            NumTrackerDets += trIds[t].Length;
        }
    }

    public int[][] GtIds { get; }

    public int[][] TrackerIds { get; }

    /// <summary>Gets per frame the row-major IoU matrix, ground truth by tracker.</summary>
    public double[][] Similarity { get; }

    public int NumGtIds { get; }

    public int NumTrackerIds { get; }

    public int NumGtDets { get; }

    public int NumTrackerDets { get; }

    public int Frames => GtIds.Length;

    public static SequenceData Create(IReadOnlyList<MotRecord> gt, IReadOnlyList<MotRecord> tracker, MotBenchmark benchmark, int? sequenceLength)
    {
        var frames = sequenceLength ?? Math.Max(MaxFrame(gt), MaxFrame(tracker));
        var gtByFrame = GroupByFrame(gt, frames);
        var trByFrame = GroupByFrame(tracker, frames);
        var gtIds = new int[frames][];
        var trIds = new int[frames][];
        var sims = new double[frames][];
        var lap = new LinearAssignment();
        var gtMap = new SortedDictionary<int, int>();
        var trMap = new SortedDictionary<int, int>();
        for (var t = 0; t < frames; t++)
        {
            var g = gtByFrame[t];
            var r = trByFrame[t];
            CheckDuplicateIds(r, t + 1);
            var sim = Iou(g, r);
            var removeTracker = new bool[r.Count];
            if (benchmark != MotBenchmark.Mot15 && g.Count > 0 && r.Count > 0)
            {
                // Drop predictions that match (IoU >= 0.5) a distractor-class ground truth box.
                var scores = new double[sim.Length];
                for (var k = 0; k < sim.Length; k++)
                {
                    scores[k] = sim[k] < 0.5 - Eps ? 0 : -sim[k];
                }

                var rowToCol = new int[g.Count];
                lap.Solve(scores, g.Count, r.Count, rowToCol);
                for (var i = 0; i < g.Count; i++)
                {
                    var j = rowToCol[i];
                    if (j >= 0 && -scores[(i * r.Count) + j] > Eps && IsDistractor(g[i].Class, benchmark))
                    {
                        removeTracker[j] = true;
                    }
                }
            }

            var keepG = new List<int>(g.Count);
            for (var i = 0; i < g.Count; i++)
            {
                var flagged = (int)g[i].Confidence != 0;
                if (benchmark == MotBenchmark.Mot15 ? flagged : flagged && g[i].Class == 1)
                {
                    keepG.Add(i);
                }
            }

            var keepR = new List<int>(r.Count);
            for (var j = 0; j < r.Count; j++)
            {
                if (!removeTracker[j])
                {
                    keepR.Add(j);
                }
            }

            gtIds[t] = new int[keepG.Count];
            trIds[t] = new int[keepR.Count];
            sims[t] = new double[keepG.Count * keepR.Count];
            for (var a = 0; a < keepG.Count; a++)
            {
                gtIds[t][a] = g[keepG[a]].Id;
                gtMap[g[keepG[a]].Id] = 0;
                for (var b = 0; b < keepR.Count; b++)
                {
                    sims[t][(a * keepR.Count) + b] = sim[(keepG[a] * r.Count) + keepR[b]];
                }
            }

            for (var b = 0; b < keepR.Count; b++)
            {
                trIds[t][b] = r[keepR[b]].Id;
                trMap[r[keepR[b]].Id] = 0;
            }
        }

        // Relabel ids to 0..n-1 in ascending order of the original id (np.unique order).
        Relabel(gtMap, gtIds);
        Relabel(trMap, trIds);
        return new SequenceData(gtIds, trIds, sims, gtMap.Count, trMap.Count);
    }

    /// <summary>IoU of xywh boxes exactly as TrackEval's <c>_calculate_box_ious</c> (double precision).</summary>
    internal static double[] Iou(List<MotRecord> a, List<MotRecord> b)
    {
        var result = new double[a.Count * b.Count];
        for (var i = 0; i < a.Count; i++)
        {
            var p = a[i];
            var areaA = p.Width * p.Height;
            for (var j = 0; j < b.Count; j++)
            {
                var q = b[j];
                var iw = Math.Max(Math.Min(p.X + p.Width, q.X + q.Width) - Math.Max(p.X, q.X), 0);
                var ih = Math.Max(Math.Min(p.Y + p.Height, q.Y + q.Height) - Math.Max(p.Y, q.Y), 0);
                var inter = iw * ih;
                var areaB = q.Width * q.Height;
                var union = areaA + areaB - inter;
                if (areaA <= Eps || areaB <= Eps || union <= Eps)
                {
                    inter = 0;
                }

                if (union <= Eps)
                {
                    union = 1;
                }

                result[(i * b.Count) + j] = inter / union;
            }
        }

        return result;
    }

    private static bool IsDistractor(int cls, MotBenchmark benchmark) =>
        cls is 2 or 7 or 8 or 12 || (benchmark == MotBenchmark.Mot20 && cls == 6);

    private static void Relabel(SortedDictionary<int, int> map, int[][] ids)
    {
        var next = 0;
        foreach (var key in map.Keys.ToArray())
        {
            map[key] = next++;
        }

        foreach (var frame in ids)
        {
            for (var k = 0; k < frame.Length; k++)
            {
                frame[k] = map[frame[k]];
            }
        }
    }

    private static void CheckDuplicateIds(List<MotRecord> rows, int frame)
    {
        for (var i = 0; i < rows.Count; i++)
        {
            for (var j = i + 1; j < rows.Count; j++)
            {
                if (rows[i].Id == rows[j].Id)
                {
                    throw new InvalidDataException($"Tracker id {rows[i].Id} appears twice in frame {frame}.");
                }
            }
        }
    }

    private static int MaxFrame(IReadOnlyList<MotRecord> rows)
    {
        var max = 0;
        foreach (var r in rows)
        {
            max = Math.Max(max, r.Frame);
        }

        return max;
    }

    private static List<MotRecord>[] GroupByFrame(IReadOnlyList<MotRecord> rows, int frames)
    {
        var result = new List<MotRecord>[frames];
        for (var t = 0; t < frames; t++)
        {
            result[t] = [];
        }

        foreach (var r in rows)
        {
            // Rows past the sequence length are ignored, as in TrackEval.
            if (r.Frame >= 1 && r.Frame <= frames)
            {
                result[r.Frame - 1].Add(r);
            }
        }

        return result;
    }
}
