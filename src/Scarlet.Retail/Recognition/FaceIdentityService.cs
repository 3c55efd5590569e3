using System.Collections.Concurrent;
using System.Globalization;
using System.Reactive.Linq;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using Scarlet.Recognition;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;

namespace Scarlet.Retail;

/// <summary>
/// Connects the face recognition layer to the retail layer: enrols customers from face images (with a duplicate check
/// that refuses the same face and flags lookalikes),
/// identifies faces in frames and publishes one <see cref="RecognitionEvent"/> per face (which the
/// <see cref="RetailPipeline"/> records, clusters and turns into identifications and recommendations), and keeps one
/// <see cref="FaceGallery"/> per organisation in step with the customer store.
/// </summary>
/// <remarks>
/// <para>Gallery identities are customers' <see cref="Customer.VectorId"/>s (invariant decimal strings). A gallery is
/// built from <see cref="CustomerService.ListEmbeddingsAsync"/> on first use of its organisation (or at start by the
/// hosted service); afterwards <see cref="CustomerRegisteredEvent"/>, <see cref="VisitorAssignedEvent"/>,
/// <see cref="CustomersMergedEvent"/> and erasure (<see cref="PrivacyService.CustomerErased"/>, raised before
/// <see cref="PrivacyService.EraseAsync"/> returns) keep it in step. Organisations never share a gallery, so a face of
/// one organisation never matches in another.</para>
/// <para>Thread-safe. Detection and embedding run on the caller's thread.</para>
/// </remarks>
public sealed class FaceIdentityService : IDisposable
{
    private readonly FaceRecognizer _recognizer;
    private readonly CustomerService _customers;
    private readonly PrivacyService _privacy;
    private readonly CustomerMergeService _merges;
    private readonly IOrganizationStore _organizations;
    private readonly ScarletEventStream _stream;
    private readonly ImageDecoder _decoder;
    private readonly FaceIdentityOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, OrgGallery> _galleries = new(StringComparer.Ordinal);
    private readonly IDisposable _subscription;
    private readonly IDisposable _autoRegistrations;
    private readonly IDisposable _replica;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="FaceIdentityService"/> class and starts following the event stream.</summary>
    /// <param name="recognizer">Detection, quality gate and embedding (its own gallery is not used: galleries are per organisation).</param>
    /// <param name="customers">Customer service.</param>
    /// <param name="privacy">Privacy service (erasure notifications).</param>
    /// <param name="merges">Possible duplicates and merges (lookalike registrations are flagged there).</param>
    /// <param name="organizations">Organisation store (to rebuild every gallery at start).</param>
    /// <param name="stream">Event stream.</param>
    /// <param name="options">Options.</param>
    /// <param name="time">Clock.</param>
    /// <param name="decoder">Image decoder for encoded images; a default one when <see langword="null"/>.</param>
    /// <param name="logger">Logger.</param>
    public FaceIdentityService(
        FaceRecognizer recognizer,
        CustomerService customers,
        PrivacyService privacy,
        CustomerMergeService merges,
        IOrganizationStore organizations,
        ScarletEventStream stream,
        IOptions<FaceIdentityOptions> options,
        TimeProvider time,
        ImageDecoder? decoder = null,
        ILogger<FaceIdentityService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _recognizer = recognizer ?? throw new ArgumentNullException(nameof(recognizer));
        _customers = customers ?? throw new ArgumentNullException(nameof(customers));
        _privacy = privacy ?? throw new ArgumentNullException(nameof(privacy));
        _merges = merges ?? throw new ArgumentNullException(nameof(merges));
        _organizations = organizations ?? throw new ArgumentNullException(nameof(organizations));
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _options = options.Value;
        _decoder = decoder ?? new ImageDecoder();
        _logger = (ILogger?)logger ?? NullLogger.Instance;

        // Inline subscriber: the gallery changes before Publish returns, so RegisterAsync's caller can identify at once.
        _subscription = _stream.Subscribe(OnEvent);

        // Off the publisher's thread: a provisional customer is checked against the gallery after it joined it.
        _autoRegistrations = _stream.Handle<CustomerRegisteredEvent>("face-lookalikes", FlagAutoRegisteredAsync);

        // Gallery replica (scale-out): another host's enrolments arrive without their embeddings, which stay off the bus;
        // they are read from the shared store, in order. Erasures need no read (OnEvent forgets the index id at once).
        _replica = _stream.Events
            .Where(e => e.IsRemote && e is CustomerRegisteredEvent or VisitorAssignedEvent or CustomersMergedEvent)
            .Select(e => Observable.FromAsync(ct => ReplicateAsync(e, ct)))
            .Concat()
            .Subscribe();
        _privacy.CustomerErased += OnErased;
    }

    /// <summary>Gets the match threshold (cosine similarity) of the galleries.</summary>
    public float MatchThreshold => _recognizer.Gallery.Options.MatchThreshold;

    /// <summary>Gets the duplicate threshold (cosine similarity) of the galleries: registration refuses a face at or above it.</summary>
    public float DuplicateThreshold => _recognizer.Gallery.Options.DuplicateThreshold;

    /// <summary>Builds the gallery of every organisation from the customer store (the hosted service calls this at start).</summary>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A task.</returns>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        foreach (var org in await _organizations.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            await GetGalleryAsync(org, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Gets an organisation's gallery, building it from the customer store on first use.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The gallery (read it; change it only through this service).</returns>
    public async Task<FaceGallery> GetGalleryAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var org = _galleries.GetOrAdd(organizationId, id => new OrgGallery(id, NewGallery()));
        await org.EnsureLoadedAsync(this, cancellationToken).ConfigureAwait(false);
        return org.Gallery;
    }

    /// <summary>
    /// Throws away an organisation's gallery and builds it again from the customer store (for example after a restore of
    /// the database); the snapshot is rewritten.
    /// </summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The number of identities loaded.</returns>
    public async Task<int> RebuildAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        var fresh = new OrgGallery(organizationId, NewGallery());
        await fresh.EnsureLoadedAsync(this, cancellationToken).ConfigureAwait(false);
        if (_galleries.TryGetValue(organizationId, out var old))
        {
            // Erasures seen by the old gallery stay erased; the old one is not disposed (identifications may still use it).
            foreach (var id in old.Erased.Keys)
            {
                fresh.Erased.TryAdd(id, 0);
                fresh.Gallery.Forget(IdentityOf(id));
            }
        }

        _galleries[organizationId] = fresh;
        SaveSnapshot(fresh);
        return fresh.Gallery.IdentityCount;
    }

    /// <summary>
    /// Registers a customer from face images: the largest face of each image is detected, quality-gated and embedded;
    /// a face that resembles another customer of the organisation at or above the gallery's
    /// <see cref="FaceGalleryOptions.DuplicateThreshold"/> is taken for that customer and refused; then the customer is
    /// stored with the embeddings and consent (<see cref="CustomerService.RegisterAsync"/>) and enrolled in the gallery
    /// under its <see cref="Customer.VectorId"/>. A face between <see cref="FaceGalleryOptions.MatchThreshold"/> and the
    /// duplicate threshold is a lookalike: the customer is registered and each such pair is flagged for review
    /// (<see cref="CustomerMergeService.FlagAsync"/>).
    /// </summary>
    /// <param name="organizationId">Organisation (must exist).</param>
    /// <param name="registration">Name, e-mail and consent.</param>
    /// <param name="images">One or more 8-bit BGR images of the person; not disposed.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The new customer and the existing customers it resembles (empty for a clear registration).</returns>
    /// <exception cref="NoUsableFaceException">An image has no face or its face fails the quality gate (nothing is stored).</exception>
    /// <exception cref="DuplicateFaceException">A face is taken for another customer's (nothing is stored).</exception>
    /// <exception cref="ArgumentException">No images, a bad name or e-mail, or missing consent.</exception>
    /// <exception cref="DuplicateEntityException">The e-mail is already registered.</exception>
    public async Task<FaceRegistrationResult> RegisterAsync(string organizationId, FaceRegistration registration, IReadOnlyList<Mat> images, CancellationToken cancellationToken = default)
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

        var gallery = await GetGalleryAsync(organizationId, cancellationToken).ConfigureAwait(false);

        // Several photos are templates of one person: a photo that does not verify against the first (1:1) is someone else.
        for (var i = 1; i < embeddings.Length; i++)
        {
            var similarity = EmbeddingMath.Cosine(embeddings[0].Span, embeddings[i].Span);
            if (similarity < gallery.Options.VerifyThreshold)
            {
                throw new ArgumentException(FormattableString.Invariant($"Photo {i + 1} does not show the same person as the first (similarity {similarity:F2}, needed {gallery.Options.VerifyThreshold:F2})."), nameof(images));
            }
        }

        var org = _galleries[organizationId];

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
                    var existing = await CustomerOfAsync(organizationId, best.IdentityId, cancellationToken).ConfigureAwait(false);
                    throw new DuplicateFaceException(existing?.Id ?? "vector:" + best.IdentityId, best.Similarity, i);
                }

                AddLookalikes(lookalikes, found, gallery.Options.MatchThreshold, self: null);
            }

            // Publishes CustomerRegisteredEvent; OnEvent enrols the embeddings under the new VectorId before this returns.
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

    /// <summary>Registers a customer from encoded images (JPEG, PNG, ...); see <see cref="RegisterAsync(string, FaceRegistration, IReadOnlyList{Mat}, CancellationToken)"/>.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="registration">Name, e-mail and consent.</param>
    /// <param name="encodedImages">One or more encoded images.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The new customer and the existing customers it resembles.</returns>
    /// <exception cref="InvalidImageException">An image cannot be decoded.</exception>
    public async Task<FaceRegistrationResult> RegisterAsync(string organizationId, FaceRegistration registration, IReadOnlyList<ReadOnlyMemory<byte>> encodedImages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encodedImages);
        var mats = new List<Mat>(encodedImages.Count);
        try
        {
            foreach (var bytes in encodedImages)
            {
                mats.Add(_decoder.DecodeMat(bytes.Span));
            }

            return await RegisterAsync(organizationId, registration, mats, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var m in mats)
            {
                m.Dispose();
            }
        }
    }

    /// <summary>
    /// Detects and identifies every face of an image against the organisation's gallery and publishes one
    /// <see cref="RecognitionEvent"/> per face (MATCHED with the customer; NEW_FACE with the embedding, for visitor
    /// clustering; MULTIPLE_MATCHES; UNKNOWN for faces too poor to decide). The pipeline then records the detections and,
    /// for a matched customer, emits <c>customer-identified-events</c> and <c>action-events</c>.
    /// </summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="image">An 8-bit BGR image; not disposed.</param>
    /// <param name="cameraId">Camera, or <see langword="null"/> for <see cref="FaceIdentityOptions.DefaultCameraId"/>.</param>
    /// <param name="storeZone">The store zone the camera watches, if known (used for recommendations).</param>
    /// <param name="timestamp">When the image was taken; now when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>One sighting per face, best detector score first.</returns>
    public Task<IReadOnlyList<FaceSighting>> IdentifyAsync(string organizationId, Mat image, string? cameraId = null, string? storeZone = null, DateTimeOffset? timestamp = null, CancellationToken cancellationToken = default) =>
        IdentifyCoreAsync(organizationId, image, cameraId, storeZone, timestamp, publish: true, cancellationToken);

    /// <summary>
    /// Detects and identifies every face of an image against the organisation's gallery without publishing anything: a
    /// look-up (for example an API's "who is this?"), not a sighting. Use
    /// <see cref="IdentifyAsync(string, Mat, string?, string?, DateTimeOffset?, CancellationToken)"/> for camera frames.
    /// </summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="image">An 8-bit BGR image; not disposed.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>One sighting per face (with a <see langword="null"/> <see cref="FaceSighting.EventId"/>), best detector score first.</returns>
    public Task<IReadOnlyList<FaceSighting>> RecognizeAsync(string organizationId, Mat image, CancellationToken cancellationToken = default) =>
        IdentifyCoreAsync(organizationId, image, null, null, null, publish: false, cancellationToken);

    /// <summary>
    /// Gets the face models a camera pipeline of the organisation identifies its tracks with: the shared detector and
    /// recognizer over the organisation's gallery (the current one, also after <see cref="RebuildAsync"/>). The track's
    /// gallery identities are customers' <see cref="Customer.VectorId"/>s: <see cref="CustomerOfIdentityAsync"/> names them.
    /// </summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="headRegions">The head-region search's options, or null for the defaults.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The face models.</returns>
    public async Task<FaceModels> FaceModelsForAsync(string organizationId, HeadRegionFaceSearchOptions? headRegions = null, CancellationToken cancellationToken = default)
    {
        var loaded = await GetGalleryAsync(organizationId, cancellationToken).ConfigureAwait(false);
        return new FaceModels(_recognizer.Detector, _recognizer, () => _galleries.TryGetValue(organizationId, out var org) ? org.Gallery : loaded, headRegions);
    }

    /// <summary>Gets the customer a gallery identity of the organisation stands for.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="identityId">The gallery identity (a customer's <see cref="Customer.VectorId"/> as an invariant decimal string).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The customer, or <see langword="null"/> when none (erased, or not a customer's identity).</returns>
    public Task<Customer?> CustomerOfIdentityAsync(string organizationId, string identityId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        ArgumentNullException.ThrowIfNull(identityId);
        return CustomerOfAsync(organizationId, identityId, cancellationToken);
    }

    /// <summary>Gets how many embeddings of a customer the organisation's gallery holds (0 when the customer is not enrolled).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customer">The customer.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The number of embeddings.</returns>
    public async Task<int> EnrolledEmbeddingCountAsync(string organizationId, Customer customer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var gallery = await GetGalleryAsync(organizationId, cancellationToken).ConfigureAwait(false);
        var identity = IdentityOf(customer.VectorId);
        return gallery.Contains(identity) ? gallery.EmbeddingCountOf(identity) : 0;
    }

    private async Task<IReadOnlyList<FaceSighting>> IdentifyCoreAsync(string organizationId, Mat image, string? cameraId, string? storeZone, DateTimeOffset? timestamp, bool publish, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        var gallery = await GetGalleryAsync(organizationId, cancellationToken).ConfigureAwait(false);
        var at = timestamp ?? _time.GetUtcNow();
        var camera = string.IsNullOrWhiteSpace(cameraId) ? _options.DefaultCameraId : cameraId;
        // Identified inside the recognizer: it refines the landmarks only of faces near a decision boundary.
        var faces = _recognizer.Recognize(image, gallery);
        var result = new FaceSighting[faces.Count];
        for (var i = 0; i < faces.Count; i++)
        {
            var face = faces[i];
            var status = RecognitionStatus.Unknown;
            Customer? customer = null;
            float? similarity = null;
            IReadOnlyList<CandidateCustomer> candidates = [];
            if (face.Embedding is not null)
            {
                var found = face.Identity!;
                similarity = found.Best?.Similarity;
                status = found.Status switch
                {
                    MatchStatus.Matched => RecognitionStatus.Matched,
                    MatchStatus.MultipleMatches => RecognitionStatus.MultipleMatches,
                    MatchStatus.NewFace => RecognitionStatus.NewFace,
                    _ => RecognitionStatus.Unknown,
                };
                if (status == RecognitionStatus.MultipleMatches)
                {
                    candidates = await CandidatesOfAsync(organizationId, found.Candidates, cancellationToken).ConfigureAwait(false);
                }

                if (status == RecognitionStatus.Matched)
                {
                    customer = await CustomerOfAsync(organizationId, found.Best!.Value.IdentityId, cancellationToken).ConfigureAwait(false);
                    if (customer is null)
                    {
                        // The store no longer has it (erased by another process): treat the face as not enrolled.
                        _logger.LogWarning("Gallery identity {VectorId} of organisation {Org} has no customer", found.Best!.Value.IdentityId, organizationId);
                        status = RecognitionStatus.NewFace;
                    }
                }
            }

            var confidence = similarity is { } s ? Math.Clamp(s, 0f, 1f) : Math.Clamp(face.Score, 0f, 1f);
            float? distance = similarity is { } d ? 1f - d : null;
            if (!publish)
            {
                result[i] = Sighting(face, status, customer, confidence, distance, similarity, eventId: null) with { Candidates = candidates };
                continue;
            }

            var evt = new RecognitionEvent
            {
                OrganizationId = organizationId,
                Timestamp = at,
                CameraId = camera,
                Status = status,
                CustomerId = customer?.Id,
                Box = face.Box,
                Confidence = confidence,
                Distance = distance,
                Embedding = face.Embedding,
                StoreZone = storeZone,
            };
            result[i] = Sighting(face, status, customer, confidence, distance, similarity, evt.EventId) with { Candidates = candidates };
            _stream.Publish(evt);
        }

        return result;
    }

    private static FaceSighting Sighting(RecognizedFace face, RecognitionStatus status, Customer? customer, float confidence, float? distance, float? similarity, string? eventId) => new()
    {
        Status = status,
        Customer = customer,
        Box = face.Box,
        Landmarks = face.Landmarks,
        Confidence = confidence,
        Distance = distance,
        Similarity = similarity,
        DetectorScore = face.Score,
        Embedding = face.Embedding,
        QualityReason = face.Embedding is null ? face.Quality.Reason : null,
        EventId = eventId,
    };

    /// <summary>Identifies the faces of a frame (its camera and timestamp are used); see <see cref="IdentifyAsync(string, Mat, string?, string?, DateTimeOffset?, CancellationToken)"/>.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="frame">The frame; not disposed.</param>
    /// <param name="storeZone">The store zone, if known.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>One sighting per face.</returns>
    public Task<IReadOnlyList<FaceSighting>> IdentifyAsync(string organizationId, Frame frame, string? storeZone = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return IdentifyAsync(organizationId, frame.Image, frame.CameraId, storeZone, frame.Timestamp, cancellationToken);
    }

    /// <summary>Identifies the faces of an encoded image (JPEG, PNG, ...); see <see cref="IdentifyAsync(string, Mat, string?, string?, DateTimeOffset?, CancellationToken)"/>.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="encodedImage">The encoded image.</param>
    /// <param name="cameraId">Camera.</param>
    /// <param name="storeZone">The store zone, if known.</param>
    /// <param name="timestamp">When it was taken; now when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>One sighting per face.</returns>
    /// <exception cref="InvalidImageException">The bytes are not a decodable image.</exception>
    public async Task<IReadOnlyList<FaceSighting>> IdentifyAsync(string organizationId, ReadOnlyMemory<byte> encodedImage, string? cameraId = null, string? storeZone = null, DateTimeOffset? timestamp = null, CancellationToken cancellationToken = default)
    {
        using var mat = _decoder.DecodeMat(encodedImage.Span);
        return await IdentifyAsync(organizationId, mat, cameraId, storeZone, timestamp, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The snapshot file of an organisation, or <see langword="null"/> without <see cref="FaceIdentityOptions.SnapshotDirectory"/>.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <returns>The path.</returns>
    public string? SnapshotPath(string organizationId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        if (string.IsNullOrWhiteSpace(_options.SnapshotDirectory))
        {
            return null;
        }

        var safe = true;
        foreach (var c in organizationId)
        {
            safe &= char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
        }

        var name = safe ? organizationId : "x" + Convert.ToHexString(Encoding.UTF8.GetBytes(organizationId));
        return Path.Combine(_options.SnapshotDirectory, name + ".gallery");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _privacy.CustomerErased -= OnErased;
        _subscription.Dispose();
        _autoRegistrations.Dispose();
        _replica.Dispose();
        foreach (var g in _galleries.Values)
        {
            g.Gallery.Dispose();
            g.RegisterLock.Dispose();
        }
    }

    private static string IdentityOf(long vectorId) => vectorId.ToString(CultureInfo.InvariantCulture);

    private FaceGallery NewGallery()
    {
        var template = _recognizer.Gallery;
        return new FaceGallery(template.Dimension, template.ModelId, template.Options);
    }

    private async Task<IReadOnlyList<CandidateCustomer>> CandidatesOfAsync(string organizationId, IReadOnlyList<IdentityScore> scores, CancellationToken cancellationToken)
    {
        var list = new List<CandidateCustomer>(scores.Count);
        foreach (var c in scores)
        {
            if (await CustomerOfAsync(organizationId, c.IdentityId, cancellationToken).ConfigureAwait(false) is { } customer)
            {
                list.Add(new CandidateCustomer(customer.Id, c.Similarity));
            }
        }

        return list;
    }

    private async Task<Customer?> CustomerOfAsync(string organizationId, string identityId, CancellationToken cancellationToken) =>
        long.TryParse(identityId, NumberStyles.Integer, CultureInfo.InvariantCulture, out var vectorId)
            ? await _customers.GetByVectorIdAsync(organizationId, vectorId, cancellationToken).ConfigureAwait(false)
            : null;

    private void OnEvent(ScarletEvent e)
    {
        switch (e)
        {
            case CustomerRegisteredEvent registered when registered.Embeddings.Count > 0:
                Apply(registered.OrganizationId, g => ImportNew(g, IdentityOf(registered.VectorId), registered.Embeddings));
                break;
            case VisitorAssignedEvent assigned when !assigned.Centroid.IsEmpty:
                Apply(assigned.OrganizationId, g => g.Import(IdentityOf(assigned.VectorId), [assigned.Centroid.ToArray()]));
                break;
            case CustomersMergedEvent merged:
                Apply(merged.OrganizationId, g => Merge(g, merged));
                break;
            case CustomerErasedEvent erased:
                Forget(erased);
                break;
        }
    }

    /// <summary>
    /// The kept customer's identity gets exactly the stored embeddings of the merge (both faces, within the cap), and the
    /// merged-away identity leaves; its erasure event follows and only finds the tombstone to set.
    /// </summary>
    private static void Merge(FaceGallery gallery, CustomersMergedEvent merged)
    {
        var into = IdentityOf(merged.VectorId);
        gallery.Forget(into);
        if (merged.Embeddings.Count > 0)
        {
            gallery.Import(into, [.. merged.Embeddings.Select(e => e.ToArray())]);
        }

        gallery.Forget(IdentityOf(merged.MergedVectorId));
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
            if (await CustomerOfAsync(org, identity, cancellationToken).ConfigureAwait(false) is not { } existing || existing.Id == customer.Id)
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
        var gallery = await GetGalleryAsync(org, cancellationToken).ConfigureAwait(false);
        var self = IdentityOf(registered.VectorId);
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

    private async Task ReplicateAsync(ScarletEvent e, CancellationToken cancellationToken)
    {
        // The shared database away: wait for it (later events queue behind this one, in order) rather than lose the change.
        for (var delay = TimeSpan.FromMilliseconds(250); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks)))
        {
            try
            {
                await ApplyRemoteAsync(e, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (StoreUnavailableException ex)
            {
                _logger.LogWarning("Gallery replica waits for the store to apply {Topic} event {EventId}: {Reason}", e.Topic, e.EventId, ex.Message);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _logger.LogError(ex, "Gallery replica could not apply {Topic} event {EventId} of another host", e.Topic, e.EventId);
                return;
            }
        }
    }

    private async Task ApplyRemoteAsync(ScarletEvent e, CancellationToken cancellationToken)
    {
        switch (e)
        {
            case CustomerRegisteredEvent registered:
                await ReloadIdentityAsync(registered.OrganizationId, registered.CustomerId, registered.VectorId, cancellationToken).ConfigureAwait(false);
                break;
            case VisitorAssignedEvent assigned:
                await ReloadIdentityAsync(assigned.OrganizationId, assigned.CustomerId, assigned.VectorId, cancellationToken).ConfigureAwait(false);
                break;
            case CustomersMergedEvent merged:
                await ReloadIdentityAsync(merged.OrganizationId, merged.CustomerId, merged.VectorId, cancellationToken).ConfigureAwait(false);
                Apply(merged.OrganizationId, g => g.Forget(IdentityOf(merged.MergedVectorId)));
                break;
        }
    }

    /// <summary>Gives an identity exactly the customer's stored embeddings (none: it leaves), unless it was erased.</summary>
    private async Task ReloadIdentityAsync(string organizationId, string customerId, long vectorId, CancellationToken cancellationToken)
    {
        if (!_galleries.TryGetValue(organizationId, out var org))
        {
            return; // not loaded yet: its first use builds it from the store, which has the change
        }

        var stored = await _customers.GetEmbeddingsAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false);
        var vectors = stored.Where(v => v.VectorId == vectorId).Select(v => v.Vector).ToArray();
        var identity = IdentityOf(vectorId);
        Apply(organizationId, g =>
        {
            if (org.Erased.ContainsKey(vectorId))
            {
                return;
            }

            g.Forget(identity);
            if (vectors.Length > 0)
            {
                g.Import(identity, vectors);
            }

            // An erasure that slipped in between wins.
            if (org.Erased.ContainsKey(vectorId))
            {
                g.Forget(identity);
            }
        });
    }

    private void OnErased(object? sender, CustomerErasedEvent erased) => Forget(erased);

    private void Forget(CustomerErasedEvent erased)
    {
        var org = _galleries.GetOrAdd(erased.OrganizationId, id => new OrgGallery(id, NewGallery()));
        if (!org.Erased.TryAdd(erased.VectorId, 0))
        {
            return; // already handled (the C# event and the stream event both report an erasure)
        }

        // Erasure applies at once, even while the gallery is still loading (the tombstone keeps the rebuild from re-adding it).
        org.Gallery.Forget(IdentityOf(erased.VectorId));
        if (org.IsLoaded)
        {
            SaveSnapshot(org);
        }
        else if (SnapshotPath(org.OrganizationId) is { } path && File.Exists(path))
        {
            // A snapshot from an earlier run may still hold the face: build the gallery now, which rewrites it.
            _ = Task.Run(async () =>
            {
                try
                {
                    await org.EnsureLoadedAsync(this, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    _logger.LogError(ex, "Gallery of organisation {Org} could not be rebuilt after an erasure", org.OrganizationId);
                }
            });
        }
    }

    private void Apply(string organizationId, Action<FaceGallery> change)
    {
        if (!_galleries.TryGetValue(organizationId, out var org))
        {
            return; // not loaded yet: the store already has the change and the first use builds from it
        }

        lock (org.Sync)
        {
            if (!org.IsLoaded)
            {
                org.Pending.Add(change);
                return;
            }

            Run(org, change);
        }

        SaveSnapshot(org);
    }

    private void Run(OrgGallery org, Action<FaceGallery> change)
    {
        try
        {
            change(org.Gallery);
        }
        catch (ArgumentException ex)
        {
            // Embeddings of another model or dimension (e.g. written by another tool) cannot join this gallery.
            _logger.LogWarning(ex, "Embeddings not added to the gallery of organisation {Org}", org.OrganizationId);
        }
    }

    private static void ImportNew(FaceGallery gallery, string identity, IReadOnlyList<ReadOnlyMemory<float>> embeddings)
    {
        if (gallery.Contains(identity))
        {
            return; // already loaded from the store
        }

        var vectors = new float[embeddings.Count][];
        for (var i = 0; i < vectors.Length; i++)
        {
            vectors[i] = embeddings[i].ToArray();
        }

        gallery.Import(identity, vectors);
    }

    private async Task LoadAsync(OrgGallery org, CancellationToken cancellationToken)
    {
        var stored = await _customers.ListEmbeddingsAsync(org.OrganizationId, cancellationToken).ConfigureAwait(false);
        var byVector = new Dictionary<long, List<float[]>>();
        foreach (var s in stored)
        {
            if (!byVector.TryGetValue(s.VectorId, out var list))
            {
                byVector[s.VectorId] = list = [];
            }

            list.Add(s.Vector);
        }

        lock (org.Sync)
        {
            foreach (var (vectorId, vectors) in byVector)
            {
                if (!org.Erased.ContainsKey(vectorId))
                {
                    Run(org, g => g.Import(IdentityOf(vectorId), vectors));
                }
            }

            foreach (var change in org.Pending)
            {
                Run(org, change);
            }

            org.Pending.Clear();
            org.IsLoaded = true;
        }

        SaveSnapshot(org);
        _logger.LogInformation("Face gallery of organisation {Org} built from the store: {Identities} customers, {Embeddings} embeddings", org.OrganizationId, org.Gallery.IdentityCount, org.Gallery.EmbeddingCount);
    }

    private void SaveSnapshot(OrgGallery org)
    {
        var path = SnapshotPath(org.OrganizationId);
        if (path is null)
        {
            return;
        }

        lock (org.SnapshotSync)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                var temp = path + ".tmp";
                using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    org.Gallery.Save(file);
                    file.Flush(flushToDisk: true);
                }

                // Atomic replace: a crash leaves the old snapshot or the new one, never half of one.
                File.Move(temp, path, overwrite: true);
            }
            catch (IOException ex)
            {
                _logger.LogError(ex, "Gallery snapshot {Path} could not be written", path);
            }
            catch (UnauthorizedAccessException ex)
            {
                _logger.LogError(ex, "Gallery snapshot {Path} could not be written", path);
            }
        }
    }

    /// <summary>One organisation's gallery and its loading state.</summary>
    private sealed class OrgGallery(string organizationId, FaceGallery gallery)
    {
        private readonly SemaphoreSlim _loadLock = new(1, 1);

        public string OrganizationId { get; } = organizationId;

        public FaceGallery Gallery { get; } = gallery;

        public Lock Sync { get; } = new();

        public Lock SnapshotSync { get; } = new();

        public SemaphoreSlim RegisterLock { get; } = new(1, 1);

        public List<Action<FaceGallery>> Pending { get; } = [];

        public ConcurrentDictionary<long, byte> Erased { get; } = new();

        private volatile bool _isLoaded;

        public bool IsLoaded
        {
            get => _isLoaded;
            set => _isLoaded = value;
        }

        public async Task EnsureLoadedAsync(FaceIdentityService owner, CancellationToken cancellationToken)
        {
            if (IsLoaded)
            {
                return;
            }

            await _loadLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!IsLoaded)
                {
                    await owner.LoadAsync(this, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                _loadLock.Release();
            }
        }
    }
}
