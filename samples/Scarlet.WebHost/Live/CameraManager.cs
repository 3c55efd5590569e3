using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Scarlet.Evaluation;
using Scarlet.Retail;
using Scarlet.Retail.Events;
using Scarlet.Vision.Models;

namespace Scarlet.WebHost.Live;

/// <summary>
/// A camera added through the API, as kept in <see cref="HostStateStore"/>: its configuration, whether it started and its
/// organisation (<see langword="null"/> in rows from before organisations: the default one).
/// </summary>
internal sealed record StoredCamera(CameraConfig Config, bool Start, string? OrganizationId = null);

/// <summary>
/// The host's side of the library's <see cref="StoreCameraRegistry"/>: which cameras there are (the configured ones, the
/// demo cameras of the default organisation, and those added through the API, kept in <see cref="HostStateStore"/> and
/// added again at start), their zones from <see cref="ZoneAlerts"/>, and what the host does with each processed frame
/// (zone alert rules, the <c>/ws/tracking</c> message) and each identification (metric, audit row).
/// </summary>
internal sealed class CameraManager(StoreCameraRegistry cameras, ZoneAlerts zoneAlerts, LiveHubs hubs, Security.AuditTrail audit, ModelLocator models, HostStateStore state, DemoFacesCamera demoFaces, IOptions<ScarletHostOptions> options, ILogger<CameraManager> logger) : IHostedService
{
    public const string DemoCameraId = "demo";

    // Cameras added through the API (kept in the state store); configured and demo cameras are edited for this run only.
    private readonly ConcurrentDictionary<string, bool> _stored = new(StringComparer.Ordinal);

    /// <summary>Gets one organisation's cameras, by id.</summary>
    public IReadOnlyList<StoreCamera> Of(string organizationId) => cameras.Of(organizationId);

    /// <summary>Gets every camera of every organisation.</summary>
    public IReadOnlyList<StoreCamera> All() => cameras.All();

    /// <summary>Gets an organisation's camera; another organisation's is not found.</summary>
    public StoreCamera? Get(string id, string organizationId) => cameras.Get(id, organizationId);

    /// <summary>Gets the organisation of a camera of this host, or null when there is no such camera.</summary>
    public string? OwnerOf(string id) => cameras.OwnerOf(id);

    public StoreCamera Require(string id, string organizationId) => Get(id, organizationId) ?? throw ApiException.NotFound("Camera not found");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        foreach (var c in o.Cameras)
        {
            TryAdd(c, o.Organization, start: true);
        }

        if (o.Demo.Enabled && cameras.OwnerOf(DemoCameraId) is null)
        {
            try
            {
                var video = DemoVideo.Resolve(models, o.Demo.Video);
                TryAdd(new CameraConfig { Id = DemoCameraId, Name = "Demo camera (vtest.avi)", Source = video, Location = "store", Zone = "entrance", Loop = true }, o.Organization, start: true);
                logger.LogInformation("Demo camera running on {Video}", video);
                if (o.Demo.Customers && await demoFaces.PrepareAsync(video, cancellationToken) is { } faces && cameras.OwnerOf(faces.Id) is null)
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

    public Task StopAsync(CancellationToken cancellationToken) => cameras.StopAllAsync();

    /// <summary>Starts or resumes a camera, on its zones as <see cref="ZoneAlerts"/> has them now when it was not running.</summary>
    public void Start(StoreCamera camera)
    {
        if (!camera.IsRunning)
        {
            camera.SetZones(zoneAlerts.ZonesOf(camera.Id, camera.OrganizationId));
        }

        camera.Start();
    }

    /// <summary>Gets a camera's configuration as the API and the state store keep it.</summary>
    public static CameraConfig ConfigOf(StoreCamera camera)
    {
        var d = camera.Definition;
        return new CameraConfig { Id = d.Id, Name = d.Name, Source = d.Source, Location = d.StoreId, Zone = d.Zone, Loop = d.Loop };
    }

    /// <summary>Adds a camera of an organisation after checking its source.</summary>
    /// <exception cref="ArgumentException">Bad id or source, or the id is taken (in any organisation).</exception>
    public async Task<StoreCamera> AddAsync(CameraConfig config, string organizationId, bool start, CancellationToken ct)
    {
        DefinitionOf(config).Validate();
        var camera = TryAdd(config, organizationId, start) ?? throw new ArgumentException($"Camera '{config.Id}' already exists");
        await state.PutAsync(HostStateKinds.Camera, config.Id, new StoredCamera(config, start, organizationId), ct);
        _stored[config.Id] = true;
        return camera;
    }

    /// <summary>
    /// Changes a camera: a new configuration (name, source, location, zone, loop) restarts it on a fresh pipeline; the
    /// same configuration only starts or stops it. Kept in the state store for cameras added through the API.
    /// </summary>
    /// <exception cref="ArgumentException">Bad source.</exception>
    public async Task<StoreCamera> UpdateAsync(string id, string organizationId, CameraConfig config, bool enabled, CancellationToken ct)
    {
        config.Id = id;
        var definition = DefinitionOf(config);
        definition.Validate();
        var camera = Require(id, organizationId);
        if (camera.Definition == definition)
        {
            if (enabled)
            {
                Start(camera);
            }
            else
            {
                await camera.StopAsync();
            }
        }
        else
        {
            camera = await cameras.ReplaceAsync(definition, organizationId, zoneAlerts.ZonesOf(id, organizationId), enabled, ct) ?? throw ApiException.NotFound("Camera not found");
            Attach(camera);
        }

        if (_stored.ContainsKey(id))
        {
            await state.PutAsync(HostStateKinds.Camera, id, new StoredCamera(config, enabled, organizationId), ct);
        }

        return camera;
    }

    /// <summary>Emergency stop: stops every camera of the organisation (kept stopped after a restart for API cameras).</summary>
    /// <returns>The cameras, stopped.</returns>
    public async Task<IReadOnlyList<StoreCamera>> StopAllAsync(string organizationId, CancellationToken ct)
    {
        var stopped = await cameras.StopAllAsync(organizationId);
        foreach (var c in stopped.Where(c => _stored.ContainsKey(c.Id)))
        {
            await state.PutAsync(HostStateKinds.Camera, c.Id, new StoredCamera(ConfigOf(c), false, organizationId), ct);
        }

        return stopped;
    }

    public async Task<bool> RemoveAsync(string id, string organizationId)
    {
        if (Get(id, organizationId) is null)
        {
            return false;
        }

        await state.DeleteAsync(HostStateKinds.Camera, id);
        _stored.TryRemove(id, out _);
        return await cameras.RemoveAsync(id, organizationId);
    }

    private static StoreCameraDefinition DefinitionOf(CameraConfig c) =>
        new(c.Id, c.Source) { Name = c.Name, StoreId = c.Location, Zone = c.Zone, Loop = c.Loop };

    private StoreCamera? TryAdd(CameraConfig config, string organizationId, bool start)
    {
        if (cameras.OwnerOf(config.Id) is not null)
        {
            return null;
        }

        var camera = cameras.TryAdd(DefinitionOf(config), organizationId, zoneAlerts.ZonesOf(config.Id, organizationId), start);
        if (camera is not null)
        {
            Attach(camera);
        }

        return camera;
    }

    // The subscriptions end with the camera (its observables complete when it is replaced or removed).
    private void Attach(StoreCamera camera)
    {
        camera.Frames.Subscribe(OnFrame);
        camera.Identities.Subscribe(e => OnIdentity(camera, e));
    }

    /// <summary>On the camera's inference thread: the zone alert rules, and the <c>/ws/tracking</c> message when someone listens.</summary>
    private void OnFrame(StoreCameraFrame f)
    {
        var camera = f.Camera;
        zoneAlerts.Observe(camera.OrganizationId, f.Update, static p => TrackingEventPublisher.PersonIdOf(p.GlobalId));
        if (hubs.Tracking.ClientCount == 0)
        {
            return;
        }

        var tracks = new List<LiveTrack>(f.Persons.Count);
        foreach (var p in f.Persons)
        {
            var t = p.Track;
            var customer = p.Identity?.Customer;
            tracks.Add(new LiveTrack(t.TrackId, t.GlobalId, p.PersonId, CameraWire.Xyxy(t.Box), t.Score, p.CustomerId, customer?.Name, customer?.LoyaltyStatus, CameraWire.MapPoint(t.Box, f.Update.FrameWidth, f.Update.FrameHeight), t.IdentityStatus, p.Identity?.Similarity ?? 0));
        }

        var payload = new TrackingUpdatePayload(f.Update.Sequence, f.Update.Timestamp, new Dictionary<string, CameraTracks>(StringComparer.Ordinal) { [camera.Id] = new(tracks) }, new Dictionary<string, int>(StringComparer.Ordinal) { [camera.Id] = tracks.Count }, f.Update.FrameWidth, f.Update.FrameHeight);
        hubs.Tracking.Publish(camera.OrganizationId, JsonSerializer.SerializeToUtf8Bytes(new TrackingUpdateMessage(payload), LiveJson.Default.TrackingUpdateMessage));
    }

    private void OnIdentity(StoreCamera camera, RecognitionEvent e)
    {
        if (e.Status != RecognitionStatus.Matched)
        {
            return;
        }

        HostMetrics.FacesRecognized.Add(1, HostMetrics.Tag("camera", camera.Id));
        _ = AuditAsync(camera, e);
    }

    // One row per identification the camera publishes (when a person's customer changes, at most every 10 s per person),
    // not per frame: the camera is the principal. Off the camera's thread; a failure is logged.
    private async Task AuditAsync(StoreCamera camera, RecognitionEvent e)
    {
        try
        {
            await audit.RecordAsync(camera.OrganizationId, "camera:" + camera.Id, Security.AuditActions.FaceIdentified, e.CustomerId, detail: $"camera={camera.Id}; person={e.PersonId}");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogError(ex, "Camera {Camera}: the identification of {Person} could not be audited", camera.Id, e.PersonId);
        }
    }
}
