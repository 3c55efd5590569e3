using Scarlet.Tracking.Geometry;

namespace Scarlet.Retail.Storage;

/// <summary>The zones of one camera of an organisation.</summary>
/// <param name="OrganizationId">Organisation.</param>
/// <param name="CameraId">Camera.</param>
/// <param name="Zones">Its zones, in the order they were set.</param>
public sealed record CameraZoneSet(string OrganizationId, string CameraId, IReadOnlyList<CameraZone> Zones);

/// <summary>An alert rule and the organisation it belongs to.</summary>
/// <param name="OrganizationId">Organisation.</param>
/// <param name="Rule">The rule.</param>
public sealed record OrganizationAlertRule(string OrganizationId, AlertRule Rule);

/// <summary>Zones per organisation and camera, in the retail database so that every host sharing it sees the same zones.</summary>
public interface IZoneStore
{
    /// <summary>Gets a camera's zones.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cameraId">Camera.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The zones; empty when none were set.</returns>
    Task<IReadOnlyList<CameraZone>> GetAsync(string organizationId, string cameraId, CancellationToken cancellationToken = default);

    /// <summary>Replaces a camera's zones (an empty list clears them).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cameraId">Camera.</param>
    /// <param name="zones">The zones.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    Task SetAsync(string organizationId, string cameraId, IReadOnlyList<CameraZone> zones, CancellationToken cancellationToken = default);

    /// <summary>Deletes a camera's zones.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cameraId">Camera.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Whether it had any row.</returns>
    Task<bool> DeleteAsync(string organizationId, string cameraId, CancellationToken cancellationToken = default);

    /// <summary>Lists the zones of every camera of every organisation (what a host loads at start).</summary>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The sets, by organisation and camera.</returns>
    Task<IReadOnlyList<CameraZoneSet>> ListAllAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// Alert rules per organisation, in the retail database so that every host sharing it sees the same rules. A rule id is
/// unique across organisations: one organisation cannot replace another's rule.
/// </summary>
public interface IAlertRuleStore
{
    /// <summary>Adds or replaces a rule of an organisation.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="rule">The rule.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns><see langword="false"/> when the id belongs to a rule of another organisation (nothing is written).</returns>
    Task<bool> PutAsync(string organizationId, AlertRule rule, CancellationToken cancellationToken = default);

    /// <summary>Gets a rule of an organisation.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="id">Rule id.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The rule, or <see langword="null"/>.</returns>
    Task<AlertRule?> GetAsync(string organizationId, string id, CancellationToken cancellationToken = default);

    /// <summary>Lists an organisation's rules by id (ordinal).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The rules.</returns>
    Task<IReadOnlyList<AlertRule>> ListAsync(string organizationId, CancellationToken cancellationToken = default);

    /// <summary>Deletes a rule of an organisation.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="id">Rule id.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Whether it existed in that organisation.</returns>
    Task<bool> DeleteAsync(string organizationId, string id, CancellationToken cancellationToken = default);

    /// <summary>Lists the rules of every organisation (what a host loads at start).</summary>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The rules, by organisation and id.</returns>
    Task<IReadOnlyList<OrganizationAlertRule>> ListAllAsync(CancellationToken cancellationToken = default);
}
