using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;

namespace Scarlet.Retail;

/// <summary>
/// The event log the admin dashboard shows (the seed's GET /logs and /admin/logs): one line per event (raw
/// recognition outcomes excluded: they are detection records). Lines name ids, never names or faces.
/// </summary>
/// <param name="events">Event store.</param>
/// <param name="time">Clock.</param>
public sealed class EventLog(IEventStore events, TimeProvider time)
{
    /// <summary>Writes the log line of an event (nothing for recognition outcomes).</summary>
    /// <param name="evt">The event.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The entry written, or <see langword="null"/>.</returns>
    public async Task<LogEntry?> HandleAsync(ScarletEvent evt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var line = Describe(evt);
        if (line is null)
        {
            return null;
        }

        var (level, type, message, customer) = line.Value;
        var entry = new LogEntry(0, evt.OrganizationId, evt.Timestamp, level, type, message, customer);
        await events.AppendLogAsync(entry, cancellationToken).ConfigureAwait(false);
        return entry;
    }

    /// <summary>Writes a free log line (host messages).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="level">info, warning or error.</param>
    /// <param name="type">Type.</param>
    /// <param name="message">Text.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    public Task WriteAsync(string organizationId, string level, string type, string message, CancellationToken cancellationToken = default) =>
        events.AppendLogAsync(new LogEntry(0, organizationId, time.GetUtcNow(), level, type, message), cancellationToken);

    /// <summary>Most recent entries, newest first.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="limit">Count (the seed's default is 50).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Entries.</returns>
    public Task<IReadOnlyList<LogEntry>> GetRecentAsync(string organizationId, int limit = 50, CancellationToken cancellationToken = default) =>
        events.GetLogsAsync(organizationId, limit, cancellationToken);

    /// <summary>Number of log entries of an organisation.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The count.</returns>
    public Task<long> CountAsync(string organizationId, CancellationToken cancellationToken = default) =>
        events.CountLogsAsync(organizationId, cancellationToken);

    private static (string Level, string Type, string Message, string? Customer)? Describe(ScarletEvent e) => e switch
    {
        RecognitionEvent => null,
        CustomerIdentifiedEvent c => ("info", c.Topic, $"Customer {c.CustomerId} identified by camera {c.CameraId}" + (c.StoreZone is null ? string.Empty : $" in zone {c.StoreZone}"), c.CustomerId),
        ActionEvent a => ("info", a.Topic, $"Recommended {string.Join(", ", a.RecommendedProducts)} to customer {a.CustomerId}", a.CustomerId),
        PromotionShownEvent p => ("info", p.Topic, $"Promotion {p.PromotionId} shown to customer {p.CustomerId}", p.CustomerId),
        PersonEnteredStoreEvent s => ("info", s.Topic, $"Person {s.PersonId} entered store {s.StoreId}", s.CustomerId),
        PersonExitedStoreEvent s => ("info", s.Topic, $"Person {s.PersonId} left store {s.StoreId}", s.CustomerId),
        ZoneEnteredEvent z => ("info", z.Topic, $"Person {z.PersonId} entered zone {z.Zone}", z.CustomerId),
        ZoneExitedEvent z => ("info", z.Topic, $"Person {z.PersonId} left zone {z.Zone}", null),
        VisitStartedEvent v => ("info", v.Topic, $"Visit {v.Visit.Id} started in store {v.Visit.StoreId}" + (v.Visit.IsReturning ? " (returning)" : string.Empty), v.Visit.CustomerId),
        VisitCompletedEvent v => ("info", v.Topic, $"Visit {v.Visit.Id} ended after {v.DwellSeconds:0} s", v.Visit.CustomerId),
        AlertRaisedEvent a => (a.Alert.Level switch { AlertLevel.Critical => "error", AlertLevel.Warning => "warning", _ => "info" }, a.Topic, $"[{a.Alert.Level}] {a.Alert.Message}", null),
        AlertAcknowledgedEvent a => ("info", a.Topic, $"Alert {a.Alert.Id} acknowledged by {a.Alert.AcknowledgedBy}", null),
        CustomerRegisteredEvent r => ("info", r.Topic, (r.IsAutoRegistered ? "Auto-registered customer " : "Registered customer ") + r.CustomerId, r.CustomerId),
        VisitorAssignedEvent v => ("info", v.Topic, $"Visitor {v.VisitorId} assigned to customer {v.CustomerId}", v.CustomerId),
        PossibleDuplicateFlaggedEvent f => ("warning", f.Topic, $"Customer {f.CustomerId} flagged as a possible duplicate of customer {f.ExistingCustomerId} (similarity {f.Similarity.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)})", f.CustomerId),
        CustomersMergedEvent m => ("info", m.Topic, $"Customer {m.MergedCustomerId} merged into customer {m.CustomerId} by {m.Actor}", m.CustomerId),
        CustomerErasedEvent x => ("warning", x.Topic, $"A customer was erased by {x.Actor}", null),
        CameraZonesChangedEvent z => ("info", z.Topic, $"Zones of camera {z.CameraId} changed", null),
        AlertRuleChangedEvent r => ("info", r.Topic, $"Alert rule {r.RuleId} " + (r.Deleted ? "deleted" : "changed"), null),
        _ => ("info", e.Topic, e.GetType().Name, null),
    };
}
