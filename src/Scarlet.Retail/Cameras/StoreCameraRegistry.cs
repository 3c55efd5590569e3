using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Scarlet.Recognition;
using Scarlet.Retail.Events;
using Scarlet.Tracking.Geometry;
using Scarlet.Tracking.Pipeline;

namespace Scarlet.Retail;

/// <summary>
/// The store cameras of a host, per organisation: add, change, stop and remove them; read one organisation's. Ids are
/// unique across organisations and another organisation's camera is not found. The cameras share one
/// <see cref="CameraPipelineHost"/> (models, cross-camera ids, the "who is here" registry).
/// </summary>
/// <remarks>Thread-safe; changes of one camera (<see cref="ReplaceAsync"/>, <see cref="RemoveAsync"/>) run one at a time.</remarks>
public sealed class StoreCameraRegistry : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, StoreCamera> _cameras = new(StringComparer.Ordinal);

    // One change at a time: a change replaces a camera (a pipeline runs once and owns its id in the pipeline host).
    private readonly SemaphoreSlim _edits = new(1, 1);

    /// <summary>Initializes a new instance of the <see cref="StoreCameraRegistry"/> class.</summary>
    /// <param name="pipelines">The pipeline host the cameras run on.</param>
    /// <param name="faces">The face identity service (organisation galleries, customers).</param>
    /// <param name="stream">The event stream the cameras publish to.</param>
    /// <param name="trackingEvents">Turns tracking events into retail events.</param>
    /// <param name="attributeStatistics">Counts the face attributes of visits.</param>
    /// <param name="options">The options every camera shares.</param>
    /// <param name="attributes">Estimates face attributes once per track; <see langword="null"/>: none.</param>
    /// <param name="timeProvider">The clock of start errors; <see langword="null"/> for the system clock.</param>
    /// <param name="loggerFactory">Loggers, or <see langword="null"/>.</param>
    public StoreCameraRegistry(
        CameraPipelineHost pipelines,
        FaceIdentityService faces,
        ScarletEventStream stream,
        TrackingEventPublisher trackingEvents,
        AttributeStatistics attributeStatistics,
        IOptions<StoreCameraOptions> options,
        IFaceAttributeEstimator? attributes = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null)
    {
        Pipelines = pipelines ?? throw new ArgumentNullException(nameof(pipelines));
        Faces = faces ?? throw new ArgumentNullException(nameof(faces));
        Stream = stream ?? throw new ArgumentNullException(nameof(stream));
        TrackingEvents = trackingEvents ?? throw new ArgumentNullException(nameof(trackingEvents));
        AttributeStatistics = attributeStatistics ?? throw new ArgumentNullException(nameof(attributeStatistics));
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Value;
        Attributes = attributes;
        Time = timeProvider ?? TimeProvider.System;
        Logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<StoreCamera>();
    }

    internal CameraPipelineHost Pipelines { get; }

    internal FaceIdentityService Faces { get; }

    internal ScarletEventStream Stream { get; }

    internal TrackingEventPublisher TrackingEvents { get; }

    internal AttributeStatistics AttributeStatistics { get; }

    internal StoreCameraOptions Options { get; }

    internal IFaceAttributeEstimator? Attributes { get; }

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    /// <summary>Gets one organisation's cameras, by id.</summary>
    /// <param name="organizationId">The organisation.</param>
    /// <returns>The cameras.</returns>
    public IReadOnlyList<StoreCamera> Of(string organizationId) =>
        [.. _cameras.Values.Where(c => c.OrganizationId == organizationId).OrderBy(c => c.Id, StringComparer.Ordinal)];

    /// <summary>Gets every camera of every organisation.</summary>
    /// <returns>The cameras.</returns>
    public IReadOnlyList<StoreCamera> All() => [.. _cameras.Values];

    /// <summary>Gets an organisation's camera; another organisation's is not found.</summary>
    /// <param name="id">The camera id.</param>
    /// <param name="organizationId">The organisation.</param>
    /// <returns>The camera or <see langword="null"/>.</returns>
    public StoreCamera? Get(string id, string organizationId) =>
        _cameras.GetValueOrDefault(id) is { } c && c.OrganizationId == organizationId ? c : null;

    /// <summary>Gets the organisation of a camera, or <see langword="null"/> when there is no such camera.</summary>
    /// <param name="id">The camera id.</param>
    /// <returns>The organisation.</returns>
    public string? OwnerOf(string id) => _cameras.GetValueOrDefault(id)?.OrganizationId;

    /// <summary>Adds a camera of an organisation, with its zones, and starts it when asked.</summary>
    /// <param name="definition">The camera; its source is not checked here (<see cref="StoreCameraDefinition.Validate"/>).</param>
    /// <param name="organizationId">The organisation.</param>
    /// <param name="zones">Its polygon zones, or <see langword="null"/>.</param>
    /// <param name="start">Whether to start it.</param>
    /// <returns>The camera, or <see langword="null"/> when the id is taken (in any organisation).</returns>
    public StoreCamera? TryAdd(StoreCameraDefinition definition, string organizationId, IReadOnlyList<CameraZone>? zones, bool start)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        var camera = new StoreCamera(definition, organizationId, this);
        if (!_cameras.TryAdd(definition.Id, camera))
        {
            return null;
        }

        if (zones is not null)
        {
            camera.SetZones(zones);
        }

        if (start)
        {
            camera.Start();
        }

        return camera;
    }

    /// <summary>
    /// Replaces an organisation's camera by one with a new definition (a pipeline runs once: the old camera is stopped and
    /// disposed first), with its zones, started when asked. Subscribers of the old camera see it complete.
    /// </summary>
    /// <param name="definition">The new definition (same id).</param>
    /// <param name="organizationId">The organisation.</param>
    /// <param name="zones">Its polygon zones, or <see langword="null"/>.</param>
    /// <param name="start">Whether to start it.</param>
    /// <param name="cancellationToken">Cancels the wait for another change.</param>
    /// <returns>The new camera, or <see langword="null"/> when the organisation has no camera of that id.</returns>
    public async Task<StoreCamera?> ReplaceAsync(StoreCameraDefinition definition, string organizationId, IReadOnlyList<CameraZone>? zones, bool start, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        await _edits.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Get(definition.Id, organizationId) is not { } old)
            {
                return null;
            }

            var camera = new StoreCamera(definition, organizationId, this);
            await old.DisposeAsync().ConfigureAwait(false);
            _cameras[definition.Id] = camera;
            if (zones is not null)
            {
                camera.SetZones(zones);
            }

            if (start)
            {
                camera.Start();
            }

            return camera;
        }
        finally
        {
            _edits.Release();
        }
    }

    /// <summary>Stops and removes an organisation's camera.</summary>
    /// <param name="id">The camera id.</param>
    /// <param name="organizationId">The organisation.</param>
    /// <returns><see langword="true"/> when it was there.</returns>
    public async Task<bool> RemoveAsync(string id, string organizationId)
    {
        await _edits.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Get(id, organizationId) is null || !_cameras.TryRemove(id, out var camera))
            {
                return false;
            }

            await camera.DisposeAsync().ConfigureAwait(false);
            return true;
        }
        finally
        {
            _edits.Release();
        }
    }

    /// <summary>Stops every camera of an organisation (emergency stop), or of every organisation when <see langword="null"/>.</summary>
    /// <param name="organizationId">The organisation, or <see langword="null"/> for all.</param>
    /// <returns>The cameras, stopped.</returns>
    public async Task<IReadOnlyList<StoreCamera>> StopAllAsync(string? organizationId = null)
    {
        var cameras = organizationId is null ? All() : Of(organizationId);
        await Task.WhenAll(cameras.Select(c => c.StopAsync())).ConfigureAwait(false);
        return cameras;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        // Called twice when a container owns it as a service and a hosted service: remove before disposing.
        foreach (var id in _cameras.Keys)
        {
            if (_cameras.TryRemove(id, out var c))
            {
                await c.DisposeAsync().ConfigureAwait(false);
            }
        }

        _edits.Dispose();
    }
}
