using System.Globalization;
using System.Numerics.Tensors;
using Scarlet.Evaluation.MotChallenge;
using Scarlet.Evaluation.Tracking;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>track --video ... --views ... --reid --gt ... --reid-stats</c>: how well re-ID embeddings separate people on the
/// clip, as the cross-camera resolver sees them. Each reported track is given the ground-truth id it overlaps (IoU ≥ 0.5)
/// in most of its frames and the recorded embeddings of the detections under its boxes; then pairs of tracks are
/// compared by the cosine distance of their mean embeddings, split by same / different ground-truth person.
/// </summary>
internal static class ReIdDistanceReport
{
    private static readonly double[] Quantiles = [0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95];

    public static void Print(ModelRecording recording, IReadOnlyList<View> views, int minObservations)
    {
        var tracks = Collect(recording, views);
        var n = Math.Max(1, minObservations);
        var candidatesSame = new List<double>();
        var candidatesDiff = new List<double>();
        var simultaneousSame = new List<double>();
        var simultaneousDiff = new List<double>();
        var nearestRight = new List<(double D1, double Margin)>();
        var nearestWrong = new List<(double D1, double Margin)>();
        var noSame = 0;
        foreach (var a in tracks)
        {
            if (a.Gt < 0 || a.Embeddings.Count < n)
            {
                continue;
            }

            // What the resolver has when the new track first may join by appearance: its first n frames.
            var early = Mean(a.Embeddings, n);
            var perGt = new Dictionary<int, double>();
            foreach (var b in tracks)
            {
                if (b == a || b.Gt < 0 || b.Embeddings.Count == 0)
                {
                    continue;
                }

                if (b.First < a.First && b.Last < a.First)
                {
                    // Ended before the new track began: an appearance candidate.
                    var d = Distance(early, Mean(b.Embeddings, b.Embeddings.Count));
                    (a.Gt == b.Gt ? candidatesSame : candidatesDiff).Add(d);
                    perGt[b.Gt] = perGt.TryGetValue(b.Gt, out var old) ? Math.Min(old, d) : d;
                }
                else if (!string.Equals(a.Camera, b.Camera, StringComparison.Ordinal) && b.First <= a.First && b.Last >= a.First)
                {
                    // Visible in the other view when the new track began: what the floor match and its veto see.
                    var d = Distance(early, Mean(b.Embeddings, b.Embeddings.Count));
                    (a.Gt == b.Gt ? simultaneousSame : simultaneousDiff).Add(d);
                }
            }

            if (perGt.Count == 0)
            {
                continue;
            }

            if (!perGt.ContainsKey(a.Gt))
            {
                noSame++;
            }

            var ranked = perGt.OrderBy(kv => kv.Value).ToList();
            var margin = ranked.Count > 1 ? ranked[1].Value - ranked[0].Value : double.PositiveInfinity;
            (ranked[0].Key == a.Gt ? nearestRight : nearestWrong).Add((ranked[0].Value, margin));
        }

        Console.WriteLine($"re-ID distances (cosine, mean embeddings; new track: first {n} frames), {tracks.Count} tracks, {tracks.Count(t => t.Gt >= 0)} with a gt id");
        Line("earlier ended track, same person", candidatesSame);
        Line("earlier ended track, other person", candidatesDiff);
        Line("other view at the same time, same person", simultaneousSame);
        Line("other view at the same time, other person", simultaneousDiff);
        Console.WriteLine($"nearest earlier person (by gt id): right {nearestRight.Count}, wrong {nearestWrong.Count} (of which {noSame} had no earlier track of their own person)");
        Line("  right: distance to nearest", [.. nearestRight.Select(x => x.D1)]);
        Line("  wrong: distance to nearest", [.. nearestWrong.Select(x => x.D1)]);
        Line("  right: margin to second", [.. nearestRight.Select(x => x.Margin).Where(double.IsFinite)]);
        Line("  wrong: margin to second", [.. nearestWrong.Select(x => x.Margin).Where(double.IsFinite)]);
        foreach (var t in new[] { 0.15, 0.2, 0.25, 0.3, 0.35 })
        {
            foreach (var m in new[] { 0.0, 0.02, 0.05, 0.1 })
            {
                var right = nearestRight.Count(x => x.D1 <= t && x.Margin >= m);
                var wrong = nearestWrong.Count(x => x.D1 <= t && x.Margin >= m);
                Console.Write(string.Create(CultureInfo.InvariantCulture, $"  d<={t:F2} margin>={m:F2}: {right} right/{wrong} wrong;"));
            }

            Console.WriteLine();
        }
    }

    private static List<TrackInfo> Collect(ModelRecording recording, IReadOnlyList<View> views)
    {
        var all = new List<TrackInfo>();
        foreach (var view in views)
        {
            var gtByFrame = view.GroundTruth.GroupBy(r => r.Frame).ToDictionary(g => g.Key, g => g.ToList());
            var byId = new Dictionary<int, TrackInfo>();
            for (var i = 0; i < view.Updates.Count; i++)
            {
                var u = view.Updates[i];
                var dets = recording.Detections(view.Camera, i);
                foreach (var p in u.Persons)
                {
                    if (!byId.TryGetValue(p.TrackId, out var t))
                    {
                        t = new TrackInfo(view.Camera, (int)u.Sequence);
                        byId[p.TrackId] = t;
                        all.Add(t);
                    }

                    t.Last = (int)u.Sequence;
                    t.Frames++;
                    var best = 0.5f;
                    float[]? embedding = null;
                    foreach (var d in dets)
                    {
                        var iou = BoundingBox.IoU(p.Box, d.Box);
                        if (iou >= best && d.Embedding is not null)
                        {
                            best = iou;
                            embedding = d.Embedding;
                        }
                    }

                    if (embedding is not null)
                    {
                        t.Embeddings.Add(embedding);
                    }

                    if (gtByFrame.TryGetValue((int)u.Sequence, out var gts))
                    {
                        var bestGt = 0.5f;
                        var id = -1;
                        foreach (var g in gts)
                        {
                            var iou = BoundingBox.IoU(p.Box, new BoundingBox((float)g.X, (float)g.Y, (float)g.Width, (float)g.Height));
                            if (iou >= bestGt)
                            {
                                bestGt = iou;
                                id = g.Id;
                            }
                        }

                        if (id >= 0)
                        {
                            t.Votes[id] = t.Votes.GetValueOrDefault(id) + 1;
                        }
                    }
                }
            }
        }

        foreach (var t in all)
        {
            foreach (var (id, votes) in t.Votes)
            {
                if (2 * votes >= t.Frames)
                {
                    t.Gt = id;
                }
            }
        }

        return all;
    }

    private static float[] Mean(List<float[]> embeddings, int count)
    {
        var sum = new float[embeddings[0].Length];
        for (var i = 0; i < count; i++)
        {
            TensorPrimitives.Add(sum, embeddings[i], sum);
        }

        var norm = TensorPrimitives.Norm(sum);
        TensorPrimitives.Divide(sum, norm, sum);
        return sum;
    }

    private static double Distance(float[] a, float[] b) => 1.0 - TensorPrimitives.Dot(a, b);

    private static void Line(string what, List<double> values)
    {
        values.Sort();
        var parts = string.Join(" ", Quantiles.Select(q => string.Create(CultureInfo.InvariantCulture, $"p{q * 100:F0}={Quantile(values, q):F3}")));
        Console.WriteLine($"{what}: n={values.Count} {(values.Count == 0 ? string.Empty : parts)}");
    }

    private static double Quantile(List<double> sorted, double q)
    {
        var pos = q * (sorted.Count - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (pos - lo));
    }

    internal sealed record View(string Camera, IReadOnlyList<TrackingUpdate> Updates, IReadOnlyList<MotRecord> GroundTruth);

    private sealed class TrackInfo(string camera, int first)
    {
        public string Camera { get; } = camera;

        public int First { get; } = first;

        public int Last { get; set; } = first;

        public int Frames { get; set; }

        public int Gt { get; set; } = -1;

        public List<float[]> Embeddings { get; } = [];

        public Dictionary<int, int> Votes { get; } = [];
    }
}
