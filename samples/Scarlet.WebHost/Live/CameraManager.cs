using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Scarlet.Evaluation;
using Scarlet.Retail;
using Scarlet.Retail.Events;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Scarlet.WebHost.Live;

/// <summary>What every camera runner shares.</summary>
internal sealed class CameraServices(CameraPipelineHost pipelines, TrackingEventPublisher trackingEvents, FaceIdentityService faces, ScarletEventStream stream, LiveHubs hubs, Security.AuditTrail audit, IOptions<ScarletHostOptions> options, ILoggerFactory loggers, ZoneAlerts zoneAlerts, FaceAttributesFeature attributes, AttributeStatistics attributeStatistics)
{
    public ZoneAlerts ZoneAlerts => zoneAlerts;

    public FaceAttributesFeature Attributes => attributes;

    public AttributeStatistics AttributeStatistics => attributeStatistics;

    public Security.AuditTrail Audit => audit;

    public CameraPipelineHost Pipelines => pipelines;

    public TrackingEventPublisher TrackingEvents => trackingEvents;

    public FaceIdentityService Faces => faces;

    public ScarletEventStream Stream => stream;

    public LiveHubs Hubs => hubs;

    public ScarletHostOptions Options => options.Value;

    public ILogger Logger { get; } = loggers.CreateLogger("Scarlet.WebHost.Cameras");
}

/// <summary>
/// A camera added through the API, as kept in <see cref="HostStateStore"/>: its configuration, whether it started and its
/// organisation (<see langword="null"/> in rows from before organisations: the default one).
/// </summary>
internal sealed record StoredCamera(CameraConfig Config, bool Start, string? OrganizationId = null);

/// <summary>
/// The cameras of the host: the configured ones and the demo cameras (the default organisation's), and those added
/// through the API (the adding organisation's; kept in <see cref="HostStateStore"/> and added again at start). Ids are
/// unique across organisations; a camera of another organisation is not found.
/// </summary>
internal sealed class CameraManager(CameraServices services, ModelLocator models, HostStateStore state, DemoFacesCamera demoFaces, IOptions<ScarletHostOptions> options, ILogger<CameraManager> logger) : IHostedService, IAsyncDisposable
{
    public const string DemoCameraId = "demo";
    private readonly ConcurrentDictionary<string, CameraRunner> _cameras = new(StringComparer.Ordinal);

    // Cameras added through the API (kept in the state store); configured and demo cameras are edited for this run only.
    private readonly ConcurrentDictionary<string, bool> _stored = new(StringComparer.Ordinal);

    // One edit at a time: an edit replaces a camera's runner (a pipeline runs once), which must not interleave.
    private readonly SemaphoreSlim _edits = new(1, 1);

    /// <summary>Gets one organisation's cameras, by id.</summary>
    public IReadOnlyList<CameraRunner> Of(string organizationId) =>
        [.. _cameras.Values.Where(c => c.OrganizationId == organizationId).OrderBy(c => c.Id, StringComparer.Ordinal)];

    /// <summary>Gets every camera of every organisation.</summary>
    public IReadOnlyList<CameraRunner> All() => [.. _cameras.Values];

    /// <summary>Gets an organisation's camera; another organisation's is not found.</summary>
    public CameraRunner? Get(string id, string organizationId) =>
        _cameras.GetValueOrDefault(id) is { } c && c.OrganizationId == organizationId ? c : null;

    /// <summary>Gets the organisation of a camera of this host, or null when there is no such camera.</summary>
    public string? OwnerOf(string id) => _cameras.GetValueOrDefault(id)?.OrganizationId;

    public CameraRunner Require(string id, string organizationId) => Get(id, organizationId) ?? throw ApiException.NotFound("Camera not found");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        foreach (var c in o.Cameras)
        {
            TryAdd(c, o.Organization, start: true);
        }

        if (o.Demo.Enabled && !_cameras.ContainsKey(DemoCameraId))
        {
            try
            {
                var video = DemoVideo.Resolve(models, o.Demo.Video);
                TryAdd(new CameraConfig { Id = DemoCameraId, Name = "Demo camera (vtest.avi)", Source = video, Location = "store", Zone = "entrance", Loop = true }, o.Organization, start: true);
                logger.LogInformation("Demo camera running on {Video}", video);
                if (o.Demo.Customers && await demoFaces.PrepareAsync(video, cancellationToken) is { } faces && !_cameras.ContainsKey(faces.Id))
                {
                    TryAdd(faces, o.Organization, start: true);
                    logger.LogInformation("Demo faces camera running on {Clip}", faces.Source);
                }
            }
            catch (Exception ex) when (ex is ModelNotFoundException or FileNotFoundException or ArgumentException)
            {
                logger.LogWarning("Demo camera disabled: {Reason}", ex.Message);
            }
        }

        foreach (var stored in state.List<StoredCamera>(HostStateKinds.Camera))
        {
            // Configuration wins over a stored camera of the same id (the machine owner's word).
            if (TryAdd(stored.Config, stored.OrganizationId ?? o.Organization, stored.Start) is not null)
            {
                _stored[stored.Config.Id] = true;
            }
            else
            {
                logger.LogWarning("Camera {Camera} added through the API is not restored: a configured camera has its id.", stored.Config.Id);
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_cameras.Values.Select(c => c.StopAsync()));
    }

    public async ValueTask DisposeAsync()
    {
        // Called twice (as the singleton and as the hosted service): remove before disposing.
        foreach (var id in _cameras.Keys)
        {
            if (_cameras.TryRemove(id, out var c))
            {
                await c.DisposeAsync();
            }
        }
    }

    /// <summary>Adds a camera of an organisation after checking its source.</summary>
    /// <exception cref="ArgumentException">Bad id or source, or the id is taken (in any organisation).</exception>
    public async Task<CameraRunner> AddAsync(CameraConfig config, string organizationId, bool start, CancellationToken ct)
    {
        Validate(config);
        var runner = TryAdd(config, organizationId, start) ?? throw new ArgumentException($"Camera '{config.Id}' already exists");
        await state.PutAsync(HostStateKinds.Camera, config.Id, new StoredCamera(config, start, organizationId), ct);
        _stored[config.Id] = true;
        return runner;
    }

    /// <summary>
    /// Changes a camera: a new configuration (name, source, location, zone, loop) restarts it on a fresh pipeline; the
    /// same configuration only starts or stops it. Kept in the state store for cameras added through the API.
    /// </summary>
    /// <exception cref="ArgumentException">Bad source.</exception>
    public async Task<CameraRunner> UpdateAsync(string id, string organizationId, CameraConfig config, bool enabled, CancellationToken ct)
    {
        config.Id = id;
        Validate(config);
        await _edits.WaitAsync(ct);
        try
        {
            var old = Require(id, organizationId);
            var runner = old;
            if (Same(old.Config, config))
            {
                if (enabled)
                {
                    old.Start();
                }
                else
                {
                    await old.StopAsync();
                }
            }
            else
            {
                // A pipeline runs once and owns its camera id in the pipeline host: the old one goes first.
                runner = new CameraRunner(config, organizationId, services);
                await old.DisposeAsync();
                _cameras[id] = runner;
                if (enabled)
                {
                    runner.Start();
                }
            }

            if (_stored.ContainsKey(id))
            {
                await state.PutAsync(HostStateKinds.Camera, id, new StoredCamera(config, enabled, organizationId), ct);
            }

            return runner;
        }
        finally
        {
            _edits.Release();
        }
    }

    /// <summary>Emergency stop: stops every camera of the organisation (kept stopped after a restart for API cameras).</summary>
    /// <returns>The cameras, stopped.</returns>
    public async Task<IReadOnlyList<CameraRunner>> StopAllAsync(string organizationId, CancellationToken ct)
    {
        var cameras = Of(organizationId);
        await Task.WhenAll(cameras.Select(c => c.StopAsync()));
        foreach (var c in cameras.Where(c => _stored.ContainsKey(c.Id)))
        {
            await state.PutAsync(HostStateKinds.Camera, c.Id, new StoredCamera(c.Config, false, organizationId), ct);
        }

        return cameras;
    }

    private static bool Same(CameraConfig a, CameraConfig b) =>
        a.Name == b.Name && a.Source == b.Source && a.Location == b.Location && a.Zone == b.Zone && a.Loop == b.Loop;

    public async Task<bool> RemoveAsync(string id, string organizationId)
    {
        if (Get(id, organizationId) is null || !_cameras.TryRemove(id, out var c))
        {
            return false;
        }

        await state.DeleteAsync(HostStateKinds.Camera, id);
        _stored.TryRemove(id, out _);

        await c.DisposeAsync();
        return true;
    }

    private CameraRunner? TryAdd(CameraConfig config, string organizationId, bool start)
    {
        var runner = new CameraRunner(config, organizationId, services);
        if (!_cameras.TryAdd(config.Id, runner))
        {
            return null;
        }

        if (start)
        {
            runner.Start();
        }

        return runner;
    }

    private static void Validate(CameraConfig c)
    {
        if (string.IsNullOrWhiteSpace(c.Id) || c.Id.Length > 64 || !c.Id.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_'))
        {
            throw new ArgumentException("id must be 1-64 letters, digits, '-' or '_'");
        }

        if (string.IsNullOrWhiteSpace(c.Source))
        {
            throw new ArgumentException("source is required (rtsp:// or http(s):// URL, video file or image folder)");
        }

        if (Uri.TryCreate(c.Source, UriKind.Absolute, out var u) && !u.IsFile)
        {
            if (u.Scheme is not ("rtsp" or "rtsps" or "rtmp" or "http" or "https"))
            {
                throw new ArgumentException($"Unsupported camera URL scheme '{u.Scheme}'");
            }
        }
        else if (!File.Exists(c.Source) && !Directory.Exists(c.Source))
        {
            throw new ArgumentException("source file or folder does not exist");
        }
    }
}
