using Scarlet.Recognition;
using Scarlet.Retail.Events.Redis;
using Scarlet.Tracking;
using Scarlet.Vision;

namespace Scarlet.Retail;

/// <summary>
/// The settings of all four layers for <c>services.AddScarlet(o =&gt; ...)</c>: one configuration action per layer.
/// Each layer validates its own options at start (<c>ValidateOnStart</c>); <see cref="Retail"/> is required because the
/// retail layer needs at least <see cref="RetailOptions.DatabasePath"/>.
/// </summary>
public sealed class ScarletOptions
{
    /// <summary>Gets or sets the configuration of <see cref="VisionOptions"/> (detectors, model locations, inference).</summary>
    public Action<VisionOptions>? Vision { get; set; }

    /// <summary>Gets or sets the configuration of <see cref="RecognitionOptions"/> (embedder, gallery thresholds, quality gate).</summary>
    public Action<RecognitionOptions>? Recognition { get; set; }

    /// <summary>Gets or sets the configuration of <see cref="TrackerOptions"/>.</summary>
    public Action<TrackerOptions>? Tracking { get; set; }

    /// <summary>Gets or sets the configuration of <see cref="RetailOptions"/> (required: at least the database path).</summary>
    public Action<RetailOptions>? Retail { get; set; }

    /// <summary>Gets or sets the configuration of <see cref="FaceIdentityOptions"/> (gallery snapshots, default camera).</summary>
    public Action<FaceIdentityOptions>? FaceIdentity { get; set; }

    /// <summary>Gets the PostgreSQL connection string set by <see cref="UsePostgres"/>, or <see langword="null"/> for SQLite.</summary>
    public string? PostgresConnectionString { get; private set; }

    /// <summary>Gets the Redis Streams bus configuration set by <see cref="UseRedisStreams"/>, or <see langword="null"/> for the in-process stream only.</summary>
    public Action<RedisBusOptions>? RedisBus { get; private set; }

    /// <summary>
    /// Stores customers, events and the audit trail in a PostgreSQL database shared by several hosts instead of a SQLite
    /// file (<see cref="RetailOptions.StorageProvider"/>; docs/scale-out.md). <see cref="Retail"/> may then be left unset.
    /// </summary>
    /// <param name="connectionString">Npgsql connection string.</param>
    /// <returns>These options.</returns>
    public ScarletOptions UsePostgres(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        PostgresConnectionString = connectionString;
        return this;
    }

    /// <summary>
    /// Joins the hosts of a cluster with an event bus on Redis Streams (<see cref="RedisEventBridge"/>): each host's events
    /// reach the others' dashboards and gallery replicas.
    /// </summary>
    /// <param name="configuration">StackExchange.Redis configuration string (<c>host:port</c>).</param>
    /// <param name="configure">Further bus options (<see cref="RedisBusOptions.HostId"/> above all: unique per host).</param>
    /// <returns>These options.</returns>
    public ScarletOptions UseRedisStreams(string configuration, Action<RedisBusOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        RedisBus = o =>
        {
            o.Configuration = configuration;
            configure?.Invoke(o);
        };
        return this;
    }
}
