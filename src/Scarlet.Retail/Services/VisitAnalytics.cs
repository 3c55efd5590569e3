using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;

namespace Scarlet.Retail;

/// <summary>
/// Visits from tracking: entry and exit per person per store, dwell, returning visitors, statistics, persons inside now;
/// and a customer's visit count, which changes once per visit: when the customer is seen (a camera track, any
/// identification) after more than <see cref="RetailOptions.VisitTimeoutMinutes"/> unseen.
/// </summary>
/// <param name="visits">Visit store.</param>
/// <param name="customers">Customer service (visit counts and tiers).</param>
/// <param name="stream">Event stream.</param>
/// <param name="options">Options (the visit timeout).</param>
public sealed class VisitAnalytics(IVisitStore visits, CustomerService customers, ScarletEventStream stream, IOptions<RetailOptions> options)
{
    private readonly TimeSpan _timeout = TimeSpan.FromMinutes(options.Value.VisitTimeoutMinutes);

    // When each customer was last seen: a sighting later than this plus the timeout starts a new visit. Seeded from the
    // visit rows on a customer's first sighting after a start, so a restart does not count a visit twice.
    private readonly ConcurrentDictionary<(string Org, string Customer), DateTimeOffset> _lastSeen = new();
    private readonly SemaphoreSlim _counting = new(1, 1);

    /// <summary>
    /// Records that a customer was seen at a time (a camera, <c>/process-frame</c>, <c>/recognize</c>): the first sighting
    /// after more than the visit timeout starts a visit, which adds one to the customer's visit count; sightings
    /// within it are the same visit.
    /// </summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="at">When.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Whether this sighting started a visit.</returns>
    public Task<bool> RecordSightingAsync(string organizationId, string customerId, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        RecordPresenceAsync(organizationId, customerId, at, at, cancellationToken);

    // Seen without a break from 'from' to 'at' (a camera track): the gap that matters is the one before 'from'.
    private async Task<bool> RecordPresenceAsync(string organizationId, string customerId, DateTimeOffset from, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        await _counting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var key = (organizationId, customerId);
            if (!_lastSeen.TryGetValue(key, out var last))
            {
                var past = await visits.ListForCustomerAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false);
                // Rows that began before this sighting (not the visit row this very sighting opened).
                last = past.Where(v => v.EntryAt < from).Select(v => v.ExitAt ?? v.EntryAt).DefaultIfEmpty(DateTimeOffset.MinValue).Max();
            }

            var starts = last == DateTimeOffset.MinValue || from - last > _timeout;
            _lastSeen[key] = at > last ? at : last;
            if (starts && await customers.GetAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false) is not null)
            {
                await customers.RecordVisitAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false);
                return true;
            }

            return false;
        }
        finally
        {
            _counting.Release();
        }
    }

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
        if (entered.CustomerId is { } customer)
        {
            await RecordSightingAsync(org, customer, entered.Timestamp, cancellationToken).ConfigureAwait(false);
        }

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
        if (closed.CustomerId is { } customerId)
        {
            // Counted once per visit, not per track: a track of a customer seen within the timeout adds nothing.
            await RecordPresenceAsync(org, customerId, closed.EntryAt, exited.Timestamp, cancellationToken).ConfigureAwait(false);
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
