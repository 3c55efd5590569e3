using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;

namespace Scarlet.Retail;

/// <summary>Visits from tracking: entry and exit per person per store, dwell, returning visitors, statistics, persons inside now.</summary>
/// <param name="visits">Visit store.</param>
/// <param name="customers">Customer service (visit counts and tiers).</param>
/// <param name="stream">Event stream.</param>
public sealed class VisitAnalytics(IVisitStore visits, CustomerService customers, ScarletEventStream stream)
{
    /// <summary>Opens a visit (idempotent: a second entry of a person already inside returns the open visit).</summary>
    /// <param name="entered">The tracking event.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The visit.</returns>
    public async Task<Visit> HandleEnteredAsync(PersonEnteredStoreEvent entered, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entered);
        var org = entered.OrganizationId;
        if (await visits.GetOpenAsync(org, entered.StoreId, entered.PersonId, cancellationToken).ConfigureAwait(false) is { } open)
        {
            return open;
        }

        var returning = await visits.HasVisitedBeforeAsync(org, entered.StoreId, entered.CustomerId, entered.VisitorId, entered.Timestamp, cancellationToken).ConfigureAwait(false);
        var visit = new Visit
        {
            Id = Guid.NewGuid().ToString("N"),
            OrganizationId = org,
            StoreId = entered.StoreId,
            PersonId = entered.PersonId,
            CustomerId = entered.CustomerId,
            VisitorId = entered.VisitorId,
            EntryAt = entered.Timestamp,
            IsReturning = returning,
        };
        await visits.AddAsync(visit, cancellationToken).ConfigureAwait(false);
        stream.Publish(new VisitStartedEvent { OrganizationId = org, Timestamp = entered.Timestamp, Visit = visit });
        return visit;
    }

    /// <summary>Closes the person's open visit, counts it for the customer, publishes <see cref="VisitCompletedEvent"/>.</summary>
    /// <param name="exited">The tracking event.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The closed visit, or <see langword="null"/> when none was open.</returns>
    public async Task<Visit?> HandleExitedAsync(PersonExitedStoreEvent exited, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exited);
        var org = exited.OrganizationId;
        if (await visits.GetOpenAsync(org, exited.StoreId, exited.PersonId, cancellationToken).ConfigureAwait(false) is not { } open)
        {
            return null;
        }

        var closed = await visits.CloseAsync(org, open.Id, exited.Timestamp, exited.CustomerId, cancellationToken).ConfigureAwait(false);
        if (closed.CustomerId is { } customerId && await customers.GetAsync(org, customerId, cancellationToken).ConfigureAwait(false) is not null)
        {
            await customers.RecordVisitAsync(org, customerId, cancellationToken).ConfigureAwait(false);
        }

        stream.Publish(new VisitCompletedEvent { OrganizationId = org, Timestamp = exited.Timestamp, Visit = closed });
        return closed;
    }

    /// <summary>Visit statistics by hour, day, week or month (UTC buckets).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="storeId">Store, or <see langword="null"/> for all.</param>
    /// <param name="from">Start.</param>
    /// <param name="to">End (exclusive).</param>
    /// <param name="granularity">Bucket size.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Buckets with visits, unique visitors, returning visits and mean dwell.</returns>
    public Task<IReadOnlyList<VisitStatisticsBucket>> GetStatisticsAsync(string organizationId, string? storeId, DateTimeOffset from, DateTimeOffset to, StatisticsGranularity granularity, CancellationToken cancellationToken = default)
    {
        if (to <= from)
        {
            throw new ArgumentException("'to' must be after 'from'.", nameof(to));
        }

        return visits.GetStatisticsAsync(organizationId, storeId, from, to, granularity, cancellationToken);
    }

    /// <summary>Persons inside now (open visits).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="storeId">Store, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Count.</returns>
    public Task<int> GetActivePersonsAsync(string organizationId, string? storeId = null, CancellationToken cancellationToken = default) =>
        visits.CountOpenAsync(organizationId, storeId, cancellationToken);
}
