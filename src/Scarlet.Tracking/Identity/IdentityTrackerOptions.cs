namespace Scarlet.Tracking.Identity;

/// <summary>Options of <see cref="IdentityTracker"/>, the live "who is here" registry.</summary>
public sealed class IdentityTrackerOptions
{
    /// <summary>Gets or sets how long a person not seen is kept (their record, trail and customer).</summary>
    /// <value>The default value is 30 minutes.</value>
    public TimeSpan Retention { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Gets or sets how recent a confirmed detection on a live track must be for the person to count as present. A
    /// track that is only carried (lost, predicted) or matched to weak detections stops backing its person after this.
    /// </summary>
    /// <value>The default value is 2 seconds.</value>
    public TimeSpan PresenceWindow { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets how many positions are kept per person.</summary>
    /// <value>The default value is 200.</value>
    public int TrailLength { get; set; } = 200;

    /// <summary>Gets or sets how often the hosted pruner registered by <c>AddCameraPipelines</c> forgets people older than <see cref="Retention"/>.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Returns the problems with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Retention <= TimeSpan.Zero)
        {
            errors.Add("Retention must be positive.");
        }

        if (PresenceWindow <= TimeSpan.Zero)
        {
            errors.Add("PresenceWindow must be positive.");
        }
        else if (PresenceWindow > Retention)
        {
            errors.Add("PresenceWindow must not exceed Retention.");
        }

        if (TrailLength < 1)
        {
            errors.Add("TrailLength must be at least 1.");
        }

        if (PruneInterval <= TimeSpan.Zero)
        {
            errors.Add("PruneInterval must be positive.");
        }

        return errors;
    }
}
