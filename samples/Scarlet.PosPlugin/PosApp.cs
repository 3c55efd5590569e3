using System.Diagnostics;
using System.Globalization;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scarlet.Retail;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;

namespace Scarlet.PosPlugin;

/// <summary>The till: enrol a customer, check out (identify, promotions, recommendations, purchase), manage the catalogue.</summary>
internal static class PosApp
{
    private const string CameraId = "pos";

    public static async Task<int> RunAsync(CliArgs a, TextWriter output)
    {
        var verb = a.Verb;
        var db = a.Required("db");
        var dbDir = Path.GetDirectoryName(Path.GetFullPath(db))!;
        if (!Directory.Exists(dbDir))
        {
            throw new UsageException($"the folder of --db does not exist: {dbDir}");
        }

        var org = a.Optional("org") ?? "default";
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddScarletVision(v => v.Models.AllowDownload = false);
        services.AddScarlet(r => r.DatabasePath = db);
        await using var sp = services.BuildServiceProvider();
        sp.GetRequiredService<IStartupValidator>().Validate();
        await EnsureOrganizationAsync(sp, org);

        object result = verb switch
        {
            "enroll" => await EnrollAsync(sp, org, a),
            "checkout" => await CheckoutAsync(sp, org, a),
            "product add" => await AddProductAsync(sp, org, a),
            "promo add" => await AddPromotionAsync(sp, org, a),
            _ => throw new UnreachableException($"no action for '{verb}'"),
        };
        await output.WriteLineAsync(JsonSerializer.Serialize(result, ScarletJson.Options));
        return 0;
    }

    private static async Task EnsureOrganizationAsync(IServiceProvider sp, string org)
    {
        var organizations = sp.GetRequiredService<IOrganizationStore>();
        if ((await organizations.ListAsync()).Contains(org, StringComparer.Ordinal))
        {
            return;
        }

        // A new store: seed the demo catalogue and promotions so checkout has something to show (README).
        await organizations.EnsureAsync(org, org);
        var catalog = sp.GetRequiredService<ICatalogStore>();
        foreach (var (product, _) in DemoCatalog.Products)
        {
            await catalog.UpsertProductAsync(org, product);
        }

        var promotions = sp.GetRequiredService<PromotionEngine>();
        foreach (var draft in DemoCatalog.Promotions(sp.GetRequiredService<TimeProvider>().GetUtcNow()))
        {
            await promotions.CreateAsync(org, draft);
        }
    }

    private static async Task<EnrollOutput> EnrollAsync(IServiceProvider sp, string org, CliArgs a)
    {
        var name = a.Required("name");
        var email = a.Optional("email");
        var photo = ReadPhoto(a.Required("photo"));
        var by = a.Optional("consent-by") ?? "pos-operator";
        a.EnsureAllUsed();
        var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
        var (customer, _) = await sp.GetRequiredService<FaceIdentityService>().RegisterAsync(
            org,
            new FaceRegistration { Name = name, Email = email, Consent = new ConsentRecord(by, now, "pos-enrolment") },
            [photo]);
        return new EnrollOutput(customer.Id, customer.Name, customer.VectorId, customer.LoyaltyStatus);
    }

    private static async Task<CheckoutOutput> CheckoutAsync(IServiceProvider sp, string org, CliArgs a)
    {
        var photo = ReadPhoto(a.Required("photo"));
        var zone = a.Optional("zone");
        var buys = await ParseBuysAsync(sp, org, a.All("buy"));
        a.EnsureAllUsed();

        var pipeline = sp.GetRequiredService<RetailPipeline>();
        var events = sp.GetRequiredService<IEventStore>();
        var stream = sp.GetRequiredService<ScarletEventStream>();
        pipeline.Start();
        var detectionsBefore = await CountDetectionsAsync(events, org);
        var action = stream.Events.OfType<ActionEvent>().FirstAsync().Timeout(TimeSpan.FromSeconds(3)).ToTask();

        var watch = Stopwatch.StartNew();
        var sightings = await sp.GetRequiredService<FaceIdentityService>().IdentifyAsync(org, photo, CameraId, zone);
        var identifyMs = watch.Elapsed.TotalMilliseconds;
        var face = sightings.Count == 0 ? null : sightings.MaxBy(s => s.Box.Width * s.Box.Height);
        var status = face?.Status ?? RecognitionStatus.Unknown;
        var customer = status == RecognitionStatus.Matched ? face!.Customer : null;

        IReadOnlyList<PromotionOutput> promotions = [];
        IReadOnlyList<string> recommended = [];
        var recorded = 0;
        if (customer is not null)
        {
            var customers = sp.GetRequiredService<CustomerService>();
            promotions = [.. (await sp.GetRequiredService<PromotionEngine>().GetPromotionsForAsync(org, customer.Id, zone))
                .Select(p => new PromotionOutput(p.Id, p.Title, p.Description, p.Discount))];
            recommended = await sp.GetRequiredService<RecommendationService>().RecommendAsync(org, customer.Id, zone);
            foreach (var (sku, price) in buys)
            {
                customer = await customers.AddPurchaseAsync(org, customer.Id, sku, 1, price);
                recorded++;
            }
        }

        // Let the pipeline finish with this sale (detection records; the action event of a matched customer) before exiting.
        await WaitForDetectionsAsync(events, org, detectionsBefore + sightings.Count);
        if (customer is not null)
        {
            try
            {
                await action;
            }
            catch (TimeoutException)
            {
                // within the recommendation cooldown no action is emitted
            }
        }

        pipeline.Stop();
        return new CheckoutOutput(
            status,
            customer?.Id,
            customer?.Name,
            customer?.LoyaltyStatus,
            promotions,
            recommended,
            recorded,
            sightings.Count,
            face?.Confidence,
            face?.Distance,
            Math.Round(identifyMs, 1));
    }

    private static async Task<ProductOutput> AddProductAsync(IServiceProvider sp, string org, CliArgs a)
    {
        var product = new Product { Id = a.Required("sku"), Name = a.Required("name"), Category = a.Required("category"), Zones = [.. a.All("zone")] };
        a.EnsureAllUsed();
        await sp.GetRequiredService<ICatalogStore>().UpsertProductAsync(org, product);
        return new ProductOutput(product.Id);
    }

    private static async Task<ProductOutput> AddPromotionAsync(IServiceProvider sp, string org, CliArgs a)
    {
        var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
        var tier = a.Optional("tier");
        var draft = new PromotionDraft
        {
            Title = a.Required("title"),
            Discount = a.Required("discount"),
            Description = a.Optional("description") ?? string.Empty,
            TargetLoyaltyStatus = tier is null or "all" ? null : LoyaltyTargetJsonConverter.Parse(tier),
            Zones = [.. a.All("zone")],
            ValidFrom = now,
            ValidTo = now.AddDays(NonNegative(a, "days", 30)),
            Priority = NonNegative(a, "priority", 0),
        };
        a.EnsureAllUsed();
        var promotion = await sp.GetRequiredService<PromotionEngine>().CreateAsync(org, draft);
        return new ProductOutput(promotion.Id);
    }

    private static async Task<List<(string Sku, decimal Price)>> ParseBuysAsync(IServiceProvider sp, string org, IReadOnlyList<string> values)
    {
        var catalog = sp.GetRequiredService<ICatalogStore>();
        var buys = new List<(string, decimal)>();
        foreach (var v in values)
        {
            var eq = v.IndexOf('=', StringComparison.Ordinal);
            var sku = eq < 0 ? v : v[..eq];
            var price = DemoCatalog.PriceOf(sku);
            if (eq >= 0 && (!decimal.TryParse(v[(eq + 1)..], NumberStyles.Number, CultureInfo.InvariantCulture, out price) || price < 0))
            {
                throw new UsageException($"--buy {v}: the price must be a non-negative number.");
            }

            if (await catalog.GetProductAsync(org, sku) is null)
            {
                throw new UsageException($"--buy {sku}: no such product in the catalogue (add it with 'product add').");
            }

            buys.Add((sku, price));
        }

        return buys;
    }

    private static int NonNegative(CliArgs a, string name, int fallback)
    {
        var n = a.Int(name, fallback);
        return n >= 0 ? n : throw new UsageException($"--{name} must be a non-negative integer.");
    }

    private static ReadOnlyMemory<byte> ReadPhoto(string path) =>
        File.Exists(path) ? File.ReadAllBytes(path) : throw new UsageException($"--photo: file not found: {path}");

    private static async Task<int> CountDetectionsAsync(IEventStore events, string org) =>
        (await events.QueryDetectionsAsync(new DetectionQuery { OrganizationId = org, CameraId = CameraId, Limit = 1 })).Total;

    private static async Task WaitForDetectionsAsync(IEventStore events, string org, int expected)
    {
        for (var i = 0; i < 200 && await CountDetectionsAsync(events, org) < expected; i++)
        {
            await Task.Delay(25);
        }
    }

    private sealed record EnrollOutput(string CustomerId, string Name, long VectorId, LoyaltyStatus LoyaltyStatus);

    private sealed record PromotionOutput(string Id, string Title, string Description, string Discount);

    private sealed record ProductOutput(string Id);

    private sealed record CheckoutOutput(
        RecognitionStatus Status,
        string? CustomerId,
        string? Name,
        LoyaltyStatus? LoyaltyStatus,
        IReadOnlyList<PromotionOutput> Promotions,
        IReadOnlyList<string> RecommendedProducts,
        int PurchasesRecorded,
        int Faces,
        float? Confidence,
        float? Distance,
        double IdentifyMs);
}
