using System.Globalization;
using Scarlet.Evaluation.Recognition;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>DET-style plot of an open-set evaluation: false-match rate (log) against miss rate, one curve per gallery size.</summary>
internal static class DetPlot
{
    public static void Write(string path, IReadOnlyList<OpenSetGalleryResult> results)
    {
        var plot = new ScottPlot.Plot();
        foreach (var r in results)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            foreach (var p in r.Sweep)
            {
                // Zero false matches has no place on a log axis: the curve stops at the first threshold with none.
                if (p.FalseMatch > 0 && !double.IsNaN(p.GenuineCorrect))
                {
                    xs.Add(Math.Log10(p.FalseMatch));
                    ys.Add(1 - p.GenuineCorrect);
                }
            }

            var line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray());
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{r.GallerySize} customers");
            var chosen = plot.Add.Marker(Math.Log10(Math.Max(r.HeldOut.FalseMatch, 1e-4)), 1 - r.HeldOut.GenuineCorrect);
            chosen.Color = line.Color;
            chosen.Size = 10;
        }

        var ticks = new List<ScottPlot.Tick>();
        foreach (var e in new[] { -4, -3, -2, -1, 0 })
        {
            ticks.Add(new ScottPlot.Tick(e, Math.Pow(10, e).ToString("0.####", CultureInfo.InvariantCulture)));
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.SetLimits(-4, 0, 0, 0.5);
        plot.XLabel("impostor false-match rate (log)");
        plot.YLabel("genuine miss rate (1 - rank-1 correct)");
        plot.Title("Open-set identification (markers: held-out at the chosen threshold)");
        plot.ShowLegend();
        if (path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            plot.SavePng(path, 800, 600);
        }
        else
        {
            plot.SaveSvg(path, 800, 600);
        }
    }
}
