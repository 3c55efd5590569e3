using System.ComponentModel.DataAnnotations;

namespace Scarlet.Retail.Events.Redis;

/// <summary>Options of the Redis Streams event bus (<see cref="RedisStreamBus"/>, <see cref="RedisEventBridge"/>).</summary>
public sealed class RedisBusOptions
{
    /// <summary>Gets or sets the StackExchange.Redis configuration string (<c>host:port,password=...</c>). Required.</summary>
    [Required]
    public string Configuration { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets this host's id in the cluster: the consumer name in every group and the name of its own groups. It must
    /// be unique per host and stable across restarts (a restarted host resumes its pending entries). The default is the
    /// machine name.
    /// </summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9._:-]{1,100}$")]
    public string HostId { get; set; } = Environment.MachineName;

    /// <summary>
    /// Gets or sets how long this host's claim on its <see cref="HostId"/> lasts without renewal (renewed at a third of it).
    /// Two running hosts with one id would each take the other's events for their own; the second one to start waits
    /// up to twice this long for the claim of a host that died, then fails to start. The default is 15 seconds.
    /// </summary>
    public TimeSpan HostLease { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets or sets the prefix of the stream keys: a topic's stream is <c>{prefix}{topic}</c>. The default is <c>scarlet:</c>.</summary>
    [Required]
    public string StreamPrefix { get; set; } = "scarlet:";

    /// <summary>
    /// Gets or sets the approximate length a stream is capped at (<c>XADD MAXLEN ~</c>): the oldest entries go first. It
    /// bounds Redis memory and how far a consumer that was away can catch up. The default is 100 000 entries per topic.
    /// </summary>
    [Range(1_000, 100_000_000)]
    public long MaxStreamLength { get; set; } = 100_000;

    /// <summary>
    /// Gets the topics this host publishes to and follows. The default leaves out the raw per-camera input
    /// (<see cref="ScarletTopics.Recognition"/>, <see cref="ScarletTopics.Tracking"/>), which stays on the host that owns the camera.
    /// </summary>
    public IList<string> Topics { get; } =
    [
        ScarletTopics.CustomerIdentified, ScarletTopics.Actions, ScarletTopics.Promotions, ScarletTopics.Visits,
        ScarletTopics.Alerts, ScarletTopics.Customers, ScarletTopics.Configuration,
    ];

    /// <summary>Gets or sets how long a consumer waits before polling an empty stream again. The default is 100 ms.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Gets or sets how long an entry may stay delivered but unacknowledged before another consumer of its group (or the
    /// same one, after a failed handler) claims it (<c>XAUTOCLAIM</c>). The default is 30 seconds.
    /// </summary>
    public TimeSpan ClaimAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how many of this host's events may wait in memory: for Redis when the bridge has no database, for the
    /// outbox table when it has one (then only while the database is unreachable too); beyond that an event is dropped
    /// with an error log and the <c>scarlet.retail.bus.dropped</c> counter. The default is 100 000.
    /// </summary>
    [Range(1, 10_000_000)]
    public int OutboxCapacity { get; set; } = 100_000;
}
