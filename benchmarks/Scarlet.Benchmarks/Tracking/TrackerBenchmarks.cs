using BenchmarkDotNet.Attributes;
using Scarlet.Evaluation.MotChallenge;
using Scarlet.Testing;
using Scarlet.Tracking;
using Scarlet.Tracking.Assignment;

namespace Scarlet.Benchmarks.Tracking;

/// <summary>
/// The tracker alone over MOT17-04 (1050 frames, MPNTrack boxes without ids as detections, about 30 per frame).
/// Target: at least 2,000 frames/s, i.e. one operation (a whole sequence) under 525 ms.
/// </summary>
[MemoryDiagnoser]
public class TrackerBenchmarks
{
    private TrackerDetection[][] _frames = [];
    private double[] _cost = [];
    private int[] _assignment = [];
    private readonly LinearAssignment _lap = new();

    [Params(TrackerMode.ByteTrack, TrackerMode.Sort)]
    public TrackerMode Mode { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rows = MotChallengeFormat.ReadFile(TestAssets.Data("mot17/trackers/MPNTrack/data/MOT17-04-FRCNN.txt"));
        var lists = new List<TrackerDetection>[1050];
        for (var i = 0; i < lists.Length; i++)
        {
            lists[i] = [];
        }

        foreach (var r in rows)
        {
            lists[r.Frame - 1].Add(new TrackerDetection(r.Box, r.Confidence < 0 ? 1f : (float)r.Confidence));
        }

        _frames = new TrackerDetection[lists.Length][];
        for (var i = 0; i < lists.Length; i++)
        {
            _frames[i] = [.. lists[i]];
        }

        var rng = new Random(1);
        _cost = new double[100 * 100];
        for (var k = 0; k < _cost.Length; k++)
        {
            _cost[k] = rng.NextDouble();
        }

        _assignment = new int[100];
    }

    /// <summary>One whole sequence: 1050 frames.</summary>
    [Benchmark(OperationsPerInvoke = 1050)]
    public int TrackSequence()
    {
        var tracker = new MultiObjectTracker(new TrackerOptions { Mode = Mode, FrameRate = 30 });
        var reported = 0;
        foreach (var frame in _frames)
        {
            reported += tracker.Update(frame).Count;
        }

        return reported;
    }

    /// <summary>A dense 100 x 100 assignment (the worst case per frame with 100 objects).</summary>
    [Benchmark]
    public int Assign100x100() => _lap.Solve(_cost, 100, 100, _assignment);
}
