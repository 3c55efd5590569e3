using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Storage.Sql;

namespace Scarlet.Retail;

/// <summary>
/// Data-subject rights and retention: erasure (record, embeddings, crops, personal fields of past events, audit record,
/// <see cref="CustomerErased"/> for the recognition layer's index), export (JSON of everything held), and the retention
/// sweep of unconsented data.
/// </summary>
public sealed class PrivacyService
{
    private readonly ICustomerStore _customers;
    private readonly IVisitorStore _visitors;
    private readonly IVisitStore _visits;
    private readonly IEventStore _events;
    private readonly IOrganizationStore _organizations;
    private readonly CustomerService _customerService;
    private readonly ScarletEventStream _stream;
    private readonly RetailOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="PrivacyService"/> class.</summary>
    /// <param name="customers">Customer store.</param>
    /// <param name="visitors">Visitor store.</param>
    /// <param name="visits">Visit store.</param>
    /// <param name="events">Event store.</param>
    /// <param name="organizations">Organisation store.</param>
    /// <param name="customerService">Customer service (its visitor cache is dropped after purges).</param>
    /// <param name="stream">Event stream.</param>
    /// <param name="options">Options.</param>
    /// <param name="time">Clock.</param>
    /// <param name="logger">Logger.</param>
    public PrivacyService(ICustomerStore customers, IVisitorStore visitors, IVisitStore visits, IEventStore events, IOrganizationStore organizations, CustomerService customerService, ScarletEventStream stream, IOptions<RetailOptions> options, TimeProvider time, ILogger<PrivacyService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _customers = customers;
        _visitors = visitors;
        _visits = visits;
        _events = events;
        _organizations = organizations;
        _customerService = customerService;
        _stream = stream;
        _options = options.Value;
        _time = time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Raised after a customer was erased; the recognition layer removes the customer's index entries and snapshots.</summary>
    public event EventHandler<CustomerErasedEvent>? CustomerErased;

    /// <summary>Erases a customer.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="actor">Who asked (admin user, or <c>retention</c>).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>What was removed.</returns>
    /// <exception cref="RetailNotFoundException">No such customer.</exception>
    public async Task<ErasureResult> EraseAsync(string organizationId, string customerId, string actor, CancellationToken cancellationToken = default)
    {
        var customer = await _customers.GetAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false) ?? throw new RetailNotFoundException("customer", customerId);
        var now = _time.GetUtcNow();
        using var change = new GalleryChange();
        using var staged = new StagedEvents<ErasureResult>(_ => [Erased(customer, actor, now, change.Version)]); // written in EraseAsync's transaction
        var result = await _customers.EraseAsync(organizationId, customerId, actor, now, cancellationToken).ConfigureAwait(false) ?? throw new RetailNotFoundException("customer", customerId);
        await CompleteErasureAsync(customer, result, staged.WrittenOf<CustomerErasedEvent>() ?? Erased(customer, actor, now, change.Version), cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// What follows every erasure the store has committed (here and in a merge): the crop files go, the visitor cache is
    /// dropped, and <see cref="CustomerErased"/> and <see cref="CustomerErasedEvent"/> tell the galleries, snapshots and
    /// other consumers (<c>erased</c>: the event the erasure's transaction wrote to the outbox table, <see cref="StagedEvents{T}"/>, or one made after it).
    /// </summary>
    internal async Task CompleteErasureAsync(Customer customer, ErasureResult result, CustomerErasedEvent erased, CancellationToken cancellationToken)
    {
        DeleteFiles(result.CropPaths);
        await _customerService.InvalidateVisitorsAsync(customer.OrganizationId, cancellationToken).ConfigureAwait(false);
        CustomerErased?.Invoke(this, erased);
        _stream.Publish(erased);
    }

    internal static CustomerErasedEvent Erased(Customer customer, string actor, DateTimeOffset at, long galleryVersion) =>
        new() { OrganizationId = customer.OrganizationId, Timestamp = at, CustomerId = customer.Id, VectorId = customer.VectorId, Actor = actor, GalleryVersion = galleryVersion };

    /// <summary>Exports everything held about a customer as JSON (profile, consent, embeddings, purchases, visits, detections, audit).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>UTF-8 JSON.</returns>
    /// <exception cref="RetailNotFoundException">No such customer.</exception>
    public async Task<byte[]> ExportAsync(string organizationId, string customerId, CancellationToken cancellationToken = default)
    {
        var customer = await _customers.GetAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false) ?? throw new RetailNotFoundException("customer", customerId);
        var embeddings = await _customers.GetEmbeddingsAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false);
        var purchases = await _customers.GetPurchasesAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false);
        var visits = await _visits.ListForCustomerAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false);
        var detections = new List<DetectionRecord>();
        for (var offset = 0; ; offset += 1000)
        {
            var page = await _events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = organizationId, CustomerId = customerId, Limit = 1000, Offset = offset }, cancellationToken).ConfigureAwait(false);
            detections.AddRange(page.Items);
            if (page.Items.Count < 1000)
            {
                break;
            }
        }

        var audit = (await _events.GetAuditAsync(organizationId, cancellationToken).ConfigureAwait(false)).Where(a => a.Subject == customerId).ToList();
        var export = new
        {
            ExportedAt = _time.GetUtcNow(),
            Customer = customer,
            Embeddings = embeddings.Select(e => e.Vector).ToList(),
            Purchases = purchases,
            Visits = visits,
            Detections = detections,
            Audit = audit,
        };
        return JsonSerializer.SerializeToUtf8Bytes(export, ScarletJson.Options);
    }

    /// <summary>
    /// The retention sweep, per organisation: erases auto-registered customers whose expiry passed without consent, and
    /// deletes unassigned visitor clusters not seen within the retention period.
    /// </summary>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Customers erased and visitors deleted.</returns>
    public async Task<(int CustomersErased, int VisitorsDeleted)> PurgeExpiredAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var (customers, visitors) = (0, 0);
        foreach (var org in await _organizations.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var c in await _customers.ListExpiredAsync(org, now, cancellationToken).ConfigureAwait(false))
            {
                await EraseAsync(org, c.Id, "retention", cancellationToken).ConfigureAwait(false);
                customers++;
            }

            var purge = await _visitors.DeleteStaleAsync(org, now - _options.UnconsentedRetention, cancellationToken).ConfigureAwait(false);
            DeleteFiles(purge.CropPaths);
            if (purge.VisitorIds.Count > 0)
            {
                await _customerService.InvalidateVisitorsAsync(org, cancellationToken).ConfigureAwait(false);
                await _events.AppendAuditAsync(new AuditRecord(0, org, "visitors.expired", "-", "retention", now, "count=" + purge.VisitorIds.Count), cancellationToken).ConfigureAwait(false);
            }

            visitors += purge.VisitorIds.Count;
        }

        if (customers + visitors > 0)
        {
            _logger.LogInformation("Retention sweep erased {Customers} customers and {Visitors} visitors", customers, visitors);
        }

        return (customers, visitors);
    }

    private void DeleteFiles(IReadOnlyList<string> paths)
    {
        foreach (var path in paths)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _logger.LogError(ex, "Could not delete face crop {Path}", path);
            }
        }
    }
}
