using System.Globalization;
using Scarlet.Evaluation.MotChallenge;
using Scarlet.Tracking;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>Shared input handling of the tracking verbs: detections per frame and tracker options from the command line.</summary>
internal static class TrackInputs
{
    /// <summary>Reads a MOTChallenge detection file into per-frame arrays (index 0 = frame 1). Ids are ignored; a confidence of -1 counts as 1.</summary>
    public static TrackerDetection[][] LoadDetections(string path, int? frames)
    {
        var rows = MotChallengeFormat.ReadFile(path);
        var count = frames ?? 0;
        if (frames is null)
        {
            foreach (var r in rows)
            {
                count = Math.Max(count, r.Frame);
            }
        }

        var lists = new List<TrackerDetection>[count];
        for (var i = 0; i < count; i++)
        {
            lists[i] = [];
        }

        foreach (var r in rows)
        {
            if (r.Frame > count)
            {
                throw new InvalidDataException($"{path}: frame {r.Frame} is past the sequence length {count}.");
            }

            if (r.Width <= 0 || r.Height <= 0)
            {
                continue; // degenerate boxes carry no position to track
            }

            var score = r.Confidence < 0 ? 1f : (float)r.Confidence;
            lists[r.Frame - 1].Add(new TrackerDetection(r.Box, score));
        }

        var result = new TrackerDetection[count][];
        for (var i = 0; i < count; i++)
        {
            result[i] = [.. lists[i]];
        }

        return result;
    }

    /// <summary>Sequence length and frame rate from <c>--seqinfo</c> or <c>--size WxH --fps F</c>.</summary>
    public static (int? Frames, double Fps) ReadSequence(CliArgs args, bool required)
    {
        var seqinfo = args.Optional("seqinfo");
        var size = args.Optional("size");
        var fpsGiven = args.Has("fps");
        if (seqinfo is not null)
        {
            if (size is not null || fpsGiven)
            {
                throw new UsageException("give either --seqinfo or --size/--fps, not both");
            }

            var info = SequenceInfo.Read(seqinfo);
            return (info.Length, info.FrameRate);
        }

        if (size is null || !fpsGiven)
        {
            if (required)
            {
                throw new UsageException("--seqinfo <seqinfo.ini> or --size WxH --fps F is required");
            }

            return (null, args.Double("fps", 30));
        }

        var parts = size.Split('x', 'X');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var w) || w <= 0
            || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var h) || h <= 0)
        {
            throw new UsageException($"--size takes WxH in pixels, got '{size}'");
        }

        var f = args.Double("fps", 0);
        if (f <= 0)
        {
            throw new UsageException("--fps must be positive");
        }

        return (null, f);
    }

    /// <summary>Tracker options: defaults, then command-line overrides.</summary>
    public static TrackerOptions ReadOptions(CliArgs args, double fps)
    {
        var o = new TrackerOptions { FrameRate = fps };
        var mode = args.Optional("mode") ?? "bytetrack";
        o.Mode = mode.ToUpperInvariant() switch
        {
            "BYTETRACK" => TrackerMode.ByteTrack,
            "SORT" => TrackerMode.Sort,
            _ => throw new UsageException($"--mode takes bytetrack or sort, got '{mode}'"),
        };
        o.HighScoreThreshold = (float)args.Double("track-thresh", o.HighScoreThreshold);
        o.LowScoreThreshold = (float)args.Double("low-thresh", o.LowScoreThreshold);
        o.NewTrackScoreThreshold = (float)args.Double("new-track-thresh", o.NewTrackScoreThreshold);
        o.FirstMatchMinIoU = (float)args.Double("match-iou", o.FirstMatchMinIoU);
        o.LostMatchMinIoU = (float)args.Double("lost-match-iou", o.LostMatchMinIoU);
        o.SecondMatchMinIoU = (float)args.Double("second-match-iou", o.SecondMatchMinIoU);
        o.TentativeMatchMinIoU = (float)args.Double("tentative-match-iou", o.TentativeMatchMinIoU);
        o.LostTrackBuffer = args.Int("track-buffer", o.LostTrackBuffer);
        o.MinBoxArea = (float)args.Double("min-box-area", o.MinBoxArea);
        o.MaxAspectRatio = (float)args.Double("max-aspect", o.MaxAspectRatio);
        o.SortMinHits = args.Int("min-hits", o.SortMinHits);
        o.SortMaxAge = args.Int("max-age", o.SortMaxAge);
        o.SortMinIoU = (float)args.Double("sort-iou", o.SortMinIoU);
        if (args.Flag("confirm-on-birth"))
        {
            o.ConfirmOnBirth = true;
        }

        if (args.Flag("cmc"))
        {
            o.CameraMotionCompensation = true;
        }

        if (args.Flag("no-cmc"))
        {
            o.CameraMotionCompensation = false;
        }

        o.CameraMotionInlierThreshold = (float)args.Double("cmc-inlier", o.CameraMotionInlierThreshold);
        o.CameraMotionMinInliers = args.Int("cmc-min-inliers", o.CameraMotionMinInliers);
        o.CameraMotionIdentityMargin = (float)args.Double("cmc-margin", o.CameraMotionIdentityMargin);
        o.CameraMotionMaxResidualRatio = (float)args.Double("cmc-residual-ratio", o.CameraMotionMaxResidualRatio);
        o.CameraMotionMinShift = (float)args.Double("cmc-min-shift", o.CameraMotionMinShift);
        if (args.Flag("oru"))
        {
            o.ObservationCentricReUpdate = true;
        }

        if (args.Flag("no-oru"))
        {
            o.ObservationCentricReUpdate = false;
        }

        o.MomentumWeight = (float)args.Double("momentum", o.MomentumWeight);
        o.MomentumDeltaFrames = args.Int("momentum-delta", o.MomentumDeltaFrames);
        o.RecoveryMinIoU = (float)args.Double("recovery-iou", o.RecoveryMinIoU);
        o.RecoveryMinHits = args.Int("recovery-min-hits", o.RecoveryMinHits);
        if (args.Flag("recovery-skip-border"))
        {
            o.RecoverySkipsBorderTracks = true;
        }

        if (args.Flag("no-recovery-skip-border"))
        {
            o.RecoverySkipsBorderTracks = false;
        }

        o.TentativeMaxMisses = args.Int("tentative-misses", o.TentativeMaxMisses);
        if (args.Flag("no-fuse-score"))
        {
            o.FuseScore = false;
        }

        try
        {
            _ = new MultiObjectTracker(o); // validates
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }

        return o;
    }
}
