using Microsoft.Extensions.Time.Testing;
using Scarlet.Tracking.Geometry;
using Scarlet.Vision;

namespace Scarlet.Tracking.Tests;

public sealed class GeometryTests
{
    private static readonly Zone s_square = new("shelf", [new(0, 0), new(100, 0), new(100, 100), new(0, 100)]);

    /// <summary>Feeds a tracker one person walking right along y = 50 (foot point), 10 px per frame.</summary>
    private static IEnumerable<IReadOnlyList<Track>> WalkRight(int frames, float startX)
    {
        var tracker = new MultiObjectTracker(new TrackerOptions());
        for (var f = 0; f < frames; f++)
        {
            // Box 20x40 whose bottom centre is (startX + 10f, 50).
            yield return tracker.Update([new TrackerDetection(new BoundingBox(startX + (10 * f) - 10, 10, 20, 40), 0.9f)]);
        }
    }

    [Fact]
    public void Zone_ContainsAndValidates()
    {
        Assert.True(s_square.Contains(new PointF(50, 50)));
        Assert.False(s_square.Contains(new PointF(150, 50)));
        Assert.Equal(10_000, s_square.Area, 1e-9);
        var concave = new Zone("L", [new(0, 0), new(10, 0), new(10, 2), new(2, 2), new(2, 10), new(0, 10)]);
        Assert.True(concave.Contains(new PointF(1, 9)));
        Assert.False(concave.Contains(new PointF(5, 5)));
        Assert.Throws<ArgumentException>(() => new Zone("x", [new(0, 0), new(1, 1)]));
        Assert.Throws<ArgumentException>(() => new Zone("x", [new(0, 0), new(1, 1), new(2, 2)]));
    }

    [Fact]
    public void LineCrossing_CountsInAndOut()
    {
        // Vertical line x = 105 from top to bottom: walking right goes from its left to its right.
        var line = new LineCrossing("door", new PointF(105, 0), new PointF(105, 100));
        var start = DateTimeOffset.UnixEpoch;
        var events = new List<LineCrossingEvent>();
        var f = 0;
        foreach (var tracks in WalkRight(10, 60))
        {
            events.AddRange(line.Update(tracks, start.AddSeconds(f++)));
        }

        var e = Assert.Single(events);
        Assert.Equal(1, line.InCount + line.OutCount);
        Assert.Equal("door", e.Line);

        // The same walk against the reversed line counts the other direction.
        var reversed = new LineCrossing("door", new PointF(105, 100), new PointF(105, 0));
        foreach (var tracks in WalkRight(10, 60))
        {
            reversed.Update(tracks, start);
        }

        Assert.Equal(line.InCount, reversed.OutCount);
        Assert.Equal(line.OutCount, reversed.InCount);
    }

    [Fact]
    public void ZoneMonitor_ReportsEntryExitDwellAndOccupancy()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var monitor = new ZoneMonitor("cam1", [s_square], clock);
        var events = new List<ZoneEvent>();
        var occupancy = new List<int>();
        foreach (var tracks in WalkRight(16, 40))
        {
            events.AddRange(monitor.Update(tracks));
            occupancy.Add(monitor.Occupancy("shelf"));
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        // Frame-1 tracks are confirmed at once: reported inside from t = 0 (foot x = 40); the foot passes x = 100 at
        // frame index 6 (on the edge) and is out at index 7 (x = 110), so the stay lasts 7 s.
        Assert.Equal(2, events.Count);
        Assert.Equal(ZoneEventKind.Entered, events[0].Kind);
        Assert.Equal(ZoneEventKind.Exited, events[1].Kind);
        Assert.Equal("cam1", events[1].CameraId);
        Assert.Equal(events[0].TrackId, events[1].TrackId);
        Assert.Equal(events[1].Timestamp - events[0].Timestamp, events[1].Dwell);
        Assert.Equal(TimeSpan.FromSeconds(7), events[1].Dwell);
        Assert.Contains(1, occupancy);
        Assert.Equal(0, occupancy[^1]);
        Assert.Throws<ArgumentException>(() => monitor.Occupancy("nope"));
    }

    [Fact]
    public void ZoneMonitor_TrackThatDisappearsInsideExits()
    {
        var monitor = new ZoneMonitor("cam1", [s_square]);
        var tracker = new MultiObjectTracker(new TrackerOptions());
        var t0 = DateTimeOffset.UnixEpoch;
        var tracks = tracker.Update([new TrackerDetection(new BoundingBox(40, 10, 20, 40), 0.9f)]);
        Assert.Single(monitor.Update(tracks, t0));
        var gone = monitor.Update([], t0.AddSeconds(3));
        var e = Assert.Single(gone);
        Assert.Equal((ZoneEventKind.Exited, TimeSpan.FromSeconds(3)), (e.Kind, e.Dwell));
    }

    [Fact]
    public void ZoneMonitor_MissedDetectionsWithinTheGraceKeepOneStay()
    {
        // 10 fps; a person stands in the zone for 6 s, is missed by the detector for 3 frames in the middle, then walks
        // away. With the default grace (1 s): one entry, one exit, the whole dwell; without a grace the gap splits the visit.
        static List<ZoneEvent> Run(ZoneMonitor monitor, List<int> occupancy)
        {
            var tracker = new MultiObjectTracker(new TrackerOptions());
            var events = new List<ZoneEvent>();
            for (var f = 0; f < 100; f++)
            {
                var footX = f < 60 ? 50f : 250f;
                var missed = f is >= 30 and < 33;
                var tracks = tracker.Update(missed ? [] : [new TrackerDetection(new BoundingBox(footX - 10, 10, 20, 40), 0.9f)]);
                events.AddRange(monitor.Update(missed ? [] : tracks, DateTimeOffset.UnixEpoch.AddSeconds(f / 10.0)));
                occupancy.Add(monitor.Occupancy("shelf"));
            }

            return events;
        }

        var occupancy = new List<int>();
        var events = Run(new ZoneMonitor("cam1", [s_square]), occupancy);
        Assert.Equal([ZoneEventKind.Entered, ZoneEventKind.Exited], events.Select(e => e.Kind));
        Assert.Equal(events[0].TrackId, events[1].TrackId);
        Assert.InRange(events[1].Dwell, TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(6.5)); // the box needs a frame or two to follow the jump
        Assert.Equal(events[1].Timestamp - events[0].Timestamp, events[1].Dwell); // stamped when it left, not when the grace ran out
        Assert.Equal(1, occupancy[31]); // still counted while the detections are missing
        Assert.Equal(0, occupancy[^1]);

        var strict = Run(new ZoneMonitor("cam1", [s_square], exitGrace: TimeSpan.Zero), []);
        Assert.Equal([ZoneEventKind.Entered, ZoneEventKind.Exited, ZoneEventKind.Entered, ZoneEventKind.Exited], strict.Select(e => e.Kind));
        Assert.Equal(TimeSpan.FromSeconds(3), strict[1].Dwell);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZoneMonitor("cam1", [s_square], exitGrace: TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void Homography_MapsTheFourPairsAndAProjectiveMidpoint()
    {
        PointF[] image = [new(100, 400), new(500, 400), new(420, 200), new(180, 200)];
        PointF[] floor = [new(0, 0), new(4, 0), new(4, 6), new(0, 6)];
        var h = new CameraHomography(image, floor);
        for (var i = 0; i < 4; i++)
        {
            var p = h.Map(image[i]);
            Assert.Equal(floor[i].X, p.X, 1e-3);
            Assert.Equal(floor[i].Y, p.Y, 1e-3);
        }

        // The intersection of the image diagonals maps to the floor centre (projective maps keep incidence).
        var centre = h.Map(new PointF(300, 275));
        Assert.Equal(2, centre.X, 1e-3);
        Assert.Equal(3, centre.Y, 1e-3);
        Assert.Throws<ArgumentException>(() => new CameraHomography([new(0, 0), new(1, 1), new(2, 2), new(3, 3)], floor));
    }
}
