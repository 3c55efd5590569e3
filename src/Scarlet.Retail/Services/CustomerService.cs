using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Storage.Sql;
using Scarlet.Vision;

namespace Scarlet.Retail;

/// <summary>What <see cref="CustomerService.RegisterAsync"/> needs (the seed's POST /register, with embeddings instead of an image).</summary>
public sealed record CustomerRegistration
{
    /// <summary>Gets the name (required).</summary>
    public required string Name { get; init; }

    /// <summary>Gets the e-mail address (optional, unique per organisation).</summary>
    public string? Email { get; init; }

    /// <summary>Gets the face embeddings (from the recognition layer); consent is required when any are given.</summary>
    public IReadOnlyList<ReadOnlyMemory<float>> Embeddings { get; init; } = [];

    /// <summary>Gets the consent to process the face data.</summary>
    public ConsentRecord? Consent { get; init; }

    /// <summary>Gets a value indicating whether a device registered an unrecognised face on its own (a provisional customer), not the person.</summary>
    public bool IsAutoRegistered { get; init; }
}

/// <summary>An edit of a customer's profile; a <see langword="null"/> field stays as it is.</summary>
public sealed record CustomerChanges
{
    /// <summary>Gets the new name.</summary>
    public string? Name { get; init; }

    /// <summary>Gets the new e-mail address; an empty string removes it.</summary>
    public string? Email { get; init; }

    /// <summary>Gets the new loyalty tier (set by an operator; later purchases and visits may raise it further).</summary>
    public LoyaltyStatus? LoyaltyStatus { get; init; }

    /// <summary>Gets consent to record (clears a provisional customer's expiry).</summary>
    public ConsentRecord? Consent { get; init; }
}

/// <summary>One line of an order: a product, how many, and the amount paid for the line.</summary>
/// <param name="ProductId">Product (must be in the catalogue).</param>
/// <param name="Quantity">Quantity (at least 1).</param>
/// <param name="Amount">Amount paid for the line (not negative).</param>
public sealed record PurchaseLine(string ProductId, int Quantity, decimal Amount);

/// <summary>What recording one recognition outcome did.</summary>
/// <param name="DetectionId">The stored detection record.</param>
/// <param name="CustomerId">The customer identified (matched, or through the visitor's assignment).</param>
/// <param name="VisitorId">The provisional visitor (NEW_FACE with an embedding).</param>
/// <param name="AutoRegistered">Whether this sighting created a provisional customer.</param>
public sealed record RecognitionHandled(long DetectionId, string? CustomerId, string? VisitorId, bool AutoRegistered);

/// <summary>
/// Customers: registration, auto-registration from unrecognised faces (through visitor clusters, gated by
/// <see cref="RetailOptions.AutoRegistration"/>), loyalty, purchases, consent, and recording of recognition outcomes.
/// </summary>
public sealed class CustomerService
{
    private static readonly Counter<long> s_recognitions = RetailDiagnostics.Meter.CreateCounter<long>("scarlet.retail.recognitions");

    private readonly ICustomerStore _customers;
    private readonly IEventStore _events;
    private readonly ScarletEventStream _stream;
    private readonly RetailOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly VisitorClusters _visitors;
    private readonly IVisitorStore _visitorStore;

    /// <summary>Initializes a new instance of the <see cref="CustomerService"/> class.</summary>
    /// <param name="customers">Customer store.</param>
    /// <param name="visitors">Visitor store.</param>
    /// <param name="events">Event store.</param>
    /// <param name="stream">Event stream.</param>
    /// <param name="options">Options.</param>
    /// <param name="time">Clock.</param>
    /// <param name="logger">Logger.</param>
    public CustomerService(ICustomerStore customers, IVisitorStore visitors, IEventStore events, ScarletEventStream stream, IOptions<RetailOptions> options, TimeProvider time, ILogger<CustomerService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _customers = customers ?? throw new ArgumentNullException(nameof(customers));
        _visitorStore = visitors ?? throw new ArgumentNullException(nameof(visitors));
        _events = events ?? throw new ArgumentNullException(nameof(events));
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _options = options.Value;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _visitors = new VisitorClusters(visitors, _options.VisitorClusterThreshold);
    }

    /// <summary>Registers a customer with optional face embeddings (stored with the customer so an index can be rebuilt).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="registration">Registration.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The customer, bronze, with its <see cref="Customer.VectorId"/>.</returns>
    /// <exception cref="ArgumentException">Missing name, bad e-mail, bad embeddings, or embeddings without consent.</exception>
    /// <exception cref="DuplicateEntityException">E-mail already registered in the organisation.</exception>
    public async Task<Customer> RegisterAsync(string organizationId, CustomerRegistration registration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        ArgumentNullException.ThrowIfNull(registration);
        ArgumentException.ThrowIfNullOrWhiteSpace(registration.Name, nameof(registration));
        ValidateEmail(registration.Email, nameof(registration));

        ValidateEmbeddings(registration.Embeddings);
        if (registration.Embeddings.Count > 0)
        {
            ValidateConsent(registration.Consent);
        }

        var customer = new Customer
        {
            Id = Guid.NewGuid().ToString("N"),
            OrganizationId = organizationId,
            Name = registration.Name.Trim(),
            Email = registration.Email?.Trim(),
            LoyaltyStatus = LoyaltyStatus.Bronze,
            CreatedAt = _time.GetUtcNow(),
            Consent = registration.Consent,
            IsAutoRegistered = registration.IsAutoRegistered,
        };
        using var change = new GalleryChange();
        using var registered = new StagedEvents<Customer>(c => [Registered(c, registration.Embeddings, change.Version)]); // written in AddAsync's transaction
        customer = await _customers.AddAsync(customer, registration.Embeddings, cancellationToken).ConfigureAwait(false);
        _stream.Publish(registered.WrittenOf<CustomerRegisteredEvent>() ?? Registered(customer, registration.Embeddings, change.Version));
        return customer;
    }

    /// <summary>Gets a customer (the seed's GET /customer/{customer_id}).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The customer or <see langword="null"/>.</returns>
    public Task<Customer?> GetAsync(string organizationId, string customerId, CancellationToken cancellationToken = default) =>
        _customers.GetAsync(organizationId, customerId, cancellationToken);

    /// <summary>Gets a customer by index id (the seed's GET /customer/by-vector/{vector_id}).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="vectorId">Index id.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The customer or <see langword="null"/>.</returns>
    public Task<Customer?> GetByVectorIdAsync(string organizationId, long vectorId, CancellationToken cancellationToken = default) =>
        _customers.GetByVectorIdAsync(organizationId, vectorId, cancellationToken);

    /// <summary>Lists customers.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="limit">Page size.</param>
    /// <param name="offset">Rows to skip.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A page.</returns>
    public Task<Page<Customer>> ListAsync(string organizationId, int limit = 100, int offset = 0, CancellationToken cancellationToken = default) =>
        _customers.ListAsync(organizationId, limit, offset, cancellationToken);

    /// <summary>All embeddings of an organisation, to rebuild a face index from the store.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Embeddings with customer and index ids.</returns>
    public Task<IReadOnlyList<StoredEmbedding>> ListEmbeddingsAsync(string organizationId, CancellationToken cancellationToken = default) =>
        _customers.ListEmbeddingsAsync(organizationId, cancellationToken);

    /// <summary>The organisation's gallery change sequence (<see cref="ICustomerStore.GetGalleryVersionAsync"/>).</summary>
    internal Task<long> GetGalleryVersionAsync(string organizationId, CancellationToken cancellationToken) =>
        _customers.GetGalleryVersionAsync(organizationId, cancellationToken);

    /// <summary>One customer's embeddings, oldest first (a gallery replica reads another host's enrolment with it).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Embeddings with customer and index ids (empty for an unknown customer).</returns>
    public Task<IReadOnlyList<StoredEmbedding>> GetEmbeddingsAsync(string organizationId, string customerId, CancellationToken cancellationToken = default) =>
        _customers.GetEmbeddingsAsync(organizationId, customerId, cancellationToken);

    /// <summary>Records consent (e.g. for an auto-registered customer): clears its expiry.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="consent">Consent.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The updated customer.</returns>
    public async Task<Customer> RecordConsentAsync(string organizationId, string customerId, ConsentRecord consent, CancellationToken cancellationToken = default)
    {
        ValidateConsent(consent);
        var customer = await RequireAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false);
        customer = customer with { Consent = consent, ExpiresAt = null };
        await _customers.UpdateAsync(customer, cancellationToken).ConfigureAwait(false);
        await _events.AppendAuditAsync(new AuditRecord(0, organizationId, "consent.recorded", customerId, consent.GrantedBy, _time.GetUtcNow(), "method=" + consent.Method), cancellationToken).ConfigureAwait(false);
        return customer;
    }

    /// <summary>Updates name and e-mail.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="name">New name.</param>
    /// <param name="email">New e-mail or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The updated customer.</returns>
    public async Task<Customer> UpdateProfileAsync(string organizationId, string customerId, string name, string? email, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var customer = await RequireAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false) with { Name = name.Trim(), Email = email?.Trim() };
        await _customers.UpdateAsync(customer, cancellationToken).ConfigureAwait(false);
        return customer;
    }

    /// <summary>Edits a customer's profile: name, e-mail, tier and consent, each only when given.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="changes">The fields to change.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The updated customer.</returns>
    /// <exception cref="ArgumentException">Empty name, bad e-mail, unknown tier or incomplete consent.</exception>
    /// <exception cref="RetailNotFoundException">No such customer in the organisation.</exception>
    /// <exception cref="DuplicateEntityException">The e-mail address belongs to another customer of the organisation.</exception>
    public async Task<Customer> UpdateAsync(string organizationId, string customerId, CustomerChanges changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Name is { } name && string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("The name must not be empty.", nameof(changes));
        }

        var email = changes.Email is null ? null : changes.Email.Trim();
        ValidateEmail(email is { Length: > 0 } ? email : null, nameof(changes));
        if (changes.LoyaltyStatus is { } tier && !Enum.IsDefined(tier))
        {
            throw new ArgumentException("Unknown loyalty status.", nameof(changes));
        }

        if (changes.Consent is not null)
        {
            ValidateConsent(changes.Consent);
        }

        var customer = await RequireAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false);
        customer = customer with
        {
            Name = changes.Name?.Trim() ?? customer.Name,
            Email = email is null ? customer.Email : email.Length == 0 ? null : email,
            LoyaltyStatus = changes.LoyaltyStatus ?? customer.LoyaltyStatus,
            Consent = changes.Consent ?? customer.Consent,
            ExpiresAt = changes.Consent is null ? customer.ExpiresAt : null,
        };
        await _customers.UpdateAsync(customer, cancellationToken).ConfigureAwait(false);
        if (changes.Consent is { } consent)
        {
            await _events.AppendAuditAsync(new AuditRecord(0, organizationId, "consent.recorded", customerId, consent.GrantedBy, _time.GetUtcNow(), "method=" + consent.Method), cancellationToken).ConfigureAwait(false);
        }

        return customer;
    }

    /// <summary>Adds an order of several lines in one transaction (all or none) and re-evaluates the loyalty tier once.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="lines">The order's lines (at least one).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The updated customer and the purchases stored, in line order.</returns>
    /// <exception cref="RetailNotFoundException">Unknown customer or product (then no line is stored).</exception>
    public async Task<(Customer Customer, IReadOnlyList<Purchase> Purchases)> AddPurchasesAsync(string organizationId, string customerId, IReadOnlyList<PurchaseLine> lines, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentOutOfRangeException.ThrowIfZero(lines.Count);
        var now = _time.GetUtcNow();
        var purchases = new Purchase[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            ArgumentException.ThrowIfNullOrWhiteSpace(line.ProductId, nameof(lines));
            purchases[i] = new Purchase { Id = Guid.NewGuid().ToString("N"), CustomerId = customerId, ProductId = line.ProductId, Quantity = line.Quantity, Amount = line.Amount, PurchasedAt = now };
        }

        var customer = await _customers.AddPurchasesAsync(organizationId, customerId, purchases, cancellationToken).ConfigureAwait(false);
        return (await ApplyTierAsync(customer, cancellationToken).ConfigureAwait(false), purchases);
    }

    /// <summary>Adds a purchase and re-evaluates the loyalty tier.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="productId">Product (must be in the catalogue).</param>
    /// <param name="quantity">Quantity (at least 1).</param>
    /// <param name="amount">Amount paid (not negative).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The updated customer.</returns>
    public async Task<Customer> AddPurchaseAsync(string organizationId, string customerId, string productId, int quantity, decimal amount, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(productId);
        return (await AddPurchasesAsync(organizationId, customerId, [new PurchaseLine(productId, quantity, amount)], cancellationToken).ConfigureAwait(false)).Customer;
    }

    /// <summary>Gets a customer's purchases, newest first.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Purchases.</returns>
    public Task<IReadOnlyList<Purchase>> GetPurchasesAsync(string organizationId, string customerId, CancellationToken cancellationToken = default) =>
        _customers.GetPurchasesAsync(organizationId, customerId, cancellationToken);

    /// <summary>Counts a completed visit and re-evaluates the loyalty tier.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The updated customer.</returns>
    public async Task<Customer> RecordVisitAsync(string organizationId, string customerId, CancellationToken cancellationToken = default)
    {
        var customer = await _customers.IncrementVisitsAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false);
        return await ApplyTierAsync(customer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The provisional visitor clusters of an organisation.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Clusters.</returns>
    public Task<IReadOnlyList<VisitorCluster>> ListVisitorsAsync(string organizationId, CancellationToken cancellationToken = default) =>
        _visitorStore.ListAsync(organizationId, cancellationToken);

    /// <summary>
    /// Records one recognition outcome: a detection record always; for NEW_FACE with an embedding, the visitor cluster
    /// (and auto-registration when enabled and the cluster has enough sightings); a <see cref="CustomerIdentifiedEvent"/>
    /// when a customer is known.
    /// </summary>
    /// <param name="recognition">The outcome.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>What was recorded.</returns>
    public async Task<RecognitionHandled> HandleRecognitionAsync(RecognitionEvent recognition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recognition);
        ArgumentException.ThrowIfNullOrWhiteSpace(recognition.OrganizationId, nameof(recognition));
        ArgumentException.ThrowIfNullOrWhiteSpace(recognition.CameraId, nameof(recognition));
        s_recognitions.Add(1, new KeyValuePair<string, object?>("status", recognition.Status.ToString()));
        var org = recognition.OrganizationId;
        string? customerId = null;
        string? visitorId = null;
        var autoRegistered = false;

        if (recognition.Status == RecognitionStatus.Matched && recognition.CustomerId is { } matched)
        {
            if (await _customers.GetAsync(org, matched, cancellationToken).ConfigureAwait(false) is not null)
            {
                customerId = matched;
            }
            else
            {
                _logger.LogWarning("Recognition matched customer {CustomerId} unknown in organisation {Org}", matched, org);
            }
        }
        else if (recognition.Status == RecognitionStatus.NewFace && !recognition.Embedding.IsEmpty)
        {
            (visitorId, customerId, autoRegistered) = await _visitors.WithLockAsync(() => ClusterAsync(recognition, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        var cropPath = customerId is null && visitorId is null ? null : SaveCrop(org, recognition.Crop.Span);
        var id = await _events.AddDetectionAsync(
            new DetectionRecord
            {
                OrganizationId = org,
                CameraId = recognition.CameraId,
                Status = recognition.Status,
                Box = recognition.Box,
                Confidence = recognition.Confidence,
                Distance = recognition.Distance,
                CustomerId = customerId,
                VisitorId = visitorId,
                CropPath = cropPath,
                Timestamp = recognition.Timestamp,
            },
            cancellationToken).ConfigureAwait(false);

        if (customerId is not null)
        {
            _stream.Publish(new CustomerIdentifiedEvent { OrganizationId = org, Timestamp = recognition.Timestamp, CustomerId = customerId, Confidence = recognition.Confidence, CameraId = recognition.CameraId, StoreZone = recognition.StoreZone });
        }

        return new RecognitionHandled(id, customerId, visitorId, autoRegistered);
    }

    /// <summary>
    /// Assigns a whole visitor cluster to a customer (admin action): its centroid becomes one of the customer's embeddings,
    /// and its past detections and visits are linked to the customer.
    /// </summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="visitorId">Visitor cluster.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="actor">Admin user.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The updated cluster.</returns>
    /// <exception cref="RetailNotFoundException">Unknown visitor or customer.</exception>
    /// <exception cref="InvalidOperationException">The cluster already belongs to another customer.</exception>
    public Task<VisitorCluster> AssignVisitorAsync(string organizationId, string visitorId, string customerId, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        return _visitors.WithLockAsync(
            async () =>
            {
                var cluster = await _visitorStore.GetAsync(organizationId, visitorId, cancellationToken).ConfigureAwait(false) ?? throw new RetailNotFoundException("visitor", visitorId);
                var customer = await RequireAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false);
                if (cluster.CustomerId == customerId)
                {
                    return cluster;
                }

                if (cluster.CustomerId is not null)
                {
                    throw new InvalidOperationException($"Visitor '{visitorId}' is already assigned to another customer.");
                }

                var now = _time.GetUtcNow();
                var centroid = cluster.Centroid;
                VisitorAssignedEvent Assigned(long version) => new() { OrganizationId = organizationId, Timestamp = now, VisitorId = visitorId, CustomerId = customerId, VectorId = customer.VectorId, Centroid = centroid, GalleryVersion = version };
                using var change = new GalleryChange();
                VisitorAssignedEvent? written;
                using (var staged = new StagedEvents<int>(_ => [Assigned(change.Version)])) // written in AddEmbeddingAsync's transaction
                {
                    await _customers.AddEmbeddingAsync(organizationId, customerId, centroid, cancellationToken).ConfigureAwait(false);
                    written = staged.WrittenOf<VisitorAssignedEvent>();
                }

                cluster = cluster with { CustomerId = customerId };
                await _visitors.SaveAsync(cluster, cancellationToken).ConfigureAwait(false);
                await _events.AssignVisitorAsync(organizationId, visitorId, customerId, cancellationToken).ConfigureAwait(false);
                await _events.AppendAuditAsync(new AuditRecord(0, organizationId, "visitor.assigned", visitorId, actor, now, "customer=" + customerId), cancellationToken).ConfigureAwait(false);
                _stream.Publish(written ?? Assigned(change.Version));
                return cluster;
            },
            cancellationToken);
    }

    internal Task InvalidateVisitorsAsync(string organizationId, CancellationToken cancellationToken) =>
        _visitors.WithLockAsync(
            () =>
            {
                _visitors.Invalidate(organizationId);
                return Task.FromResult(0);
            },
            cancellationToken);

    internal string? SaveCrop(string organizationId, ReadOnlySpan<byte> crop)
    {
        if (!_options.StoreFaceCrops || crop.IsEmpty || _options.CropDirectory is null)
        {
            return null;
        }

        // The organisation id becomes a folder name: keep it to safe characters so it can never escape the crop folder.
        var folder = new string([.. organizationId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
        var dir = Path.Combine(Path.GetFullPath(_options.CropDirectory), folder);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, Guid.NewGuid().ToString("N") + ".img");
        File.WriteAllBytes(path, crop.ToArray());
        return path;
    }

    private async Task<(string? VisitorId, string? CustomerId, bool AutoRegistered)> ClusterAsync(RecognitionEvent recognition, CancellationToken cancellationToken)
    {
        var org = recognition.OrganizationId;
        var (cluster, _) = await _visitors.AddAsync(org, recognition.Embedding, recognition.Timestamp, cancellationToken).ConfigureAwait(false);
        if (cluster.CustomerId is not null)
        {
            return (cluster.Id, cluster.CustomerId, false);
        }

        if (_options.AutoRegistration != AutoRegistrationMode.ProvisionalUntilConsent || cluster.Sightings < _options.AutoRegisterMinSightings)
        {
            return (cluster.Id, null, false);
        }

        // Auto-registration under the clustering lock: one cluster, one customer, never two.
        var now = _time.GetUtcNow();
        using var change = new GalleryChange();
        using var registered = new StagedEvents<Customer>(c => [Registered(c, [cluster.Centroid], change.Version)]);
        var customer = await _customers.AddAsync(
            new Customer
            {
                Id = Guid.NewGuid().ToString("N"),
                OrganizationId = org,
                Name = string.Empty,
                LoyaltyStatus = LoyaltyStatus.Bronze,
                CreatedAt = now,
                IsAutoRegistered = true,
                ExpiresAt = now + _options.UnconsentedRetention,
            },
            [cluster.Centroid],
            cancellationToken).ConfigureAwait(false);
        await _visitors.SaveAsync(cluster with { CustomerId = customer.Id }, cancellationToken).ConfigureAwait(false);
        await _events.AssignVisitorAsync(org, cluster.Id, customer.Id, cancellationToken).ConfigureAwait(false);
        _stream.Publish(registered.WrittenOf<CustomerRegisteredEvent>() ?? Registered(customer, [cluster.Centroid], change.Version));
        return (cluster.Id, customer.Id, true);
    }

    private static CustomerRegisteredEvent Registered(Customer customer, IReadOnlyList<ReadOnlyMemory<float>> embeddings, long galleryVersion) =>
        new() { OrganizationId = customer.OrganizationId, Timestamp = customer.CreatedAt, CustomerId = customer.Id, VectorId = customer.VectorId, IsAutoRegistered = customer.IsAutoRegistered, Embeddings = embeddings, GalleryVersion = galleryVersion };

    private async Task<Customer> ApplyTierAsync(Customer customer, CancellationToken cancellationToken)
    {
        var tier = LoyaltyPolicy.Evaluate(customer, _options.LoyaltyRules);
        if (tier == customer.LoyaltyStatus)
        {
            return customer;
        }

        customer = customer with { LoyaltyStatus = tier };
        await _customers.UpdateAsync(customer, cancellationToken).ConfigureAwait(false);
        return customer;
    }

    private async Task<Customer> RequireAsync(string organizationId, string customerId, CancellationToken cancellationToken) =>
        await _customers.GetAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false) ?? throw new RetailNotFoundException("customer", customerId);

    private static void ValidateEmail(string? email, string parameter)
    {
        if (email is not null && (email.Length > 320 || email.IndexOf('@', StringComparison.Ordinal) is <= 0 || email.EndsWith('@')))
        {
            throw new ArgumentException($"'{email}' is not an e-mail address.", parameter);
        }
    }

    private static void ValidateConsent(ConsentRecord? consent)
    {
        if (consent is null || string.IsNullOrWhiteSpace(consent.GrantedBy) || string.IsNullOrWhiteSpace(consent.Method))
        {
            throw new ArgumentException("Enrolling face data needs consent: who granted it, when and how.", nameof(consent));
        }
    }

    private static void ValidateEmbeddings(IReadOnlyList<ReadOnlyMemory<float>> embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        foreach (var e in embeddings)
        {
            if (e.IsEmpty || e.Length != embeddings[0].Length)
            {
                throw new ArgumentException("Embeddings must be non-empty and of one dimension.", nameof(embeddings));
            }

            foreach (var x in e.Span)
            {
                if (!float.IsFinite(x))
                {
                    throw new ArgumentException("Embeddings must be finite.", nameof(embeddings));
                }
            }
        }
    }
}
