using Scarlet.Vision;

namespace Scarlet.Testing;

/// <summary>Precision and recall of detections against ground-truth boxes at an IoU threshold (greedy, best score first).</summary>
public sealed class DetectionMatching
{
    /// <summary>Gets the matched detections.</summary>
    public int TruePositives { get; private set; }

    /// <summary>Gets the unmatched detections.</summary>
    public int FalsePositives { get; private set; }

    /// <summary>Gets the unmatched ground-truth boxes.</summary>
    public int FalseNegatives { get; private set; }

    /// <summary>Gets TP / (TP + FN).</summary>
    public double Recall => TruePositives + FalseNegatives == 0 ? 1 : (double)TruePositives / (TruePositives + FalseNegatives);

    /// <summary>Gets TP / (TP + FP).</summary>
    public double Precision => TruePositives + FalsePositives == 0 ? 1 : (double)TruePositives / (TruePositives + FalsePositives);

    /// <summary>Adds one image: detections must be sorted best first.</summary>
    public void Add(IReadOnlyList<BoundingBox> detections, IReadOnlyList<BoundingBox> truth, double iouThreshold)
    {
        var used = new bool[truth.Count];
        foreach (var d in detections)
        {
            var best = -1;
            var bestIoU = iouThreshold;
            for (var g = 0; g < truth.Count; g++)
            {
                if (used[g])
                {
                    continue;
                }

                var iou = BoundingBox.IoU(d, truth[g]);
                if (iou >= bestIoU)
                {
                    bestIoU = iou;
                    best = g;
                }
            }

            if (best >= 0)
            {
                used[best] = true;
                TruePositives++;
            }
            else
            {
                FalsePositives++;
            }
        }

        foreach (var u in used)
        {
            if (!u)
            {
                FalseNegatives++;
            }
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"recall {Recall:F4} precision {Precision:F4} (TP {TruePositives}, FP {FalsePositives}, FN {FalseNegatives})";
}
