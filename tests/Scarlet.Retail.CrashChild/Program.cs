// Writes customers (with an embedding), purchases and detection records forever, printing one line per committed
// write: "ACK <kind> <id> <round> <i> END". The crash-safety test kills this process with SIGKILL at random moments and
// then checks that every acknowledged write survived and the database is consistent.
using System.Globalization;
using Scarlet.Retail;
using Scarlet.Retail.Storage.Sql;
using Scarlet.Retail.Storage.Sqlite;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: Scarlet.Retail.CrashChild <database-path> <round>");
    return 2;
}

var round = int.Parse(args[1], CultureInfo.InvariantCulture);
using var db = new SqliteDatabase(args[0]);
var orgs = new SqlOrganizationStore(db, TimeProvider.System);
var customers = new SqlCustomerStore(db);
var catalog = new SqlCatalogStore(db);
var events = new SqlEventStore(db);
await orgs.EnsureAsync("crash", "Crash test");
await catalog.UpsertProductAsync("crash", new Product { Id = "sku-1", Name = "Thing", Category = "things", Zones = ["z"] });
Console.Out.WriteLine("READY");
Console.Out.Flush();

for (var i = 0; ; i++)
{
    var id = $"r{round}-c{i}";
    var vector = CrashVectors.For(id);
    await customers.AddAsync(new Customer { Id = id, OrganizationId = "crash", Name = "n" + i, CreatedAt = DateTimeOffset.UnixEpoch.AddSeconds(i) }, [vector]);
    Ack("C", id, round, i);
    var purchaseId = $"r{round}-p{i}";
    await customers.AddPurchaseAsync("crash", new Purchase { Id = purchaseId, CustomerId = id, ProductId = "sku-1", Quantity = 1, Amount = 1.25m + i, PurchasedAt = DateTimeOffset.UnixEpoch });
    Ack("P", purchaseId, round, i);
    var detection = await events.AddDetectionAsync(new DetectionRecord { OrganizationId = "crash", CameraId = "cam", Status = RecognitionStatus.Matched, CustomerId = id, Confidence = 0.9f, Timestamp = DateTimeOffset.UnixEpoch });
    Ack("D", detection.ToString(CultureInfo.InvariantCulture), round, i);
}

static void Ack(string kind, string id, int round, int i)
{
    Console.Out.WriteLine($"ACK {kind} {id} {round} {i} END");
    Console.Out.Flush();
}

/// <summary>The deterministic embedding of a customer id, so the parent can check the stored bytes.</summary>
public static class CrashVectors
{
    /// <summary>128 floats from the id's hash.</summary>
    /// <param name="id">Customer id.</param>
    /// <returns>The vector.</returns>
    public static float[] For(string id)
    {
        // FNV-1a: string.GetHashCode is randomised per process.
        var hash = 2166136261u;
        foreach (var ch in id)
        {
            hash = (hash ^ ch) * 16777619u;
        }

        var rng = new Random((int)(hash & 0x7fffffff));
        var v = new float[128];
        for (var k = 0; k < v.Length; k++)
        {
            v[k] = (float)rng.NextDouble();
        }

        return v;
    }
}
