using Microsoft.Extensions.Options;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Vision;

namespace Scarlet.Retail;

/// <summary>
/// Visits: one person's stay in a store. A visit starts at the first sighting on any camera (or an identification by
/// <c>/process-frame</c> or <c>/recognize</c>) and ends once the person has been unseen for
/// <see cref="RetailOptions.VisitTimeoutMinutes"/>: tracks of the same person (the same cross-camera person id, or the
/// same customer) on several cameras, and re-entries within the timeout, are one visit, one row, whose last sighting
/// moves on. An anonymous person is a provisional visitor (the person id of the global id); identified later, the visit
/// becomes the customer's, merged into the customer's own visit when there is one. A customer's visit count changes once
/// per visit. Also: dwell per zone, statistics by period, occupancy over a day.
/// </summary>
/// <remarks>
/// Events are handled one at a time (one lock): the live visits are kept here and written through to the store, so a
/// restart finds a customer's recent visit again (a provisional visitor's global id does not survive a restart).
/// <see cref="VisitCompletedEvent"/> is published when the timeout has passed (<see cref="CompleteEndedVisitsAsync"/>,
/// run by <see cref="RetailPipeline"/> every minute and by any later event).
/// </remarks>
/// <param name="visits">Visit store.</param>
/// <param name="customers">Customer service (visit counts and tiers).</param>
/// <param name="stream">Event stream.</param>
/// <param name="options">Options (the visit timeout).</param>
public sealed class VisitAnalytics(IVisitStore visits, CustomerService customers, ScarletEventStream stream, IOptions<RetailOptions> options)
{
    /// <summary>The store of a visit seen only by an identification that names no store (<c>/recognize</c>); the web host's camera default too.</summary>
    public const string DefaultStoreId = "store";

    // A person in view whose exit never came (a camera stopped mid-track) stops holding the visit open after this.
    private static readonly TimeSpan s_staleInView = TimeSpan.FromHours(12);

    // A track in view may have been lost for up to the tracker's lost-track buffer before its exit comes (seconds at the
    // nominal frame rate, more when frames drop): counted as present until now only beyond this allowance.
    private static readonly TimeSpan s_lostTrackAllowance = TimeSpan.FromSeconds(30);

    private readonly TimeSpan _timeout = TimeSpan.FromMinutes(options.Value.VisitTimeoutMinutes);
    private readonly TimeSpan _minPresence = TimeSpan.FromSeconds(options.Value.VisitMinPresenceSeconds);
    private readonly TimeSpan _linkGap = TimeSpan.FromSeconds(options.Value.VisitLinkGapSeconds);
    private readonly double _linkDistance = options.Value.VisitLinkDistance;
    private readonly List<Fragment> _fragments = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HashSet<LiveVisit> _live = [];
    private readonly Dictionary<(string Org, string Person), LiveVisit> _byPerson = [];
    private readonly Dictionary<(string Org, string Customer), LiveVisit> _byCustomer = [];
    private readonly Dictionary<(string Org, string Zone, string Person, string? Camera), DateTimeOffset> _inZone = [];
    private int _liveCount;

    /// <summary>Gets a value indicating whether some visit has not ended (read without the lock: a hint for the sweep).</summary>
    internal bool HasLiveVisits => Volatile.Read(ref _liveCount) > 0;

    /// <summary>
    /// Records that a customer was seen at a time (<c>/process-frame</c>, <c>/recognize</c>, a camera's identification):
    /// it extends the customer's visit, or starts one (adding one to the visit count) when the customer has been unseen
    /// for longer than the timeout.
    /// </summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="at">When.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Whether this sighting started a visit.</returns>
    public async Task<bool> RecordSightingAsync(string organizationId, string customerId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ExpireAsync(at).ConfigureAwait(false);
            if (await FindCustomerVisitAsync(organizationId, null, customerId, at, cancellationToken).ConfigureAwait(false) is { } live)
            {
                await TouchAsync(live, at, cancellationToken).ConfigureAwait(false);
                return false;
            }

            if (await customers.GetAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false) is null)
            {
                return false;
            }

            // No tracked person: a person id of its own, never the customer's id (an erasure clears the customer only).
            await StartAsync(organizationId, DefaultStoreId, "sighting-" + Guid.NewGuid().ToString("N"), customerId, null, at, inView: false, cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A person came into view of a camera: the start of a visit, or part of the person's (or the customer's) visit when
    /// seen within the timeout.
    /// </summary>
    /// <param name="entered">The tracking event.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The visit.</returns>
    public async Task<Visit> HandleEnteredAsync(PersonEnteredStoreEvent entered, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entered);
        var (org, at) = (entered.OrganizationId, entered.Timestamp);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ExpireAsync(at).ConfigureAwait(false);
            var live = _byPerson.GetValueOrDefault((org, entered.PersonId));
            if (live is null && entered.CustomerId is { } customer)
            {
                live = await FindCustomerVisitAsync(org, entered.StoreId, customer, at, cancellationToken).ConfigureAwait(false);
            }

            var fragment = new Fragment(org, entered.StoreId, entered.PersonId, entered.CameraId, at, entered.Position) { HasPredecessor = live is not null };
            if (live is null && entered.CustomerId is null && LinkBefore(fragment) is { } before)
            {
                // A new track where a recent one on this camera was lost: the same person's next fragment.
                (before.HasSuccessor, fragment.HasPredecessor, live) = (true, true, _byPerson[(org, before.PersonId)]);
            }

            if (live is null)
            {
                live = await StartAsync(org, entered.StoreId, entered.PersonId, entered.CustomerId, entered.VisitorId ?? entered.PersonId, at, inView: true, cancellationToken).ConfigureAwait(false);
            }
            else if (entered.CustomerId is { } c && live.Row.CustomerId is null)
            {
                live = await AttributeAsync(live, c, cancellationToken).ConfigureAwait(false);
            }

            _byPerson[(org, entered.PersonId)] = live;
            live.Persons.Add(entered.PersonId);
            live.InView.Add(InViewKey(entered.PersonId, entered.CameraId));
            if (entered.CameraId is not null)
            {
                _fragments.Add(fragment);
            }

            await TouchAsync(live, at, cancellationToken).ConfigureAwait(false);
            return live.Row;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A person left a camera's view: once no camera sees anyone of the visit, its last sighting is set; the visit ends
    /// when the timeout passes without a new sighting.
    /// </summary>
    /// <param name="exited">The tracking event.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The visit, or <see langword="null"/> when the person had none.</returns>
    public async Task<Visit?> HandleExitedAsync(PersonExitedStoreEvent exited, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exited);
        var (org, at) = (exited.OrganizationId, exited.Timestamp);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ExpireAsync(at).ConfigureAwait(false);
            if (!_byPerson.TryGetValue((org, exited.PersonId), out var live))
            {
                // Opened before a restart: close the row as the host before it would have.
                if (await visits.GetOpenAsync(org, exited.StoreId, exited.PersonId, cancellationToken).ConfigureAwait(false) is not { } open)
                {
                    return null;
                }

                return await visits.CloseAsync(org, open.Id, at, exited.CustomerId, cancellationToken).ConfigureAwait(false);
            }

            if (exited.CustomerId is { } c && live.Row.CustomerId is null)
            {
                live = await AttributeAsync(live, c, cancellationToken).ConfigureAwait(false);
            }

            // The last sighting, not the moment the tracker gave the track up.
            var seen = exited.LastSeenAt is { } l && l < at ? l : at;
            live.InView.Remove(InViewKey(exited.PersonId, exited.CameraId));
            await TouchAsync(live, seen, cancellationToken).ConfigureAwait(false);
            if (_fragments.Find(f => !f.Ended && f.OrganizationId == org && f.PersonId == exited.PersonId && f.CameraId == exited.CameraId) is { } fragment)
            {
                (fragment.Ended, fragment.LastSeen, fragment.LastPosition) = (true, seen, exited.Position ?? fragment.Position);
                if (live.Row.CustomerId is null && LinkAfter(fragment) is { } after && _byPerson.GetValueOrDefault((org, after.PersonId)) is { Confirmed: false } next && !ReferenceEquals(next, live))
                {
                    // The tracker started the person's next track before giving this one up: that unconfirmed visit is this one.
                    (fragment.HasSuccessor, after.HasPredecessor) = (true, true);
                    await AbsorbAsync(live, next, cancellationToken).ConfigureAwait(false);
                }
            }

            await ConfirmIfPresentAsync(live, at, cancellationToken).ConfigureAwait(false);
            return live.Row;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A person entered a zone: the start of a stay there (dwell per zone).</summary>
    /// <param name="entered">The tracking event.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    public async Task HandleZoneEnteredAsync(ZoneEnteredEvent entered, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entered);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _inZone.TryAdd((entered.OrganizationId, entered.Zone, entered.PersonId, entered.CameraId), entered.Timestamp);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A person left a zone: the stay is recorded with the person's visit.</summary>
    /// <param name="exited">The tracking event.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The stay, or <see langword="null"/> when its entry was not seen.</returns>
    public async Task<ZoneStay?> HandleZoneExitedAsync(ZoneExitedEvent exited, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exited);
        var org = exited.OrganizationId;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_inZone.Remove((org, exited.Zone, exited.PersonId, exited.CameraId), out var since))
            {
                return null;
            }

            // The visit's id even before it is confirmed (stored): it is the id it will have; a stay of a person never
            // confirmed keeps an id with no row, counted like a person id.
            var live = _byPerson.GetValueOrDefault((org, exited.PersonId));
            var visit = live?.Row.Id;
            if (live is not null)
            {
                live.HasZoneStays = true;
            }

            var stay = new ZoneStay(org, exited.Zone, exited.PersonId, visit, since, exited.Timestamp > since ? exited.Timestamp : since) { CameraId = exited.CameraId };
            await visits.AddZoneStayAsync(stay, cancellationToken).ConfigureAwait(false);
            return stay;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Ends the visits whose people have been unseen for longer than the timeout at <paramref name="now"/> and publishes <see cref="VisitCompletedEvent"/> for each.</summary>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The visits ended.</returns>
    public async Task<IReadOnlyList<Visit>> CompleteEndedVisitsAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ExpireAsync(now).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static string InViewKey(string person, string? camera) => person + "\n" + camera;

    private async Task<IReadOnlyList<Visit>> ExpireAsync(DateTimeOffset now)
    {
        // Anonymous people not yet counted: a visit once seen long enough; forgotten once no track can link to them.
        foreach (var pending in _live.Where(l => !l.Confirmed).ToList())
        {
            if (!await ConfirmIfPresentAsync(pending, now, CancellationToken.None).ConfigureAwait(false)
                && now - pending.LastSeen > (pending.InView.Count == 0 ? _linkGap : s_staleInView))
            {
                Forget(pending);
            }
        }

        _fragments.RemoveAll(f => f.Ended && now - f.LastSeen > _linkGap && now - f.EnteredAt > _linkGap);
        var ending = _live.Where(l => now - l.LastSeen > _timeout && (l.InView.Count == 0 || now - l.LastSeen > s_staleInView)).ToList();
        var ended = new List<Visit>(ending.Count);
        foreach (var live in ending)
        {
            Forget(live);
            if (live.InView.Count > 0)
            {
                // Its exits never came (a camera stopped mid-track): the visit ends at its last sighting.
                live.InView.Clear();
                await TouchAsync(live, live.LastSeen, CancellationToken.None).ConfigureAwait(false);
            }

            ended.Add(live.Row);
            stream.Publish(new VisitCompletedEvent { OrganizationId = live.Row.OrganizationId, Timestamp = live.LastSeen, Visit = live.Row });
        }

        foreach (var key in _inZone.Where(z => now - z.Value > s_staleInView).Select(z => z.Key).ToList())
        {
            _inZone.Remove(key);
        }

        return ended;
    }

    private void Forget(LiveVisit live)
    {
        _live.Remove(live);
        _fragments.RemoveAll(f => f.OrganizationId == live.Row.OrganizationId && live.Persons.Contains(f.PersonId));
        Volatile.Write(ref _liveCount, _live.Count);
        var org = live.Row.OrganizationId;
        foreach (var person in live.Persons)
        {
            if (_byPerson.TryGetValue((org, person), out var l) && ReferenceEquals(l, live))
            {
                _byPerson.Remove((org, person));
            }
        }

        if (live.Row.CustomerId is { } c && _byCustomer.TryGetValue((org, c), out var lc) && ReferenceEquals(lc, live))
        {
            _byCustomer.Remove((org, c));
        }
    }

    // The customer's visit within the timeout: live here, or (after a restart) the latest row of the store.
    private async Task<LiveVisit?> FindCustomerVisitAsync(string org, string? storeId, string customerId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (_byCustomer.TryGetValue((org, customerId), out var live))
        {
            return live;
        }

        var row = await visits.GetLatestAsync(org, storeId, customerId, null, cancellationToken).ConfigureAwait(false);
        var last = row?.ExitAt ?? row?.EntryAt;
        if (row is null || at - last > _timeout || row.EntryAt - at > _timeout)
        {
            return null;
        }

        live = new LiveVisit(row, last!.Value) { Confirmed = true };
        live.Persons.Add(row.PersonId);
        _live.Add(live);
        Volatile.Write(ref _liveCount, _live.Count);
        _byCustomer[(org, customerId)] = live;
        return live;
    }

    private async Task<LiveVisit> StartAsync(string org, string storeId, string personId, string? customerId, string? visitorId, DateTimeOffset at, bool inView, CancellationToken cancellationToken)
    {
        var row = new Visit
        {
            Id = Guid.NewGuid().ToString("N"),
            OrganizationId = org,
            StoreId = storeId,
            PersonId = personId,
            CustomerId = customerId,
            VisitorId = visitorId,
            EntryAt = at,
            ExitAt = inView ? null : at,
        };
        var live = new LiveVisit(row, at);
        live.Persons.Add(personId);
        _live.Add(live);
        Volatile.Write(ref _liveCount, _live.Count);
        if (customerId is not null || _minPresence <= TimeSpan.Zero)
        {
            await ConfirmAsync(live, cancellationToken).ConfigureAwait(false);
        }

        return live;
    }

    // Stores and counts a visit: at its start for a customer, once seen for the minimum presence for anyone else.
    private async Task ConfirmAsync(LiveVisit live, CancellationToken cancellationToken)
    {
        var row = live.Row;
        var returning = await visits.HasVisitedBeforeAsync(row.OrganizationId, row.StoreId, row.CustomerId, row.VisitorId, row.EntryAt, cancellationToken).ConfigureAwait(false);
        live.Row = row = row with { IsReturning = returning }; // its exit is kept up to date by TouchAsync before it is stored
        live.Confirmed = true;
        await visits.AddAsync(row, cancellationToken).ConfigureAwait(false);
        if (row.CustomerId is { } customerId)
        {
            _byCustomer[(row.OrganizationId, customerId)] = live;
            await CountVisitAsync(row.OrganizationId, customerId, cancellationToken).ConfigureAwait(false);
        }

        stream.Publish(new VisitStartedEvent { OrganizationId = row.OrganizationId, Timestamp = row.EntryAt, Visit = row });
    }

    private async Task<bool> ConfirmIfPresentAsync(LiveVisit live, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (live.Confirmed)
        {
            return true;
        }

        // Seen: entries and exits' last sightings (LastSeen); a person still in view, until now less the allowance.
        var seen = live.InView.Count > 0 && now - s_lostTrackAllowance > live.LastSeen ? now - s_lostTrackAllowance : live.LastSeen;
        if (seen - live.Row.EntryAt < _minPresence)
        {
            return false;
        }

        await ConfirmAsync(live, cancellationToken).ConfigureAwait(false);
        return true;
    }

    // An unconfirmed visit's people, cameras and sightings join another visit.
    private async Task AbsorbAsync(LiveVisit keep, LiveVisit drop, CancellationToken cancellationToken)
    {
        var org = keep.Row.OrganizationId;
        _live.Remove(drop);
        Volatile.Write(ref _liveCount, _live.Count);
        keep.InView.UnionWith(drop.InView);
        foreach (var person in drop.Persons)
        {
            keep.Persons.Add(person);
            _byPerson[(org, person)] = keep;
        }

        await TouchAsync(keep, drop.Row.EntryAt, cancellationToken).ConfigureAwait(false);
        await TouchAsync(keep, drop.LastSeen, cancellationToken).ConfigureAwait(false);
        if (drop.HasZoneStays)
        {
            // Its zone stays follow (it has no row to delete).
            keep.HasZoneStays = true;
            await visits.DeleteAsync(org, drop.Row.Id, keep.Row.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    // The ended track on the fragment's camera it continues: last seen within the link gap before it began, near where
    // it begins, not continued yet; the nearest.
    private Fragment? LinkBefore(Fragment next) =>
        Nearest(next, f => f.Ended && !f.HasSuccessor && f.LastSeen <= next.EnteredAt && next.EnteredAt - f.LastSeen <= _linkGap
            && !ReferenceEquals(f, next) && f.PersonId != next.PersonId && _byPerson.ContainsKey((f.OrganizationId, f.PersonId)), f => f.LastPosition, next.Position);

    // The track on the ended fragment's camera that continues it: begun within the link gap after its last sighting,
    // near it, continuing nothing yet; the nearest.
    private Fragment? LinkAfter(Fragment ended) =>
        Nearest(ended, f => !f.HasPredecessor && f.EnteredAt >= ended.LastSeen && f.EnteredAt - ended.LastSeen <= _linkGap
            && !ReferenceEquals(f, ended) && f.PersonId != ended.PersonId, f => f.Position, ended.LastPosition);

    private Fragment? Nearest(Fragment of, Func<Fragment, bool> candidate, Func<Fragment, PointF?> where, PointF? at)
    {
        if (at is not { } p || _linkGap <= TimeSpan.Zero)
        {
            return null;
        }

        Fragment? best = null;
        var bestDistance = _linkDistance;
        foreach (var f in _fragments)
        {
            if (f.OrganizationId == of.OrganizationId && f.StoreId == of.StoreId && f.CameraId == of.CameraId && where(f) is { } q && candidate(f))
            {
                var d = Math.Sqrt(((p.X - q.X) * (p.X - q.X)) + ((p.Y - q.Y) * (p.Y - q.Y)));
                if (d <= bestDistance)
                {
                    (best, bestDistance) = (f, d);
                }
            }
        }

        return best;
    }

    private async Task CountVisitAsync(string org, string customerId, CancellationToken cancellationToken)
    {
        if (await customers.GetAsync(org, customerId, cancellationToken).ConfigureAwait(false) is not null)
        {
            await customers.RecordVisitAsync(org, customerId, cancellationToken).ConfigureAwait(false);
        }
    }

    // A provisional visitor's visit is identified as a customer's: merged into the customer's visit within the timeout
    // (no second count), else it becomes the customer's visit and counts once.
    private async Task<LiveVisit> AttributeAsync(LiveVisit live, string customerId, CancellationToken cancellationToken)
    {
        if (!live.Confirmed)
        {
            await ConfirmAsync(live, cancellationToken).ConfigureAwait(false);
        }

        var org = live.Row.OrganizationId;
        var other = await FindCustomerVisitAsync(org, live.Row.StoreId, customerId, live.LastSeen, cancellationToken).ConfigureAwait(false);
        if (other is not null && !ReferenceEquals(other, live))
        {
            // The earlier row stays (a camera's track usually starts before its identification, which may have opened
            // a store-less visit): it gets the customer, the other's people, cameras and zone stays.
            var (keep, drop) = other.Row.EntryAt <= live.Row.EntryAt ? (other, live) : (live, other);
            Forget(drop);
            keep.InView.UnionWith(drop.InView);
            keep.Persons.UnionWith(drop.Persons);
            foreach (var person in keep.Persons)
            {
                _byPerson[(org, person)] = keep;
            }

            keep.Row = keep.Row with { CustomerId = customerId, IsReturning = keep.Row.IsReturning || drop.Row.IsReturning };
            _byCustomer[(org, customerId)] = keep;
            await visits.DeleteAsync(org, drop.Row.Id, keep.Row.Id, cancellationToken).ConfigureAwait(false);
            await visits.UpdateAsync(keep.Row, cancellationToken).ConfigureAwait(false);
            await TouchAsync(keep, drop.LastSeen, cancellationToken).ConfigureAwait(false);
            return keep;
        }

        var returning = live.Row.IsReturning || await visits.HasVisitedBeforeAsync(org, live.Row.StoreId, customerId, null, live.Row.EntryAt, cancellationToken).ConfigureAwait(false);
        live.Row = live.Row with { CustomerId = customerId, IsReturning = returning };
        _byCustomer[(org, customerId)] = live;
        await visits.UpdateAsync(live.Row, cancellationToken).ConfigureAwait(false);
        await CountVisitAsync(org, customerId, cancellationToken).ConfigureAwait(false);
        return live;
    }

    // Seen at 'at': the first and last sightings move out to it; the row's exit is the last sighting unless someone of the
    // visit is in view. Written only when something changed.
    private async Task TouchAsync(LiveVisit live, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (at > live.LastSeen)
        {
            live.LastSeen = at;
        }

        var row = live.Row;
        var entry = at < row.EntryAt ? at : row.EntryAt;
        DateTimeOffset? exit = live.InView.Count > 0 ? null : live.LastSeen;
        if (entry != row.EntryAt || exit != row.ExitAt)
        {
            live.Row = row with { EntryAt = entry, ExitAt = exit };
            if (live.Confirmed)
            {
                await visits.UpdateAsync(live.Row, cancellationToken).ConfigureAwait(false);
            }
        }
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

    /// <summary>Visits that started in <c>[from, to)</c> summed: visits, unique, returning and new visitors, mean dwell.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="storeId">Store, or <see langword="null"/> for all.</param>
    /// <param name="from">Start.</param>
    /// <param name="to">End (exclusive).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The summary.</returns>
    public Task<VisitSummary> GetSummaryAsync(string organizationId, string? storeId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        CheckRange(from, to);
        return visits.GetSummaryAsync(organizationId, storeId, from, to, cancellationToken);
    }

    /// <summary>Dwell per zone: the stays that began in <c>[from, to)</c>, by zone (and camera).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="from">Start.</param>
    /// <param name="to">End (exclusive).</param>
    /// <param name="cameraId">Only the stays seen by this camera, or <see langword="null"/> for all.</param>
    /// <param name="byCamera">One row per zone and camera (zones of the same name on several cameras apart).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>One row per zone (and camera) with stays, by zone name.</returns>
    public Task<IReadOnlyList<ZoneDwell>> GetZoneDwellAsync(string organizationId, DateTimeOffset from, DateTimeOffset to, string? cameraId = null, bool byCamera = false, CancellationToken cancellationToken = default)
    {
        CheckRange(from, to);
        return visits.GetZoneDwellAsync(organizationId, from, to, cameraId, byCamera, cancellationToken);
    }

    /// <summary>
    /// Occupancy over <c>[from, to)</c> (a day, typically) in steps of <paramref name="interval"/>: the mean and the peak
    /// number of people present, a person being present from the first to the last sighting of the visit (to
    /// <paramref name="to"/> while still in view).
    /// </summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="storeId">Store, or <see langword="null"/> for all.</param>
    /// <param name="from">Start.</param>
    /// <param name="to">End (exclusive).</param>
    /// <param name="interval">Step, at least one second, at most 10,000 steps.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>One point per step, oldest first.</returns>
    public async Task<IReadOnlyList<OccupancyPoint>> GetOccupancyAsync(string organizationId, string? storeId, DateTimeOffset from, DateTimeOffset to, TimeSpan interval, CancellationToken cancellationToken = default)
    {
        CheckRange(from, to);
        if (interval < TimeSpan.FromSeconds(1) || (to - from) / interval > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), "The interval must be at least 1 s and give at most 10,000 steps.");
        }

        var rows = await visits.ListOverlappingAsync(organizationId, storeId, from, to, cancellationToken).ConfigureAwait(false);
        return Occupancy(rows, from, to, interval);
    }

    /// <summary>Mean and peak people present per step: a sweep over the visits' entries (+1) and last sightings (-1).</summary>
    internal static List<OccupancyPoint> Occupancy(IReadOnlyList<Visit> rows, DateTimeOffset from, DateTimeOffset to, TimeSpan interval)
    {
        var changes = new List<(DateTimeOffset At, int Delta)>(rows.Count * 2);
        foreach (var v in rows)
        {
            var start = v.EntryAt < from ? from : v.EntryAt;
            var end = v.ExitAt is { } e && e < to ? e : to;
            if (end >= start)
            {
                changes.Add((start, 1));
                changes.Add((end, -1));
            }
        }

        // Arrivals before departures at the same instant: a sighting of one instant still counts in the peak.
        changes.Sort((a, b) => a.At != b.At ? a.At.CompareTo(b.At) : b.Delta.CompareTo(a.Delta));
        var points = new List<OccupancyPoint>();
        var (present, next) = (0, 0);
        for (var start = from; start < to; start += interval)
        {
            var end = start + interval < to ? start + interval : to;
            var peak = present;
            double personSeconds = 0;
            var t = start;
            while (next < changes.Count && changes[next].At < end)
            {
                var (at, delta) = changes[next++];
                personSeconds += present * (at - t).TotalSeconds;
                t = at;
                present += delta;
                peak = Math.Max(peak, present);
            }

            personSeconds += present * (end - t).TotalSeconds;
            points.Add(new OccupancyPoint(start, personSeconds / (end - start).TotalSeconds, peak));
        }

        return points;
    }

    private static void CheckRange(DateTimeOffset from, DateTimeOffset to)
    {
        if (to <= from)
        {
            throw new ArgumentException("'to' must be after 'from'.", nameof(to));
        }
    }

    /// <summary>Persons inside now (open visits).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="storeId">Store, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Count.</returns>
    public Task<int> GetActivePersonsAsync(string organizationId, string? storeId = null, CancellationToken cancellationToken = default) =>
        visits.CountOpenAsync(organizationId, storeId, cancellationToken);
}

/// <summary>A visit that has not ended: its row, who of it is in view of which camera, when it was last seen.</summary>
internal sealed class LiveVisit(Visit row, DateTimeOffset lastSeen)
{
    public Visit Row { get; set; } = row;

    public DateTimeOffset LastSeen { get; set; } = lastSeen;

    /// <summary>Gets the person ids of the visit (several global ids of one customer).</summary>
    public HashSet<string> Persons { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the (person, camera) pairs in view now.</summary>
    public HashSet<string> InView { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets a value indicating whether the visit counts (stored): a customer's at once, an anonymous person's once seen for the minimum presence.</summary>
    public bool Confirmed { get; set; }

    /// <summary>Gets or sets a value indicating whether zone stays name this visit.</summary>
    public bool HasZoneStays { get; set; }
}

/// <summary>One track of a person on one camera, kept while a later track could continue it (fragment linking).</summary>
internal sealed class Fragment(string organizationId, string storeId, string personId, string? cameraId, DateTimeOffset enteredAt, PointF? position)
{
    public string OrganizationId { get; } = organizationId;

    public string StoreId { get; } = storeId;

    public string PersonId { get; } = personId;

    public string? CameraId { get; } = cameraId;

    public DateTimeOffset EnteredAt { get; } = enteredAt;

    /// <summary>Gets where the track began (normalised foot point).</summary>
    public PointF? Position { get; } = position;

    public bool Ended { get; set; }

    public DateTimeOffset LastSeen { get; set; } = enteredAt;

    public PointF? LastPosition { get; set; } = position;

    public bool HasPredecessor { get; set; }

    public bool HasSuccessor { get; set; }
}
