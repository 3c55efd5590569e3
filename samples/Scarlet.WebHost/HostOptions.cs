using System.ComponentModel.DataAnnotations;

namespace Scarlet.WebHost;

/// <summary>The host's configuration section <c>Scarlet</c> (names are fixed: scripts depend on them).</summary>
public sealed class ScarletHostOptions
{
    public const string Section = "Scarlet";

    public AdminBootstrapOptions Admin { get; set; } = new();

    public JwtOptions Jwt { get; set; } = new();

    public StorageOptions Storage { get; set; } = new();

    public BusOptions Bus { get; set; } = new();

    public DemoOptions Demo { get; set; } = new();

    public SecurityOptions Security { get; set; } = new();

    public LiveOptions Live { get; set; } = new();

    public MediaOptions Media { get; set; } = new();

    public WebhookHostOptions Webhooks { get; set; } = new();

    public ExportOptions Exports { get; set; } = new();

    public VideoUploadOptions Videos { get; set; } = new();

    public TelemetryOptions Telemetry { get; set; } = new();

    /// <summary>Gets or sets the host's own inference settings (<c>Scarlet:Inference:MaxConcurrentRequests</c>, <c>MinWorkerThreads</c>).</summary>
    public HostInferenceOptions Inference { get; set; } = new();

    /// <summary>Gets or sets the organisation every request works in (single-tenant host).</summary>
    [Required]
    public string Organization { get; set; } = "default";

    /// <summary>Gets the cameras started with the host (besides the demo camera).</summary>
    public List<CameraConfig> Cameras { get; set; } = [];
}

/// <summary>
/// The host's own inference settings under <c>Scarlet:Inference</c>; the model settings beside them
/// (<c>ExecutionProvider</c>, <c>IntraOpThreads</c>, ...) are <c>VisionOptions.Inference</c>'s, bound by <c>AddScarletVision</c>.
/// </summary>
public sealed class HostInferenceOptions
{
    /// <summary>Face requests that run the models at once; 0: no limit (docs/hosting.md).</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 4096)]
    public int MaxConcurrentRequests { get; set; }

    /// <summary>A floor for the thread pool's worker threads, never lowered; 0: the runtime's own (docs/hosting.md).</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 32767)]
    public int MinWorkerThreads { get; set; }
}

public sealed class AdminBootstrapOptions
{
    public string? Username { get; set; }

    public string? Password { get; set; }
}

public sealed class JwtOptions
{
    /// <summary>Gets or sets the HS256 secret (at least 32 bytes of UTF-8).</summary>
    public string? Secret { get; set; }

    [Range(1, 1440)]
    public int ExpiryMinutes { get; set; } = 30;

    public string Issuer { get; set; } = "scarlet";
}

public sealed class StorageOptions
{
    /// <summary>
    /// Gets or sets the SQLite file; relative paths are under the working directory. With the Postgres provider it still
    /// holds this host's own state (admin users, keys, cameras), beside the shared customer store.
    /// </summary>
    [Required]
    public string Path { get; set; } = System.IO.Path.Combine("scarlet-data", "scarlet.db");

    /// <summary>Gets or sets where customers, events and the audit trail live: <c>Sqlite</c> (the file above) or <c>Postgres</c> (shared by a cluster).</summary>
    public Scarlet.Retail.StorageProvider Provider { get; set; } = Scarlet.Retail.StorageProvider.Sqlite;

    /// <summary>Gets or sets the Npgsql connection string (Postgres provider).</summary>
    public string? ConnectionString { get; set; }
}

/// <summary>The event bus between hosts (<c>Scarlet:Bus</c>).</summary>
public sealed class BusOptions
{
    /// <summary>Gets or sets <c>InProcess</c> (one host) or <c>Redis</c> (Redis Streams: a cluster).</summary>
    public BusProvider Provider { get; set; } = BusProvider.InProcess;

    /// <summary>Gets or sets the StackExchange.Redis configuration (<c>host:port</c>) for the Redis provider.</summary>
    public string? Connection { get; set; }

    /// <summary>Gets or sets this host's id in the cluster (unique, stable across restarts); the machine name when unset.</summary>
    [RegularExpression("^[A-Za-z0-9._:-]{1,100}$")]
    public string? HostId { get; set; }
}

public enum BusProvider
{
    InProcess,
    Redis,
}

public sealed class DemoOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the demo video; <see langword="null"/> finds <c>vtest.avi</c> like a model.</summary>
    public string? Video { get; set; }

    /// <summary>Gets or sets a value indicating whether an empty catalogue gets a few demo products (so recommendations flow).</summary>
    public bool SeedCatalog { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether a second demo camera (<c>demo-faces</c>) plays a clip built from LFW photos
    /// with two people enrolled as demo customers and a demo promotion, so recognition shows on the dashboard. Off by
    /// default (production); <c>./scripts/start.sh</c> turns it on.
    /// </summary>
    public bool Customers { get; set; }

    /// <summary>Gets or sets the LFW <c>images</c> folder for <see cref="Customers"/>; <see langword="null"/> finds <c>faces/lfw/images</c> like the demo video.</summary>
    public string? Photos { get; set; }
}

public sealed class SecurityOptions
{
    /// <summary>Gets or sets the origins CORS allows; empty (the default) allows none.</summary>
    public List<string> CorsOrigins { get; set; } = [];

    [Range(1, 100)]
    public int MaxLoginFailures { get; set; } = 5;

    [Range(1, 1440)]
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>Gets or sets the login attempts allowed per client address per minute, counted across the hosts sharing the database.</summary>
    [Range(1, 10_000)]
    public int LoginAttemptsPerMinute { get; set; } = 20;

    /// <summary>Gets or sets the largest request body (bytes); images are limited separately by the decoder.</summary>
    [Range(1024, 512L * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 30L * 1024 * 1024;

    [Range(1000, 10_000_000)]
    public int PasswordIterations { get; set; } = 210_000;

    /// <summary>
    /// Gets or sets a value indicating whether the seed's anonymous endpoints (registration, recognition, frames, customer
    /// reads, promotions, cameras and streams, logs, the tracking socket) are open without a principal: for a lab only.
    /// </summary>
    public bool OpenSeedEndpoints { get; set; }

    /// <summary>Gets or sets a value indicating whether <c>/metrics</c> needs a principal (an API key or admin token); open by default for scrapers.</summary>
    public bool MetricsRequireKey { get; set; }
}

/// <summary>Where camera files may come from (<c>Scarlet:Media</c>).</summary>
public sealed class MediaOptions
{
    /// <summary>
    /// Gets the folders whose files and sub-folders may be camera sources added through the API; empty (the default)
    /// means <c>SCARLET_MEDIA</c>, <c>media/</c>, <c>../shared/data/</c> and the demo video's folder.
    /// </summary>
    public List<string> Roots { get; set; } = [];
}

/// <summary>Export jobs (<c>Scarlet:Exports</c>).</summary>
public sealed class ExportOptions
{
    /// <summary>Gets or sets how long a finished export (job and file) is kept, in hours; fractions allowed.</summary>
    [Range(0.0001, 8760)]
    public double RetentionHours { get; set; } = 24;
}

/// <summary>Video upload analysis (<c>Scarlet:Videos</c>, <c>POST /api/videos</c>).</summary>
public sealed class VideoUploadOptions
{
    /// <summary>Gets or sets the largest accepted upload, in bytes (a larger one is refused with 413).</summary>
    [Range(1024, 64L * 1024 * 1024 * 1024)]
    public long MaxBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Gets the accepted containers, recognised by the file's content: <c>mp4</c> (MP4, MOV), <c>avi</c>, <c>matroska</c> (MKV, WebM).</summary>
    public List<string> AllowedContainers { get; set; } = ["mp4", "avi", "matroska"];

    /// <summary>Gets or sets the longest accepted video, in seconds.</summary>
    [Range(1, 86_400)]
    public double MaxDurationSeconds { get; set; } = 3600;

    /// <summary>Gets or sets the rate the person detector runs at over an upload (frames in between carry the tracks over; every frame is in the overlay video).</summary>
    [Range(0.1, 60)]
    public double ProcessingFps { get; set; } = 10;

    /// <summary>Gets or sets how many uploads are analysed at once on this host (they share its CPU with the live cameras).</summary>
    [Range(1, 64)]
    public int MaxConcurrentJobs { get; set; } = 1;

    /// <summary>Gets or sets how many unfinished (queued or running) jobs an organisation may have; one more is refused with 429.</summary>
    [Range(1, 1000)]
    public int MaxPendingJobsPerOrganization { get; set; } = 4;

    /// <summary>Gets or sets how long a finished job (its results, upload and overlay video) is kept, in hours; fractions allowed.</summary>
    [Range(0.0001, 8760)]
    public double RetentionHours { get; set; } = 24;

    /// <summary>Gets or sets the work folder of the jobs; empty (the default) means <c>videos/</c> beside the database. A job folder no stored job owns is deleted at start.</summary>
    public string? Folder { get; set; }
}

/// <summary>Webhook targets (<c>Scarlet:Webhooks</c>).</summary>
public sealed class WebhookHostOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether webhooks may target loopback, link-local and private addresses (refused by
    /// default: a webhook must not become a way into the store's own network).
    /// </summary>
    public bool AllowPrivateTargets { get; set; }
}

public sealed class LiveOptions
{
    // The cameras' own settings under Scarlet:Live (ProcessingFps, RecognizeEvery, JpegQuality, ReconnectMaxDelay,
    // MaxStartAttempts) are the library's StoreCameraOptions, bound from the same section (HostSetup).

    /// <summary>Gets or sets how many frames apart video jobs look for faces (the same key as <see cref="Scarlet.Retail.StoreCameraOptions.RecognizeEvery"/>).</summary>
    [Range(1, 1000)]
    public int RecognizeEvery { get; set; } = 2;

    /// <summary>Gets or sets the messages a WebSocket client may have queued before it is skipped (tracking) or dropped (dashboard).</summary>
    [Range(1, 10_000)]
    public int ClientQueue { get; set; } = 32;
}

public sealed class CameraConfig
{
    [Required]
    public string Id { get; set; } = string.Empty;

    public string? Name { get; set; }

    /// <summary>Gets or sets the source: an rtsp:// or http(s):// MJPEG URL, a video file or an image folder.</summary>
    [Required]
    public string Source { get; set; } = string.Empty;

    public string? Location { get; set; }

    public string? Zone { get; set; }

    public bool Loop { get; set; } = true;
}
