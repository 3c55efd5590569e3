namespace Scarlet.Vision;

/// <summary>Greedy non-maximum suppression over candidate boxes, without per-call allocations beyond pooled buffers.</summary>
internal static class NonMaxSuppression
{
    /// <summary>
    /// Sorts <paramref name="order"/> (indices into <paramref name="boxes"/>) by descending score and keeps boxes whose IoU
    /// with every kept, better box is at most <paramref name="iouThreshold"/>.
    /// </summary>
    /// <returns>The number of kept indices, written to the front of <paramref name="order"/>, best first.</returns>
    public static int Run(ReadOnlySpan<BoundingBox> boxes, Span<float> scores, Span<int> order, float iouThreshold, int maxKeep)
    {
        var n = order.Length;
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        // Sort indices by descending score: sort negated scores ascending, carrying the indices.
        for (var i = 0; i < n; i++)
        {
            scores[i] = -scores[i];
        }

        scores[..n].Sort(order);
        for (var i = 0; i < n; i++)
        {
            scores[i] = -scores[i];
        }

        var kept = 0;
        for (var i = 0; i < n && kept < maxKeep; i++)
        {
            var candidate = boxes[order[i]];
            var suppressed = false;
            for (var j = 0; j < kept; j++)
            {
                if (BoundingBox.IoU(candidate, boxes[order[j]]) > iouThreshold)
                {
                    suppressed = true;
                    break;
                }
            }

            if (!suppressed)
            {
                order[kept++] = order[i];
            }
        }

        return kept;
    }
}
