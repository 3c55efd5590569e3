using Microsoft.Extensions.Options;
using Scarlet.Recognition;
using Scarlet.Retail.Storage;

namespace Scarlet.Retail;

/// <summary>
/// Counts people's face attributes into the hourly aggregates (per camera and zone) and, only for a consenting customer
/// when <see cref="RetailOptions.StoreCustomerAttributes"/> is on, keeps the customer's latest estimate (erased with the
/// customer); answers the statistics by gender, age group and emotion. The caller counts each person once per visit
/// (the camera pipeline estimates once per track).
/// </summary>
public sealed class AttributeStatistics
{
    /// <summary>The age groups, youngest first (Nome.ai's).</summary>
    public static readonly IReadOnlyList<string> AgeGroups = ["0-18", "19-30", "31-50", "51+"];

    /// <summary>The gender values.</summary>
    public static readonly IReadOnlyList<string> Genders = ["female", "male", "unknown"];

    /// <summary>The emotion values, in the model's class order.</summary>
    public static readonly IReadOnlyList<string> Emotions = [.. Enum.GetValues<Emotion>().Select(e => e.ToString().ToLowerInvariant())];

    private readonly IAttributeStatisticsStore _store;
    private readonly ICustomerStore _customers;
    private readonly RetailOptions _options;

    /// <summary>Initializes a new instance of the <see cref="AttributeStatistics"/> class.</summary>
    /// <param name="store">The aggregate store.</param>
    /// <param name="customers">The customers (their consent).</param>
    /// <param name="options">Retail options.</param>
    public AttributeStatistics(IAttributeStatisticsStore store, ICustomerStore customers, IOptions<RetailOptions> options)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(customers);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _customers = customers;
        _options = options.Value;
    }

    /// <summary>The age group of an age in years (<c>0-18</c>, <c>19-30</c>, <c>31-50</c>, <c>51+</c>).</summary>
    /// <param name="ageYears">The age.</param>
    /// <returns>The group.</returns>
    public static string AgeGroupOf(float ageYears) => ageYears switch
    {
        < 18.5f => AgeGroups[0],
        < 30.5f => AgeGroups[1],
        < 50.5f => AgeGroups[2],
        _ => AgeGroups[3],
    };

    /// <summary>The statistic's value of a gender.</summary>
    /// <param name="gender">The gender.</param>
    /// <returns><c>female</c>, <c>male</c> or <c>unknown</c>.</returns>
    public static string GenderOf(Gender gender) => gender switch
    {
        Gender.Female => Genders[0],
        Gender.Male => Genders[1],
        _ => Genders[2],
    };

    /// <summary>Counts one person's attributes, and stores them with the customer when allowed (see the class remarks).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="timestamp">When the person was seen.</param>
    /// <param name="cameraId">The camera.</param>
    /// <param name="zone">The zone, or <see langword="null"/>.</param>
    /// <param name="attributes">The estimate.</param>
    /// <param name="customerId">The customer the person was identified as, if any.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Whether the attributes were also stored with the customer.</returns>
    public async Task<bool> RecordAsync(string organizationId, DateTimeOffset timestamp, string cameraId, string? zone, FaceAttributes attributes, string? customerId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        ArgumentException.ThrowIfNullOrWhiteSpace(cameraId);
        ArgumentNullException.ThrowIfNull(attributes);
        var gender = GenderOf(attributes.Gender);
        var emotion = attributes.Emotion?.ToString().ToLowerInvariant();
        await _store.AddAsync(organizationId, new AttributeObservation(timestamp, cameraId, zone ?? "", gender, attributes.AgeYears is { } a ? AgeGroupOf(a) : null, emotion), 1, cancellationToken).ConfigureAwait(false);
        if (!_options.StoreCustomerAttributes || customerId is null)
        {
            return false;
        }

        // Consent given by the person (a registration), not implied by an automatic one.
        var customer = await _customers.GetAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false);
        if (customer is null || customer.Consent is null || customer.IsAutoRegistered)
        {
            return false;
        }

        try
        {
            await _store.SetCustomerAsync(organizationId, new CustomerAttributes(customerId, gender, attributes.AgeYears, emotion, timestamp), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RetailNotFoundException)
        {
            return false; // erased meanwhile
        }
    }

    /// <summary>The counts of one attribute over <c>[from, to)</c>, every value listed (zeros included) in a fixed order.</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="kind">The attribute.</param>
    /// <param name="from">Start (hour resolution).</param>
    /// <param name="to">Exclusive end.</param>
    /// <param name="cameraId">One camera, or <see langword="null"/>.</param>
    /// <param name="zone">One zone, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Each value with its count.</returns>
    public async Task<IReadOnlyList<AttributeCount>> GetAsync(string organizationId, AttributeKind kind, DateTimeOffset from, DateTimeOffset to, string? cameraId = null, string? zone = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        var counts = (await _store.CountAsync(organizationId, kind, from, to, cameraId, zone, cancellationToken).ConfigureAwait(false)).ToDictionary(c => c.Value, c => c.Count, StringComparer.Ordinal);
        var values = kind switch
        {
            AttributeKind.Gender => Genders,
            AttributeKind.AgeGroup => AgeGroups,
            _ => Emotions,
        };
        return [.. values.Select(v => new AttributeCount(v, counts.GetValueOrDefault(v)))];
    }

    /// <summary>Gets a customer's stored attributes (for the customer's data export).</summary>
    /// <param name="organizationId">Organisation.</param>
    /// <param name="customerId">Customer.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The attributes, or <see langword="null"/>.</returns>
    public Task<CustomerAttributes?> GetCustomerAsync(string organizationId, string customerId, CancellationToken cancellationToken = default) =>
        _store.GetCustomerAsync(organizationId, customerId, cancellationToken);

}
