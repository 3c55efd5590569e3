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
/// <para>A facade over types with one job each: the per-organisation gallery cache, registration, identification, the
/// replica that follows the event stream, and the snapshot files.</para>
/// <para>Thread-safe. Detection and embedding run on the caller's thread.</para>
/// </remarks>
public sealed class FaceIdentityService : IDisposable
{
    private readonly FaceRecognizer _recognizer;
    private readonly CustomerService _customers;
    private readonly IOrganizationStore _organizations;
    private readonly ImageDecoder _decoder;
    private readonly OrganizationGalleries _galleries;
    private readonly GalleryReplica _replica;
    private readonly FaceRegistrar _registrar;
    private readonly FaceIdentifier _identifier;
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
        ArgumentNullException.ThrowIfNull(privacy);
        ArgumentNullException.ThrowIfNull(merges);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(time);
        _recognizer = recognizer ?? throw new ArgumentNullException(nameof(recognizer));
        _customers = customers ?? throw new ArgumentNullException(nameof(customers));
        _organizations = organizations ?? throw new ArgumentNullException(nameof(organizations));
        _decoder = decoder ?? new ImageDecoder();
        var log = (ILogger?)logger ?? NullLogger.Instance;
        var o = options.Value;
        _galleries = new OrganizationGalleries(recognizer.Gallery, customers, new GallerySnapshots(o.SnapshotDirectory, log), o.SnapshotDelay, time, log);
        _replica = new GalleryReplica(_galleries, customers, privacy, stream, log);
        _registrar = new FaceRegistrar(recognizer, _galleries, customers, merges, stream, time, log);
        _identifier = new FaceIdentifier(recognizer, _galleries, customers, stream, o.DefaultCameraId, time, log);
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
        ObjectDisposedException.ThrowIf(_disposed, this);
        return (await _galleries.GetAsync(organizationId, cancellationToken).ConfigureAwait(false)).Gallery;
    }

    /// <summary>Whether an organisation's gallery was loaded from its snapshot (tests and diagnostics).</summary>
    internal bool LoadedFromSnapshot(string organizationId) => _galleries.Find(organizationId)?.FromSnapshot == true;

    /// <summary>Writes the snapshot of every gallery changed since its last one (the hosted service calls this at shutdown; <see cref="Dispose"/> does too).</summary>
    public void SaveSnapshots()
    {
        // A host may stop its hosted services after disposing this singleton: Dispose has written them then.
        if (!_disposed)
        {
            _galleries.SaveChanged();
        }
    }

    /// <summary>
    /// Throws away an organisation's gallery and builds it again from the customer store (for example after a restore of
    /// the database); the snapshot is rewritten.
    /// </summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The number of identities loaded.</returns>
    public Task<int> RebuildAsync(string organizationId, CancellationToken cancellationToken = default) =>
        _galleries.RebuildAsync(organizationId, cancellationToken);

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
    public Task<FaceRegistrationResult> RegisterAsync(string organizationId, FaceRegistration registration, IReadOnlyList<Mat> images, CancellationToken cancellationToken = default) =>
        _registrar.RegisterAsync(organizationId, registration, images, cancellationToken);

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
        _identifier.IdentifyAsync(organizationId, image, cameraId, storeZone, timestamp, publish: true, cancellationToken);

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
        _identifier.IdentifyAsync(organizationId, image, null, null, null, publish: false, cancellationToken);

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
        return new FaceModels(_recognizer.Detector, _recognizer, () => _galleries.Find(organizationId)?.Gallery ?? loaded, headRegions);
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
        return GalleryIdentity.CustomerOfAsync(_customers, organizationId, identityId, cancellationToken);
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
        var identity = GalleryIdentity.Of(customer.VectorId);
        return gallery.Contains(identity) ? gallery.EmbeddingCountOf(identity) : 0;
    }

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
    public string? SnapshotPath(string organizationId) => _galleries.Snapshots.PathOf(organizationId);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _replica.Dispose();
        _registrar.Dispose();
        _galleries.Dispose();
    }}
