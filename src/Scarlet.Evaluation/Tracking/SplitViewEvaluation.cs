using Scarlet.Evaluation.MotChallenge;

namespace Scarlet.Evaluation.Tracking;

/// <summary>
/// Ground truth for virtual cameras cut out of one video (vertical strips of the frame): boxes clipped into a view,
/// shifted into its coordinates and renumbered by a frame offset, so that several views evaluate as one sequence with
/// the views' frames concatenated (view k's frame f becomes f + k × length). Identity metrics (IDF1) over that
/// sequence then score whether one person keeps one global id across views.
/// </summary>
public static class SplitViewEvaluation
{
    /// <summary>Clips ground truth into the strip [<paramref name="viewX"/>, <paramref name="viewX"/> + <paramref name="viewWidth"/>).</summary>
    /// <param name="groundTruth">Full-frame rows.</param>
    /// <param name="viewX">The strip's left edge in the full frame.</param>
    /// <param name="viewWidth">The strip's width.</param>
    /// <param name="frameOffset">Added to every frame number.</param>
    /// <param name="minVisibleFraction">Rows whose visible width is below this share of their width are dropped (a sliver at the edge is not a person to find).</param>
    /// <returns>The rows of the view.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Width not positive or the fraction outside [0, 1].</exception>
    public static List<MotRecord> ClipToView(IReadOnlyList<MotRecord> groundTruth, int viewX, int viewWidth, int frameOffset, double minVisibleFraction = 0.5)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(viewWidth, 0);
        if (!(minVisibleFraction >= 0 && minVisibleFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(minVisibleFraction), minVisibleFraction, "Must be in [0, 1].");
        }

        var result = new List<MotRecord>();
        foreach (var r in groundTruth)
        {
            var x0 = Math.Max(r.X, viewX);
            var x1 = Math.Min(r.X + r.Width, viewX + viewWidth);
            if (x1 <= x0 || r.Width <= 0 || (x1 - x0) < minVisibleFraction * r.Width)
            {
                continue;
            }

            result.Add(r with { Frame = r.Frame + frameOffset, X = x0 - viewX, Width = x1 - x0 });
        }

        return result;
    }
}
