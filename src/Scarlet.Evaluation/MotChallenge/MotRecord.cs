using Scarlet.Vision;

namespace Scarlet.Evaluation.MotChallenge;

/// <summary>
/// One row of a MOTChallenge text file: <c>frame,id,x,y,w,h,conf,class,visibility[,...]</c>. Ground-truth files use
/// column 7 as the "evaluate" flag, column 8 as the class and column 9 as the visibility; detection and result files
/// use column 7 as the confidence. Coordinates are kept in double precision, as the evaluation needs them.
/// </summary>
/// <param name="Frame">1-based frame number.</param>
/// <param name="Id">Object id (-1 for plain detections).</param>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width.</param>
/// <param name="Height">Height.</param>
/// <param name="Confidence">Column 7: confidence (detections, results) or evaluate flag (ground truth); 1 when missing.</param>
/// <param name="Class">Column 8: class id, -1 when missing.</param>
/// <param name="Visibility">Column 9: visibility, -1 when missing.</param>
public readonly record struct MotRecord(
    int Frame,
    int Id,
    double X,
    double Y,
    double Width,
    double Height,
    double Confidence,
    int Class,
    double Visibility)
{
    /// <summary>Gets the box in single precision.</summary>
    public BoundingBox Box => new((float)X, (float)Y, (float)Width, (float)Height);
}
