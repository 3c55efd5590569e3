using Scarlet.Retail.Storage;

namespace Scarlet.Retail.Tests.Conformance;

/// <summary>A host's video analysis jobs (migration 15): saved, updated as they run and end, listed oldest first, deleted.</summary>
public abstract class VideoJobStoreConformance : StoreConformance
{
    private static VideoJobRecord Queued(string id, string org, DateTimeOffset at) =>
        new(id, org, "cam-1", "clip.mp4", "queued", 0, 30, at, null, null, """{"container":"mp4"}""", null, id);

    [Fact]
    public async Task A_job_is_saved_updated_to_its_end_listed_oldest_first_and_deleted()
    {
        var a = Queued("job-a", OrgA, T0.AddMinutes(1));
        var b = Queued("job-b", OrgB, T0);
        await S.VideoJobs.SaveAsync(a);
        await S.VideoJobs.SaveAsync(b);
        Assert.Equal([b, a], await S.VideoJobs.ListAsync());

        // Running, then completed with its results: the row is replaced, its creation kept.
        await S.VideoJobs.SaveAsync(a with { State = "running" });
        var done = a with { State = "completed", FramesDone = 30, FinishedAt = T0.AddMinutes(2), Results = """{"tracks":[{"track_id":1}]}""" };
        await S.VideoJobs.SaveAsync(done);
        var failed = b with { State = "failed", FramesDone = 12, FinishedAt = T0.AddMinutes(3), Error = "interrupted by a host restart" };
        await S.VideoJobs.SaveAsync(failed);
        Assert.Equal([failed, done], await S.VideoJobs.ListAsync());

        Assert.True(await S.VideoJobs.DeleteAsync("job-a"));
        Assert.False(await S.VideoJobs.DeleteAsync("job-a"));
        Assert.Equal([failed], await S.VideoJobs.ListAsync());
    }
}
