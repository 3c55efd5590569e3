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
        var output = TrackOutput.Read(args);
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
        for (var f = 0; f < perFrame.Length; f++)
        {
            foreach (var track in tracker.Update(perFrame[f]))
            {
                var b = output.DetectionBox ? track.DetectionBox : track.Box;
                results.Add(new MotRecord(f + 1, track.Id, b.X, b.Y, b.Width, b.Height, track.Score, -1, -1));
            }
        }

        // Tracks as written: the offline link joins some into one.
        results = output.Finish(results);
        var ids = new HashSet<int>();
        await using (var writer = new StreamWriter(outPath, append: false))
        {
            foreach (var r in results)
            {
                MotChallengeFormat.WriteResult(writer, r);
                ids.Add(r.Id);
            }
        }

        Console.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"mode={options.Mode} frames={perFrame.Length} rows={results.Count} tracks={ids.Count} seconds={sw.Elapsed.TotalSeconds:F3} out={outPath}"));
        return ExitCodes.Ok;
    }
}
