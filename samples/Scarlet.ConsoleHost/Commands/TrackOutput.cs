using Scarlet.Evaluation.MotChallenge;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// What <c>track --det</c> writes and a <c>track-cv</c> grid line scores, read and checked from the command line: the
/// box of each track (<c>--output-box</c>), then the offline post-processing: <c>--link-gap</c> / <c>--link-cost</c>
/// join tracks across gaps (<see cref="MotLinking"/>), <c>--interpolate</c> fills gaps inside tracks
/// (<see cref="MotInterpolation"/>), <c>--smooth</c> smooths the boxes over time (<see cref="MotSmoothing"/>). The
/// defaults were chosen by leave-one-sequence-out over the shared MOT17, TUD and PETS09 data (docs/tracking.md, fifth
/// pass); <c>--output-box kalman --link-gap 0 --interpolate 0 --smooth 0</c> writes the tracker's own output.
/// </summary>
internal sealed class TrackOutput
{
    private const int DefaultGap = 240;

    private readonly int _linkGap;
    private readonly double _linkCost;
    private readonly int _interpolate;
    private readonly double _smooth;

    private TrackOutput(bool detectionBox, int linkGap, double linkCost, int interpolate, double smooth)
    {
        DetectionBox = detectionBox;
        _linkGap = linkGap;
        _linkCost = linkCost;
        _interpolate = interpolate;
        _smooth = smooth;
    }

    /// <summary>Gets whether tracks are written with their matched detection's box rather than the Kalman estimate.</summary>
    public bool DetectionBox { get; }

    /// <summary>Reads the options, throwing a <see cref="UsageException"/> that names a bad one.</summary>
    public static TrackOutput Read(CliArgs args)
    {
        var box = args.Optional("output-box") ?? "detection";
        if (box is not ("kalman" or "detection"))
        {
            throw new UsageException($"--output-box takes kalman or detection, got '{box}'");
        }

        var interpolate = args.Int("interpolate", DefaultGap);
        if (interpolate < 0)
        {
            throw new UsageException("--interpolate takes the largest gap in frames to fill (0 = off)");
        }

        var linkGap = args.Int("link-gap", DefaultGap);
        var linkCost = args.Double("link-cost", 0.5);
        if (linkGap < 0 || linkCost <= 0)
        {
            throw new UsageException("--link-gap takes the largest gap in frames to join across (0 = off), --link-cost a cost above 0");
        }

        var smooth = args.Double("smooth", 2);
        if (smooth < 0)
        {
            throw new UsageException("--smooth takes the Gaussian's sigma in frames (0 = off)");
        }

        return new TrackOutput(box == "detection", linkGap, linkCost, interpolate, smooth);
    }

    /// <summary>Applies the offline post-processing to a whole sequence's rows.</summary>
    public List<MotRecord> Finish(List<MotRecord> rows)
    {
        if (_linkGap > 0)
        {
            rows = MotLinking.Link(rows, _linkGap, _linkCost);
        }

        if (_interpolate > 0)
        {
            rows = MotInterpolation.FillGaps(rows, _interpolate);
        }

        return _smooth > 0 ? MotSmoothing.Smooth(rows, _smooth) : rows;
    }
}
