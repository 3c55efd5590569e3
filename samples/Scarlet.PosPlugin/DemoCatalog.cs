using Scarlet.Retail;

namespace Scarlet.PosPlugin;

/// <summary>The small demo catalogue and promotions seeded into a new database (see README).</summary>
internal static class DemoCatalog
{
    public static readonly (Product Product, decimal Price)[] Products =
    [
        (new Product { Id = "COFFEE-1KG", Name = "Coffee beans 1 kg", Category = "coffee", Zones = ["cafe"] }, 18.90m),
        (new Product { Id = "ESPRESSO-CUP", Name = "Espresso cups (2)", Category = "coffee", Zones = ["cafe"] }, 12.50m),
        (new Product { Id = "CROISSANT", Name = "Croissant", Category = "bakery", Zones = ["cafe", "bakery"] }, 1.90m),
        (new Product { Id = "BAGUETTE", Name = "Baguette", Category = "bakery", Zones = ["bakery"] }, 2.40m),
        (new Product { Id = "TEA-GREEN", Name = "Green tea", Category = "tea", Zones = ["cafe"] }, 6.20m),
        (new Product { Id = "HEADPHONES", Name = "Headphones", Category = "electronics", Zones = ["electronics"] }, 79.00m),
        (new Product { Id = "CHARGER", Name = "USB-C charger", Category = "electronics", Zones = ["electronics"] }, 24.00m),
    ];

    public static IEnumerable<PromotionDraft> Promotions(DateTimeOffset now)
    {
        yield return new PromotionDraft { Title = "Welcome: 5% off", Description = "For every registered customer", Discount = "5%", ValidFrom = now.AddDays(-1), ValidTo = now.AddYears(1), Priority = 1 };
        yield return new PromotionDraft { Title = "Coffee lovers: second bag half price", Description = "In the cafe", Discount = "50% on the second bag", ValidFrom = now.AddDays(-1), ValidTo = now.AddYears(1), Zones = ["cafe"], Priority = 5 };
        yield return new PromotionDraft { Title = "Silver members: free croissant", Description = "With any coffee", Discount = "1 croissant", ValidFrom = now.AddDays(-1), ValidTo = now.AddYears(1), TargetLoyaltyStatus = LoyaltyStatus.Silver, Priority = 10 };
    }

    public static decimal PriceOf(string sku)
    {
        foreach (var (product, price) in Products)
        {
            if (string.Equals(product.Id, sku, StringComparison.Ordinal))
            {
                return price;
            }
        }

        return 0m;
    }
}
