using System.Diagnostics;
using System.Globalization;
using Scarlet.Evaluation.MotChallenge;
using Scarlet.Tracking;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet track --det det.txt (--seqinfo seqinfo.ini | --size WxH --fps F) --out result.txt</c>: tracks given
/// detections and writes a MOTChallenge result file. <c>--video</c> runs our own detector first (<see cref="TrackVideoCommand"/>).
/// </summary>
internal static class TrackCommand
{
    public static async Task<int> RunAsync(CliArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Optional("video") is not null)
        {
            return await TrackVideoCommand.RunAsync(args).ConfigureAwait(false);
        }

        var det = args.Required("det");
        var outPath = args.Required("out");
        var (frames, fps) = TrackInputs.ReadSequence(args, required: true);
        var options = TrackInputs.ReadOptions(args, fps);
        var outputBox = args.Optional("output-box") ?? "kalman";
        if (outputBox is not ("kalman" or "detection"))
        {
            throw new UsageException($"--output-box takes kalman or detection, got '{outputBox}'");
        }

        var useDetectionBox = outputBox == "detection";
        var interpolate = args.Int("interpolate", 0);
        if (interpolate < 0)
        {
            throw new UsageException("--interpolate takes the largest gap in frames to fill (0 = off)");
        }

        args.EnsureAllUsed();

        var perFrame = TrackInputs.LoadDetections(det, frames);
        var sw = Stopwatch.StartNew();
        var tracker = new MultiObjectTracker(options);
        var dir = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        var results = new List<MotRecord>();
        var ids = new HashSet<int>();
        for (var f = 0; f < perFrame.Length; f++)
        {
            foreach (var track in tracker.Update(perFrame[f]))
            {
                var b = useDetectionBox ? track.DetectionBox : track.Box;
                results.Add(new MotRecord(f + 1, track.Id, b.X, b.Y, b.Width, b.Height, track.Score, -1, -1));
                ids.Add(track.Id);
            }
        }

        if (interpolate > 0)
        {
            results = MotInterpolation.FillGaps(results, interpolate);
        }

        var rows = results.Count;
        await using (var writer = new StreamWriter(outPath, append: false))
        {
            foreach (var r in results)
            {
                MotChallengeFormat.WriteResult(writer, r);
            }
        }

        Console.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"mode={options.Mode} frames={perFrame.Length} rows={rows} tracks={ids.Count} seconds={sw.Elapsed.TotalSeconds:F3} out={outPath}"));
        return ExitCodes.Ok;
    }
}
