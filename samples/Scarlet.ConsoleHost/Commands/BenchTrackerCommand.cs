using System.Diagnostics;
using System.Globalization;
using Scarlet.Tracking;

namespace Scarlet.ConsoleHost.Commands;

/// <summary><c>scarlet bench tracker --det det.txt [--seqinfo ...] [--repeat N]</c>: tracker throughput alone, in frames per second.</summary>
internal static class BenchTrackerCommand
{
    public static Task<int> RunAsync(CliArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var det = args.Required("det");
        var (frames, fps) = TrackInputs.ReadSequence(args, required: false);
        var options = TrackInputs.ReadOptions(args, fps);
        var repeat = args.Int("repeat", 20);
        args.EnsureAllUsed();
        if (repeat < 1)
        {
            throw new UsageException("--repeat must be at least 1");
        }

        var perFrame = TrackInputs.LoadDetections(det, frames);
        long detections = 0;
        foreach (var f in perFrame)
        {
            detections += f.Length;
        }

        // Warm-up pass (JIT, buffers), then timed passes with a fresh tracker each.
        var outputs = Run(options, perFrame);
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        using (var bar = ConsoleUi.Progress("bench tracker: passes", repeat))
        {
            for (var r = 0; r < repeat; r++)
            {
                outputs = Run(options, perFrame);
                bar.Report(r + 1);
            }
        }

        sw.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        var totalFrames = (double)perFrame.Length * repeat;
        Console.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"mode={options.Mode} frames={perFrame.Length} detections/frame={detections / (double)Math.Max(1, perFrame.Length):F1} repeat={repeat} tracks-out/pass={outputs} alloc/frame={allocated / totalFrames:F0}B seconds={sw.Elapsed.TotalSeconds:F3}"));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fps={totalFrames / sw.Elapsed.TotalSeconds:F0}"));
        return Task.FromResult(ExitCodes.Ok);
    }

    private static long Run(TrackerOptions options, TrackerDetection[][] perFrame)
    {
        var tracker = new MultiObjectTracker(options);
        long reported = 0;
        foreach (var frame in perFrame)
        {
            reported += tracker.Update(frame).Count;
        }

        return reported;
    }
}
