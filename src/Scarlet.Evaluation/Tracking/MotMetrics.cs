namespace Scarlet.Evaluation.Tracking;

/// <summary>
/// CLEAR MOT, identity (IDF1) and HOTA results for one sequence or a combination of sequences. Counts are kept so
/// that sequences combine as TrackEval's COMBINED does (metrics over summed counts; HOTA association and
/// localisation averaged with the true-positive counts as weights).
/// </summary>
public sealed class MotMetrics
{
    /// <summary>The HOTA localisation thresholds: 0.05, 0.10, ..., 0.95.</summary>
    public static IReadOnlyList<double> Alphas { get; } = CreateAlphas();

    internal MotMetrics()
    {
        var n = Alphas.Count;
        HotaTpArray = new double[n];
        HotaFnArray = new double[n];
        HotaFpArray = new double[n];
        AssAArray = new double[n];
        AssReArray = new double[n];
        AssPrArray = new double[n];
        LocAArray = new double[n];
    }

    /// <summary>Gets the number of evaluated ground-truth boxes.</summary>
    public int GtDetections { get; internal set; }

    /// <summary>Gets the number of evaluated tracker boxes (after preprocessing).</summary>
    public int TrackerDetections { get; internal set; }

    /// <summary>Gets the number of ground-truth trajectories.</summary>
    public int GtIds { get; internal set; }

    /// <summary>Gets the number of tracker trajectories.</summary>
    public int TrackerIds { get; internal set; }

    /// <summary>Gets the CLEAR true positives.</summary>
    public int TruePositives { get; internal set; }

    /// <summary>Gets the CLEAR false positives.</summary>
    public int FalsePositives { get; internal set; }

    /// <summary>Gets the CLEAR false negatives (misses).</summary>
    public int FalseNegatives { get; internal set; }

    /// <summary>Gets the identity switches.</summary>
    public int IdSwitches { get; internal set; }

    /// <summary>Gets the mostly tracked trajectories (tracked over 80% of their length).</summary>
    public int MostlyTracked { get; internal set; }

    /// <summary>Gets the partially tracked trajectories.</summary>
    public int PartiallyTracked { get; internal set; }

    /// <summary>Gets the mostly lost trajectories (tracked under 20% of their length).</summary>
    public int MostlyLost { get; internal set; }

    /// <summary>Gets the fragmentations.</summary>
    public int Fragmentations { get; internal set; }

    /// <summary>Gets the sum of IoU over CLEAR matches.</summary>
    public double MotpSum { get; internal set; }

    /// <summary>Gets the identity true positives.</summary>
    public int IdTruePositives { get; internal set; }

    /// <summary>Gets the identity false positives.</summary>
    public int IdFalsePositives { get; internal set; }

    /// <summary>Gets the identity false negatives.</summary>
    public int IdFalseNegatives { get; internal set; }

    /// <summary>Gets MOTA = 1 − (FN + FP + IDSW) / GT.</summary>
    public double Mota => (TruePositives - FalsePositives - IdSwitches) / (double)Math.Max(1, TruePositives + FalseNegatives);

    /// <summary>Gets MOTP as TrackEval reports it: mean IoU of the matches (py-motmetrics reports 1 − this).</summary>
    public double Motp => MotpSum / Math.Max(1, TruePositives);

    /// <summary>Gets the detection recall.</summary>
    public double Recall => TruePositives / (double)Math.Max(1, TruePositives + FalseNegatives);

    /// <summary>Gets the detection precision.</summary>
    public double Precision => TruePositives / (double)Math.Max(1, TruePositives + FalsePositives);

    /// <summary>Gets IDF1.</summary>
    public double Idf1 => IdTruePositives / Math.Max(1, IdTruePositives + (0.5 * IdFalsePositives) + (0.5 * IdFalseNegatives));

    /// <summary>Gets the identity precision.</summary>
    public double Idp => IdTruePositives / (double)Math.Max(1, IdTruePositives + IdFalsePositives);

    /// <summary>Gets the identity recall.</summary>
    public double Idr => IdTruePositives / (double)Math.Max(1, IdTruePositives + IdFalseNegatives);

    /// <summary>Gets HOTA, averaged over the localisation thresholds.</summary>
    public double Hota => Mean(a => Math.Sqrt(DetAAt(a) * AssAArray[a]));

    /// <summary>Gets the detection accuracy DetA, averaged over the thresholds.</summary>
    public double DetA => Mean(DetAAt);

    /// <summary>Gets the association accuracy AssA, averaged over the thresholds.</summary>
    public double AssA => Mean(a => AssAArray[a]);

    /// <summary>Gets the localisation accuracy LocA, averaged over the thresholds.</summary>
    public double LocA => Mean(a => LocAArray[a]);

    /// <summary>Gets the detection recall DetRe, averaged over the thresholds.</summary>
    public double DetRe => Mean(a => HotaTpArray[a] / Math.Max(1, HotaTpArray[a] + HotaFnArray[a]));

    /// <summary>Gets the detection precision DetPr, averaged over the thresholds.</summary>
    public double DetPr => Mean(a => HotaTpArray[a] / Math.Max(1, HotaTpArray[a] + HotaFpArray[a]));

    /// <summary>Gets the association recall AssRe, averaged over the thresholds.</summary>
    public double AssRe => Mean(a => AssReArray[a]);

    /// <summary>Gets the association precision AssPr, averaged over the thresholds.</summary>
    public double AssPr => Mean(a => AssPrArray[a]);

    internal double[] HotaTpArray { get; }

    internal double[] HotaFnArray { get; }

    internal double[] HotaFpArray { get; }

    internal double[] AssAArray { get; }

    internal double[] AssReArray { get; }

    internal double[] AssPrArray { get; }

    internal double[] LocAArray { get; }

    /// <summary>Combines sequences as TrackEval's COMBINED row does.</summary>
    /// <param name="sequences">Per-sequence results.</param>
    /// <returns>The combined result.</returns>
    public static MotMetrics Combine(IEnumerable<MotMetrics> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var c = new MotMetrics();
        var list = sequences.ToList();
        foreach (var s in list)
        {
            c.GtDetections += s.GtDetections;
            c.TrackerDetections += s.TrackerDetections;
            c.GtIds += s.GtIds;
            c.TrackerIds += s.TrackerIds;
            c.TruePositives += s.TruePositives;
            c.FalsePositives += s.FalsePositives;
            c.FalseNegatives += s.FalseNegatives;
            c.IdSwitches += s.IdSwitches;
            c.MostlyTracked += s.MostlyTracked;
            c.PartiallyTracked += s.PartiallyTracked;
            c.MostlyLost += s.MostlyLost;
            c.Fragmentations += s.Fragmentations;
            c.MotpSum += s.MotpSum;
            c.IdTruePositives += s.IdTruePositives;
            c.IdFalsePositives += s.IdFalsePositives;
            c.IdFalseNegatives += s.IdFalseNegatives;
        }

        for (var a = 0; a < Alphas.Count; a++)
        {
            double weight = 0, ass = 0, re = 0, pr = 0, loc = 0;
            foreach (var s in list)
            {
                c.HotaTpArray[a] += s.HotaTpArray[a];
                c.HotaFnArray[a] += s.HotaFnArray[a];
                c.HotaFpArray[a] += s.HotaFpArray[a];
                var w = s.HotaTpArray[a];
                weight += w;
                ass += s.AssAArray[a] * w;
                re += s.AssReArray[a] * w;
                pr += s.AssPrArray[a] * w;
                loc += s.LocAArray[a] * w;
            }

            var d = Math.Max(1e-10, weight);
            c.AssAArray[a] = ass / d;
            c.AssReArray[a] = re / d;
            c.AssPrArray[a] = pr / d;
            c.LocAArray[a] = loc / d;
        }

        return c;
    }

    /// <summary>Gets a one-line summary with the main figures.</summary>
    /// <returns>The summary.</returns>
    public override string ToString() => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"HOTA={Hota:F4} DetA={DetA:F4} AssA={AssA:F4} LocA={LocA:F4} MOTA={Mota:F4} MOTP={Motp:F4} IDF1={Idf1:F4} IDP={Idp:F4} IDR={Idr:F4} Rcll={Recall:F4} Prcn={Precision:F4} FP={FalsePositives} FN={FalseNegatives} IDSW={IdSwitches} MT={MostlyTracked} PT={PartiallyTracked} ML={MostlyLost} Frag={Fragmentations}");

    private static double[] CreateAlphas()
    {
        // np.arange(0.05, 0.99, 0.05): computed as start + k*step, as NumPy does.
        var a = new double[19];
        for (var k = 0; k < a.Length; k++)
        {
            a[k] = 0.05 + (k * 0.05);
        }

        return a;
    }

    private double DetAAt(int a) => HotaTpArray[a] / Math.Max(1, HotaTpArray[a] + HotaFnArray[a] + HotaFpArray[a]);

    private double Mean(Func<int, double> f)
    {
        double sum = 0;
        for (var a = 0; a < Alphas.Count; a++)
        {
            sum += f(a);
        }

        return sum / Alphas.Count;
    }
}
