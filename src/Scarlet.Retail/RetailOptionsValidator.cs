using Microsoft.Extensions.Options;

namespace Scarlet.Retail;

/// <summary>
/// Validation of <see cref="RetailOptions"/>: the field rules (DataAnnotations, checked by a source-generated validator)
/// and the rules across fields.
/// </summary>
public sealed class RetailOptionsValidator : IValidateOptions<RetailOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, RetailOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (new RetailOptionsFieldValidator().Validate(name, options) is { Failed: true } fields)
        {
            errors.AddRange(fields.Failures);
        }

        switch (options.StorageProvider)
        {
            case StorageProvider.Sqlite when string.IsNullOrWhiteSpace(options.DatabasePath):
                errors.Add("DatabasePath is required.");
                break;
            case StorageProvider.Postgres:
                ValidatePostgres(options.PostgresConnectionString, errors);
                break;
            case StorageProvider.Sqlite:
                break;
            default:
                errors.Add($"StorageProvider '{options.StorageProvider}' is unknown (Sqlite or Postgres).");
                break;
        }

        if (options.UnconsentedRetention <= TimeSpan.Zero)
        {
            errors.Add("UnconsentedRetention must be positive.");
        }

        if (options.RetentionSweepInterval <= TimeSpan.Zero)
        {
            errors.Add("RetentionSweepInterval must be positive.");
        }

        if (options.RecommendationCooldown < TimeSpan.Zero)
        {
            errors.Add("RecommendationCooldown must not be negative.");
        }

        if (options.StoreFaceCrops && string.IsNullOrWhiteSpace(options.CropDirectory))
        {
            errors.Add("CropDirectory is required when StoreFaceCrops is on.");
        }

        try
        {
            options.ResolveTimeZone();
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            errors.Add($"StoreTimeZone '{options.StoreTimeZone}' is not a known time zone.");
        }

        ValidateLoyalty(options.LoyaltyRules, errors);
        foreach (var z in options.ZoneRules)
        {
            if (string.IsNullOrWhiteSpace(z.Zone))
            {
                errors.Add("ZoneRules: every rule needs a Zone.");
            }

            if (z.MaxDwell is { } d && d <= TimeSpan.Zero)
            {
                errors.Add($"ZoneRules[{z.Zone}]: MaxDwell must be positive.");
            }

            if (z.MaxOccupancy is < 0)
            {
                errors.Add($"ZoneRules[{z.Zone}]: MaxOccupancy must not be negative.");
            }
        }

        foreach (var w in options.Webhooks)
        {
            if (w.Url is null || !w.Url.IsAbsoluteUri || (w.Url.Scheme != Uri.UriSchemeHttp && w.Url.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add("Webhooks: Url must be an absolute http or https URL.");
            }

            if (string.IsNullOrEmpty(w.Secret) || w.Secret.Length < 16)
            {
                errors.Add("Webhooks: Secret must have at least 16 characters.");
            }

            if (w.MaxAttempts is < 1 or > 50)
            {
                errors.Add("Webhooks: MaxAttempts must be in 1..50.");
            }

            if (w.InitialBackoff < TimeSpan.Zero || w.MaxBackoff < w.InitialBackoff)
            {
                errors.Add("Webhooks: need 0 <= InitialBackoff <= MaxBackoff.");
            }

            if (w.RequestTimeout <= TimeSpan.Zero)
            {
                errors.Add("Webhooks: RequestTimeout must be positive.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateLoyalty(IList<LoyaltyTierRule> rules, List<string> errors)
    {
        var seen = new HashSet<LoyaltyStatus>();
        foreach (var r in rules)
        {
            if (r.Tier == LoyaltyStatus.Bronze || !Enum.IsDefined(r.Tier))
            {
                errors.Add("LoyaltyRules: tiers above bronze only (bronze is where everyone starts).");
            }

            if (!seen.Add(r.Tier))
            {
                errors.Add($"LoyaltyRules: tier {r.Tier} appears twice.");
            }

            if (r.MinTotalSpend is null && r.MinVisits is null)
            {
                errors.Add($"LoyaltyRules[{r.Tier}]: set MinTotalSpend or MinVisits.");
            }

            if (r.MinTotalSpend is < 0 || r.MinVisits is < 0)
            {
                errors.Add($"LoyaltyRules[{r.Tier}]: thresholds must not be negative.");
            }
        }

        // A higher tier must not be easier to reach than a lower one.
        var ordered = rules.OrderBy(r => r.Tier).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            var (lo, hi) = (ordered[i - 1], ordered[i]);
            if ((lo.MinTotalSpend is { } a && hi.MinTotalSpend is { } b && b < a) || (lo.MinVisits is { } c && hi.MinVisits is { } d && d < c))
            {
                errors.Add($"LoyaltyRules: {hi.Tier} thresholds must not be below {lo.Tier}'s.");
            }
        }
    }

    private static void ValidatePostgres(string? connectionString, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            errors.Add("PostgresConnectionString is required when StorageProvider is Postgres.");
            return;
        }

        try
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            if (string.IsNullOrWhiteSpace(builder.Host))
            {
                errors.Add("PostgresConnectionString names no Host.");
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            errors.Add("PostgresConnectionString is malformed: " + ex.Message);
        }
    }
}

/// <summary>The field rules (DataAnnotations) of <see cref="RetailOptions"/>, source-generated.</summary>
[OptionsValidator]
internal sealed partial class RetailOptionsFieldValidator : IValidateOptions<RetailOptions>;
