using Scarlet.Tracking.CrossCamera;
using Scarlet.Vision;

namespace Scarlet.Tracking.Tests.CrossCamera;

public sealed class CrossCameraResolverTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);

    private static float[] Unit(params float[] v)
    {
        var n = MathF.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / n)];
    }

    private static int One(CrossCameraResolver r, string cam, double seconds, int track, PointF? floor = null, float[]? emb = null, string? customer = null)
    {
        var ids = new int[1];
        r.Resolve(cam, T0.AddSeconds(seconds), [new TrackObservation(track, new BoundingBox(0, 0, 10, 20), floor, emb ?? default(ReadOnlyMemory<float>), customer)], ids);
        return ids[0];
    }

    [Fact]
    public void OverlappingCameras_SamePlaceSameTime_OneGlobalId()
    {
        var r = new CrossCameraResolver(new CameraTopology().AddOverlap("a", "b"));
        var g = One(r, "a", 0, 1, new PointF(100, 100));
        Assert.Equal(g, One(r, "a", 0.1, 1, new PointF(102, 100)));
        Assert.Equal(g, One(r, "b", 0.1, 7, new PointF(110, 105)));
        Assert.Equal(g, One(r, "b", 0.2, 7, new PointF(112, 105)));
        Assert.Equal(1, r.Joins);
    }

    [Fact]
    public void OverlappingCameras_FarApart_StayDistinct()
    {
        var r = new CrossCameraResolver(new CameraTopology().AddOverlap("a", "b"));
        var g = One(r, "a", 0, 1, new PointF(100, 100));
        Assert.NotEqual(g, One(r, "b", 0, 7, new PointF(400, 100)));
    }

    [Fact]
    public void NonOverlappingCameras_NeverShareAPersonAtOnce_EvenWithIdenticalAppearance()
    {
        var r = new CrossCameraResolver(new CameraTopology());
        var e = Unit(1, 0, 0, 0);
        var g = 0;
        for (var i = 0; i < 5; i++)
        {
            g = One(r, "a", i * 0.1, 1, emb: e);
        }

        var other = 0;
        for (var i = 0; i < 5; i++)
        {
            other = One(r, "b", 0.2 + (i * 0.1), 2, emb: e);
            One(r, "a", 0.25 + (i * 0.1), 1, emb: e);
        }

        Assert.NotEqual(g, other);
    }

    [Fact]
    public void TransitTime_IsRespected_ThenAppearanceRelinks()
    {
        var topo = new CameraTopology().SetTransitTime("a", "b", TimeSpan.FromSeconds(5));
        var r = new CrossCameraResolver(topo);
        var e = Unit(1, 0.1f, 0, 0);
        var g = 0;
        for (var i = 0; i < 5; i++)
        {
            g = One(r, "a", i * 0.1, 1, emb: e);
        }

        // Appears in b 2 s later: faster than the 5 s walk, so a different person.
        var tooFast = 0;
        for (var i = 0; i < 5; i++)
        {
            tooFast = One(r, "b", 2.5 + (i * 0.1), 2, emb: e);
        }

        Assert.NotEqual(g, tooFast);

        // Another track in b 10 s later with the same appearance: as near to both persons, so appearance cannot tell
        // which one; it stays a person of its own rather than guess.
        var later = 0;
        for (var i = 0; i < 5; i++)
        {
            later = One(r, "b", 10 + (i * 0.1), 3, emb: e);
        }

        Assert.NotEqual(g, later);
        Assert.NotEqual(tooFast, later);
        Assert.Equal(0, r.Joins);
    }

    [Fact]
    public void AppearanceRelinks_AfterTheTransitTime_TheClearlyNearestPersonOnly()
    {
        var topo = new CameraTopology().SetTransitTime("a", "b", TimeSpan.FromSeconds(5));
        var r = new CrossCameraResolver(topo);
        var look = Unit(1, 0.1f, 0, 0);
        var other = Unit(0, 1, 0.2f, 0);
        for (var i = 0; i < 5; i++)
        {
            One(r, "a", i * 0.1, 1, emb: look);
            One(r, "a", i * 0.1, 2, emb: other);
        }

        var g = r.GlobalIdOf("a", 1);
        var later = 0;
        for (var i = 0; i < 5; i++)
        {
            // Slightly different crops of the same person (cosine distance ~0.005).
            later = One(r, "b", 10 + (i * 0.1), 3, emb: Unit(1, 0.2f, 0, 0));
        }

        Assert.Equal(g, later);
        Assert.Equal(1, r.Joins);
        Assert.Equal(1, r.AppearanceJoins);
    }

    [Fact]
    public void Appearance_IsTestedOncePerTrack_WhenItsMeanRestsOnMinObservations()
    {
        var r = new CrossCameraResolver(null, new CrossCameraOptions { MinObservations = 3 });
        var look = Unit(1, 0, 0, 0);
        for (var i = 0; i < 5; i++)
        {
            One(r, "a", i * 0.1, 1, emb: look);
        }

        // Camera b's new track looks like someone else for its first 3 frames (the one test), then like a's person:
        // no late join on a chance resemblance.
        var g = 0;
        for (var i = 0; i < 10; i++)
        {
            g = One(r, "b", 10 + (i * 0.1), 2, emb: i < 3 ? Unit(0, 1, 0, 0) : look);
        }

        Assert.NotEqual(r.GlobalIdOf("a", 1), g);
        Assert.Equal(0, r.Joins);
    }

    [Fact]
    public void Appearance_DoesNotJoinAPersonSeenElsewhereOnTheFloorNow()
    {
        var r = new CrossCameraResolver(new CameraTopology().AddOverlap("a", "b"));
        var look = Unit(1, 0, 0, 0);
        var ga = 0;
        var gb = 0;
        for (var i = 0; i < 10; i++)
        {
            // Same look, but a's person stands 300 floor units away from b's new track at the same time.
            ga = One(r, "a", i * 0.1, 1, new PointF(100, 100), look);
            gb = One(r, "b", i * 0.1, 2, new PointF(400, 100), look);
        }

        Assert.NotEqual(ga, gb);
        Assert.Equal(0, r.Joins);
    }

    [Fact]
    public void AppearanceBeyondThreshold_DoesNotJoin()
    {
        var r = new CrossCameraResolver();
        for (var i = 0; i < 5; i++)
        {
            One(r, "a", i * 0.1, 1, emb: Unit(1, 0, 0, 0));
        }

        var g2 = 0;
        for (var i = 0; i < 5; i++)
        {
            g2 = One(r, "b", 10 + (i * 0.1), 2, emb: Unit(0, 1, 0, 0));
        }

        Assert.Equal(0, r.Joins);
        Assert.NotEqual(r.GlobalIdOf("a", 1), g2);
    }

    [Fact]
    public void FaceIdentity_IsDecisive_AndSplitsAWrongAppearanceMerge()
    {
        var r = new CrossCameraResolver();
        var e = Unit(1, 0, 0, 0);
        for (var i = 0; i < 5; i++)
        {
            One(r, "a", i * 0.1, 1, emb: e, customer: "alice");
        }

        var alice = r.GlobalIdOf("a", 1)!.Value;
        Assert.Equal("alice", r.CustomerOf(alice));

        // Same clothes in camera b later: joined by appearance.
        var g = 0;
        for (var i = 0; i < 5; i++)
        {
            g = One(r, "b", 20 + (i * 0.1), 2, emb: e);
        }

        Assert.Equal(alice, g);

        // Then b's face says bob: split off into bob's own person.
        var bob = One(r, "b", 21, 2, emb: e, customer: "bob");
        Assert.NotEqual(alice, bob);
        Assert.Equal("bob", r.CustomerOf(bob));
        Assert.Equal(1, r.Splits);
        Assert.Equal(alice, r.GlobalIdOf("a", 1));

        // A third track whose face says alice joins alice at once, whatever it looks like.
        Assert.Equal(alice, One(r, "c", 40, 5, emb: Unit(0, 0, 1, 0), customer: "alice"));
    }

    [Fact]
    public void GlobalIds_AreStable_AfterTheJoinWindow()
    {
        var opts = new CrossCameraOptions { JoinWindow = TimeSpan.FromSeconds(1) };
        var r = new CrossCameraResolver(new CameraTopology().AddOverlap("a", "b"), opts);
        var ga = One(r, "a", 0, 1, new PointF(0, 0));
        var gb = One(r, "b", 0, 2, new PointF(500, 0));
        for (var i = 1; i < 30; i++)
        {
            Assert.Equal(ga, One(r, "a", i * 0.1, 1, new PointF(i * 10, 0)));
            // b's track drifts onto a's position after the join window: no late merge.
            Assert.Equal(gb, One(r, "b", i * 0.1, 2, new PointF(i < 15 ? 500 : i * 10, 0)));
        }
    }

    [Fact]
    public void ATrackBackFromLost_NeverSharesItsIdWithTheTrackThatTookItsPlace()
    {
        var r = new CrossCameraResolver();
        var e = Unit(1, 0, 0, 0);
        for (var i = 0; i < 5; i++)
        {
            One(r, "a", i * 0.1, 1, emb: e);
        }

        // Track 1 is lost; track 2 looks the same and takes its person over.
        var g = 0;
        for (var i = 0; i < 5; i++)
        {
            g = One(r, "a", 2 + (i * 0.1), 2, emb: e);
        }

        Assert.Equal(r.GlobalIdOf("a", 1), g);

        // Track 1 comes back in the same frame as track 2: two ids, the older track keeps the person.
        var ids = new int[2];
        r.Resolve("a", T0.AddSeconds(3), [new TrackObservation(2, default, null, e, null), new TrackObservation(1, default, null, e, null)], ids);
        Assert.NotEqual(ids[0], ids[1]);
        Assert.Equal(g, ids[1]);
    }

    [Fact]
    public void BadInput_Throws()
    {
        var r = new CrossCameraResolver();
        Assert.Throws<ArgumentException>(() => r.Resolve("a", T0, [new TrackObservation(1, default, null, default, null)], []));
        Assert.Throws<ArgumentException>(() => r.Resolve(" ", T0, [], []));
        Assert.Throws<ArgumentException>(() => new CrossCameraResolver(null, new CrossCameraOptions { MinObservations = 0 }));
        Assert.Throws<ArgumentException>(() => new CameraTopology().AddOverlap("a", "a"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CameraTopology().SetTransitTime("a", "b", TimeSpan.FromSeconds(-1)));
    }
}
