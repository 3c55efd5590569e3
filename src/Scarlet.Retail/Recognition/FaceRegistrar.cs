using Microsoft.Extensions.Logging;
using OpenCvSharp;
using Scarlet.Recognition;
using Scarlet.Retail.Events;

namespace Scarlet.Retail;

/// <summary>
/// Registration from face images with the duplicate check (the same face refused, lookalikes flagged for review), and
/// the second check of auto-registered (provisional) customers, off the publisher's thread.
/// </summary>
internal sealed class FaceRegistrar : IDisposable
{
    private readonly FaceRecognizer _recognizer;
    private readonly OrganizationGalleries _galleries;
    private readonly CustomerService _customers;
    private readonly CustomerMergeService _merges;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IDisposable _autoRegistrations;

    public FaceRegistrar(FaceRecognizer recognizer, OrganizationGalleries galleries, CustomerService customers, CustomerMergeService merges, ScarletEventStream stream, TimeProvider time, ILogger logger)
    {
        _recognizer = recognizer;
        _galleries = galleries;
        _customers = customers;
        _merges = merges;
        _time = time;
        _logger = logger;

        // Off the publisher's thread: a provisional customer is checked against the gallery after it joined it.
        _autoRegistrations = stream.Handle<CustomerRegisteredEvent>("face-lookalikes", FlagAutoRegisteredAsync);
    }

    public void Dispose() => _autoRegistrations.Dispose();

    /// <summary>See <see cref="FaceIdentityService.RegisterAsync(string, FaceRegistration, IReadOnlyList{Mat}, CancellationToken)"/>.</summary>
    public async Task<FaceRegistrationResult> RegisterAsync(string organizationId, FaceRegistration registration, IReadOnlyList<Mat> images, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            throw new ArgumentException("Registration needs at least one face image.", nameof(images));
        }

        ArgumentNullException.ThrowIfNull(registration.Consent, nameof(registration));
        var embeddings = new ReadOnlyMemory<float>[images.Count];
        for (var i = 0; i < images.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(images[i], nameof(images));
            embeddings[i] = _recognizer.LargestFace(images[i]).Embedding!;
        }

        var org = await _galleries.GetAsync(organizationId, cancellationToken).ConfigureAwait(false);
        var gallery = org.Gallery;

        // Several photos are templates of one person: a photo that does not verify against the first (1:1) is someone else.
        for (var i = 1; i < embeddings.Length; i++)
        {
            var similarity = EmbeddingMath.Cosine(embeddings[0].Span, embeddings[i].Span);
            if (similarity < gallery.Options.VerifyThreshold)
            {
                throw new ArgumentException(FormattableString.Invariant($"Photo {i + 1} does not show the same person as the first (similarity {similarity:F2}, needed {gallery.Options.VerifyThreshold:F2})."), nameof(images));
            }
        }

        // One registration at a time per organisation: two concurrent enrolments of one face cannot both pass the check.
        await org.RegisterLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var lookalikes = new Dictionary<string, float>(StringComparer.Ordinal);
            for (var i = 0; i < embeddings.Length; i++)
            {
                var found = gallery.Identify(embeddings[i].Span);
                if (found.Best is { } best && best.Similarity >= gallery.Options.DuplicateThreshold)
                {
                    var existing = await GalleryIdentity.CustomerOfAsync(_customers, organizationId, best.IdentityId, cancellationToken).ConfigureAwait(false);
                    throw new DuplicateFaceException(existing?.Id ?? "vector:" + best.IdentityId, best.Similarity, i);
                }

                AddLookalikes(lookalikes, found, gallery.Options.MatchThreshold, self: null);
            }

            // Publishes CustomerRegisteredEvent; the replica enrols the embeddings under the new VectorId before this returns.
            var customer = await _customers.RegisterAsync(
                organizationId,
                new CustomerRegistration { Name = registration.Name, Email = registration.Email, Consent = registration.Consent, Embeddings = embeddings, IsAutoRegistered = registration.IsAutoRegistered },
                cancellationToken).ConfigureAwait(false);

            // The customer is stored: its flags are written even if the caller has gone, or the review would miss the pair.
            var flagged = await FlagAsync(customer, lookalikes, CancellationToken.None).ConfigureAwait(false);
            return new FaceRegistrationResult(customer, flagged);
        }
        finally
        {
            org.RegisterLock.Release();
        }
    }

    /// <summary>
    /// Keeps the best similarity per identity at or above the match threshold, except <paramref name="self"/>: the best
    /// and the runner-up, and the candidates (which an ambiguous result narrows to those within the margin).
    /// </summary>
    private static void AddLookalikes(Dictionary<string, float> lookalikes, IdentifyResult found, float matchThreshold, string? self)
    {
        IEnumerable<IdentityScore> scores = found.Candidates;
        foreach (var top in (IdentityScore?[])[found.Best, found.RunnerUp])
        {
            if (top is { } t)
            {
                scores = scores.Append(t);
            }
        }

        foreach (var c in scores)
        {
            if (c.IdentityId == self || c.Similarity < matchThreshold)
            {
                continue;
            }

            if (!lookalikes.TryGetValue(c.IdentityId, out var s) || c.Similarity > s)
            {
                lookalikes[c.IdentityId] = c.Similarity;
            }
        }
    }

    /// <summary>Flags a new customer against each lookalike identity still a customer; returns the pairs, most similar first.</summary>
    private async Task<IReadOnlyList<PossibleDuplicate>> FlagAsync(Customer customer, Dictionary<string, float> lookalikes, CancellationToken cancellationToken)
    {
        if (lookalikes.Count == 0)
        {
            return [];
        }

        var org = customer.OrganizationId;
        var now = _time.GetUtcNow();
        var flagged = new List<PossibleDuplicate>(lookalikes.Count);
        foreach (var (identity, similarity) in lookalikes.OrderByDescending(l => l.Value))
        {
            if (await GalleryIdentity.CustomerOfAsync(_customers, org, identity, cancellationToken).ConfigureAwait(false) is not { } existing || existing.Id == customer.Id)
            {
                continue;
            }

            var pair = new PossibleDuplicate(org, customer.Id, existing.Id, similarity, now);
            try
            {
                await _merges.FlagAsync(pair, cancellationToken).ConfigureAwait(false);
                flagged.Add(pair);
            }
            catch (RetailNotFoundException ex)
            {
                // The existing customer was erased or merged away since the check: nothing left to review.
                _logger.LogInformation(ex, "Possible duplicate of customer {Customer} not flagged: {Existing} is gone", customer.Id, existing.Id);
            }
        }

        return flagged;
    }

    /// <summary>
    /// An auto-registered (provisional) customer whose face resembles another customer's is flagged like a lookalike
    /// registration, at any similarity from the match threshold up: there is no caller to refuse, and its visitor cluster
    /// held faces the gallery did not match when they were seen, so the pair is for an admin to merge or keep.
    /// </summary>
    private async Task FlagAutoRegisteredAsync(CustomerRegisteredEvent registered, CancellationToken cancellationToken)
    {
        if (!registered.IsAutoRegistered || registered.Embeddings.Count == 0)
        {
            return;
        }

        var org = registered.OrganizationId;
        var gallery = (await _galleries.GetAsync(org, cancellationToken).ConfigureAwait(false)).Gallery;
        var self = GalleryIdentity.Of(registered.VectorId);
        var lookalikes = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var e in registered.Embeddings)
        {
            AddLookalikes(lookalikes, gallery.Identify(e.Span), gallery.Options.MatchThreshold, self);
        }

        if (await _customers.GetAsync(org, registered.CustomerId, cancellationToken).ConfigureAwait(false) is { } customer)
        {
            var flagged = await FlagAsync(customer, lookalikes, cancellationToken).ConfigureAwait(false);
            foreach (var f in flagged.Where(f => f.Similarity >= gallery.Options.DuplicateThreshold))
            {
                _logger.LogWarning("Auto-registered customer {Customer} looks like customer {Existing} (similarity {Similarity:F3}); flagged for review", f.CustomerId, f.ExistingCustomerId, f.Similarity);
            }
        }
    }
}
