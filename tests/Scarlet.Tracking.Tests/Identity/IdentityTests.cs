using Scarlet.Tracking.Identity;
using Scarlet.Vision;

namespace Scarlet.Tracking.Tests.Identity;

public sealed class IdentityTests
{
    [Fact]
    public void Voter_NeedsMinFaces_ThenDecidesByWeightedVotes()
    {
        var v = new TrackIdentityVoter(new IdentityVotingOptions { MinFaces = 3 });
        Assert.Equal(TrackIdentityStatus.Undecided, v.Add("alice", 0.6f, 80, 1).Status);
        Assert.Equal(TrackIdentityStatus.Undecided, v.Add("bob", 0.5f, 40, 1).Status);
        var d = v.Add("alice", 0.55f, 90, 0.9f);
        Assert.Equal(TrackIdentityStatus.Known, d.Status);
        Assert.Equal("alice", d.IdentityId);
        Assert.Equal(3, d.Faces);
    }

    [Fact]
    public void Voter_LargeFacesOutweighManySmallOnes()
    {
        var v = new TrackIdentityVoter(new IdentityVotingOptions { MinFaces = 3 });
        v.Add("bob", 0.4f, 30, 1);
        v.Add("bob", 0.4f, 30, 1);
        var d = v.Add("alice", 0.7f, 120, 1); // 120² > 2 × 30² by far
        Assert.Equal("alice", d.IdentityId);
    }

    [Fact]
    public void Voter_UnknownBand_AndStrangers()
    {
        var band = new TrackIdentityVoter(new IdentityVotingOptions { MinFaces = 2, UnknownSimilarity = 0.2f, MatchSimilarity = 0.3f });
        band.Add("alice", 0.25f, 60, 1);
        Assert.Equal(TrackIdentityStatus.Undecided, band.Add("alice", 0.26f, 60, 1).Status);

        var stranger = new TrackIdentityVoter(new IdentityVotingOptions { MinFaces = 2 });
        stranger.Add("alice", 0.05f, 60, 1);
        Assert.Equal(TrackIdentityStatus.Unknown, stranger.Add(null, float.NaN, 60, 1).Status);
    }

    [Fact]
    public void Voter_RejectsBadInput()
    {
        var v = new TrackIdentityVoter();
        Assert.Throws<ArgumentOutOfRangeException>(() => v.Add("a", 0.5f, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => v.Add("a", 0.5f, 50, 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => v.Add("a", float.NaN, 50, 1));
        Assert.Throws<ArgumentException>(() => new TrackIdentityVoter(new IdentityVotingOptions { UnknownSimilarity = 0.5f, MatchSimilarity = 0.3f }));
    }

    [Fact]
    public void IdentityTracker_KeepsFirstLastCamerasAndCustomer()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);
        var it = new IdentityTracker(TimeSpan.FromMinutes(1), trailLength: 2);
        Assert.False(it.Observe(1, new PersonPosition("a", t0, new PointF(1, 2), new PointF(10, 20)), null));
        Assert.True(it.Observe(1, new PersonPosition("b", t0.AddSeconds(5), new PointF(3, 4), null), "alice"));
        Assert.False(it.Observe(1, new PersonPosition("b", t0.AddSeconds(6), new PointF(5, 6), null), null));
        Assert.True(it.TryGet(1, out var p));
        Assert.Equal("alice", p!.CustomerId);
        Assert.Equal(t0, p.FirstSeen);
        Assert.Equal(t0.AddSeconds(6), p.LastSeen);
        Assert.Equal(["a", "b"], p.Cameras);
        Assert.Equal(2, p.Trail.Count);
        Assert.Equal(0, it.Prune(t0.AddSeconds(30)));
        Assert.Equal(1, it.Prune(t0.AddMinutes(5)));
        Assert.Equal(0, it.Count);
    }
}
