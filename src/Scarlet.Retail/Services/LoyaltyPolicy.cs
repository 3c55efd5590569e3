namespace Scarlet.Retail;

/// <summary>Computes a customer's loyalty tier from spend and visits under the configured rules.</summary>
public static class LoyaltyPolicy
{
    /// <summary>The highest tier whose rule the customer meets; never lower than the current tier (no downgrades).</summary>
    /// <param name="customer">The customer.</param>
    /// <param name="rules">The rules.</param>
    /// <returns>The tier.</returns>
    public static LoyaltyStatus Evaluate(Customer customer, IEnumerable<LoyaltyTierRule> rules)
    {
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentNullException.ThrowIfNull(rules);
        var tier = customer.LoyaltyStatus;
        foreach (var r in rules)
        {
            var met = (r.MinTotalSpend is { } s && customer.TotalSpend >= s) || (r.MinVisits is { } v && customer.VisitCount >= v);
            if (met && r.Tier > tier)
            {
                tier = r.Tier;
            }
        }

        return tier;
    }
}
