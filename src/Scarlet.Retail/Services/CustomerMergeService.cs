using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Scarlet.Recognition;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Storage.Sql;

namespace Scarlet.Retail;

/// <summary>
/// Possible duplicate customers and merging. A registration whose face resembles another customer's without being taken
/// for the same person (between the gallery's match and duplicate thresholds) is stored and flagged
/// (<see cref="FlagAsync"/>, called by <see cref="FaceIdentityService"/>); an admin reviews the pairs
/// (<see cref="ListAsync"/>) and merges the ones that are one person (<see cref="MergeAsync"/>).
/// </summary>
/// <remarks>
/// <para>A merge keeps the <c>into</c> customer (id, index id, creation time, and name and e-mail unless blank) and gives
/// it everything of the <c>from</c> customer: purchases, visits, detections, impressions, visitor clusters, log entries,
/// total spend and visit count (summed), the higher loyalty tier (then re-evaluated on the sums; never lowered), and the
/// face embeddings. Consent: both records describe the same person's consent, so the more recent one is kept; when
/// neither customer has consent the kept one stays provisional and expires at the earlier of the two expiry times, so
/// unconsented face data never outlives the shorter retention.</para>
/// <para>Embeddings: both customers' embeddings are kept up to the gallery's
/// <see cref="FaceGalleryOptions.MaxEmbeddingsPerIdentity"/>; above it, the newest of each customer are taken in turn, so
/// both faces stay recognisable, and the rest are deleted.</para>
/// <para>The store does all of it in one transaction, including the erasure of the <c>from</c> customer; then
/// <see cref="CustomersMergedEvent"/> gives the kept customer's gallery identity the merged embeddings and the erasure
/// follows the <see cref="PrivacyService"/> path (<see cref="PrivacyService.CustomerErased"/>,
/// <see cref="CustomerErasedEvent"/>), so galleries, snapshots and other nodes drop the merged-away identity.</para>
/// </remarks>
public sealed class CustomerMergeService
{
    private readonly ICustomerStore _customers;
    private readonly IPossibleDuplicateStore _duplicates;
    private readonly PrivacyService _privacy;
    private readonly ScarletEventStream _stream;
    private readonly RetailOptions _options;
    private readonly FaceGalleryOptions _gallery;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="CustomerMergeService"/> class.</summary>
    /// <param name="customers">Customer store.</param>
    /// <param name="duplicates">Possible-duplicate store.</param>
    /// <param name="privacy">Privacy service (the erasure that ends a merge).</param>
    /// <param name="stream">Event stream.</param>
    /// <param name="options">Retail options (loyalty rules).</param>
    /// <param name="recognition">Recognition options (the gallery's embedding cap per identity).</param>
    /// <param name="time">Clock.</param>
    /// <param name="logger">Logger.</param>
    public CustomerMergeService(ICustomerStore customers, IPossibleDuplicateStore duplicates, PrivacyService privacy, ScarletEventStream stream, IOptions<RetailOptions> options, IOptions<RecognitionOptions> recognition, TimeProvider time, ILogger<CustomerMergeService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(recognition);
        _customers = customers ?? throw new ArgumentNullException(nameof(customers));
        _duplicates = duplicates ?? throw new ArgumentNullException(nameof(duplicates));
        _privacy = privacy ?? throw new ArgumentNullException(nameof(privacy));
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _options = options.Value;
        _gallery = recognition.Value.Gallery;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Stores a possible-duplicate pair and publishes <see cref="PossibleDuplicateFlaggedEvent"/>.</summary>
    /// <param name="pair">The pair.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    /// <exception cref="RetailNotFoundException">Either customer is not in the organisation (erased or merged meanwhile).</exception>
    public async Task FlagAsync(PossibleDuplicate pair, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pair);
        var flagged = new PossibleDuplicateFlaggedEvent { OrganizationId = pair.OrganizationId, Timestamp = pair.FlaggedAt, CustomerId = pair.CustomerId, ExistingCustomerId = pair.ExistingCustomerId, Similarity = pair.Similarity };
        using var staged = new StagedEvents<int>(_ => [flagged]); // written in AddAsync's transaction
        await _duplicates.AddAsync(pair, cancellationToken).ConfigureAwait(false);
        _stream.Publish(staged.WrittenOf<PossibleDuplicateFlaggedEvent>() ?? flagged);
    }

    /// <summary>The flagged pairs of an organisation with both customers, most recently flagged first.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Pairs.</returns>
    public async Task<IReadOnlyList<PossibleDuplicatePair>> ListAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        var pairs = await _duplicates.ListAsync(organizationId, cancellationToken).ConfigureAwait(false);
        var customers = new Dictionary<string, Customer?>(StringComparer.Ordinal);
        var result = new List<PossibleDuplicatePair>(pairs.Count);
        foreach (var p in pairs)
        {
            var customer = await CustomerAsync(p.CustomerId).ConfigureAwait(false);
            var existing = await CustomerAsync(p.ExistingCustomerId).ConfigureAwait(false);

            // Both exist unless one was erased between the two reads; its pair went with it.
            if (customer is not null && existing is not null)
            {
                result.Add(new PossibleDuplicatePair(customer, existing, p.Similarity, p.FlaggedAt));
            }
        }

        return result;

        async Task<Customer?> CustomerAsync(string id)
        {
            if (!customers.TryGetValue(id, out var c))
            {
                customers[id] = c = await _customers.GetAsync(organizationId, id, cancellationToken).ConfigureAwait(false);
            }

            return c;
        }
    }

    /// <summary>Merges one customer into another (see the remarks of <see cref="CustomerMergeService"/>).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="fromCustomerId">The customer merged away (erased afterwards).</param>
    /// <param name="intoCustomerId">The customer kept.</param>
    /// <param name="actor">Who merged (recorded in the audit trail).</param>
    /// <param name="cancellationToken">Cancellation (honoured until the store commits).</param>
    /// <returns>What was merged.</returns>
    /// <exception cref="RetailNotFoundException">Either customer is not in the organisation (nothing changes).</exception>
    /// <exception cref="ArgumentException">Both ids are the same.</exception>
    public async Task<CustomerMergeResult> MergeAsync(string organizationId, string fromCustomerId, string intoCustomerId, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        ArgumentException.ThrowIfNullOrWhiteSpace(fromCustomerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(intoCustomerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        if (string.Equals(fromCustomerId, intoCustomerId, StringComparison.Ordinal))
        {
            throw new ArgumentException("A customer cannot be merged into itself.", nameof(intoCustomerId));
        }

        var now = _time.GetUtcNow();
        var rules = _options.LoyaltyRules.ToArray();
        var cap = _gallery.MaxEmbeddingsPerIdentity;
        using var change = new GalleryChange();
        using var staged = new StagedEvents<CustomerMergeResult>(r => [Merged(r, actor, now, change.Version), PrivacyService.Erased(r.MergedCustomer, actor, now, change.Version)]); // written in MergeAsync's transaction
        var result = await _customers.MergeAsync(organizationId, fromCustomerId, intoCustomerId, input => Plan(input, rules, cap), actor, now, cancellationToken).ConfigureAwait(false);

        // Committed: the galleries must follow even if the caller has gone, so nothing below is cancelled.
        _stream.Publish(staged.WrittenOf<CustomersMergedEvent>() ?? Merged(result, actor, now, change.Version));
        var erased = staged.WrittenOf<CustomerErasedEvent>() ?? PrivacyService.Erased(result.MergedCustomer, actor, now, change.Version);
        await _privacy.CompleteErasureAsync(result.MergedCustomer, result.Erasure, erased, CancellationToken.None).ConfigureAwait(false);
        _logger.LogInformation(
            "Customer {From} merged into {Into} by {Actor}: {Purchases} purchases, {Visits} visits, {Detections} detections moved, {Embeddings} embeddings kept",
            fromCustomerId,
            intoCustomerId,
            actor,
            result.PurchasesMoved,
            result.VisitsMoved,
            result.DetectionsMoved,
            result.Embeddings.Count);
        return result;
    }

    private static CustomersMergedEvent Merged(CustomerMergeResult result, string actor, DateTimeOffset at, long galleryVersion) => new()
    {
        GalleryVersion = galleryVersion,
        OrganizationId = result.Customer.OrganizationId,
        Timestamp = at,
        CustomerId = result.Customer.Id,
        VectorId = result.Customer.VectorId,
        MergedCustomerId = result.MergedCustomer.Id,
        MergedVectorId = result.MergedCustomer.VectorId,
        Actor = actor,
        Embeddings = [.. result.Embeddings.Select(e => (ReadOnlyMemory<float>)e)],
    };

    /// <summary>The merge policy (the class remarks); pure, so the store can run it inside its transaction.</summary>
    private static CustomerMergePlan Plan(CustomerMergeInput input, IReadOnlyList<LoyaltyTierRule> rules, int maxEmbeddings)
    {
        var (from, into) = (input.From, input.Into);
        var consent = (into.Consent, from.Consent) switch
        {
            (null, var f) => f,
            (var i, null) => i,
            var (i, f) => f.GrantedAt > i.GrantedAt ? f : i,
        };
        var merged = into with
        {
            Name = string.IsNullOrWhiteSpace(into.Name) ? from.Name : into.Name,
            Email = into.Email ?? from.Email,
            LoyaltyStatus = (LoyaltyStatus)Math.Max((int)into.LoyaltyStatus, (int)from.LoyaltyStatus),
            IsAutoRegistered = into.IsAutoRegistered && from.IsAutoRegistered,
            Consent = consent,
            ExpiresAt = consent is not null ? null : Earlier(into.ExpiresAt, from.ExpiresAt),
            TotalSpend = into.TotalSpend + from.TotalSpend,
            VisitCount = into.VisitCount + from.VisitCount,
        };
        merged = merged with { LoyaltyStatus = LoyaltyPolicy.Evaluate(merged, rules) };
        return new CustomerMergePlan(merged, KeepEmbeddings(input.IntoEmbeddings, input.FromEmbeddings, maxEmbeddings));
    }

    private static DateTimeOffset? Earlier(DateTimeOffset? a, DateTimeOffset? b) =>
        a is { } x && b is { } y ? (x <= y ? x : y) : a ?? b;

    /// <summary>Both customers' embeddings up to the cap; above it the newest of each in turn, in stored order (kept customer's first).</summary>
    private static float[][] KeepEmbeddings(IReadOnlyList<float[]> into, IReadOnlyList<float[]> from, int cap)
    {
        if (into.Count + from.Count <= cap)
        {
            return [.. into, .. from];
        }

        // More than the cap between them, so one of the two always has an embedding left to take.
        var (takeInto, takeFrom) = (0, 0);
        while (takeInto + takeFrom < cap)
        {
            if (takeInto < into.Count && (takeInto <= takeFrom || takeFrom == from.Count))
            {
                takeInto++;
            }
            else
            {
                takeFrom++;
            }
        }

        return [.. into.Skip(into.Count - takeInto), .. from.Skip(from.Count - takeFrom)];
    }
}
