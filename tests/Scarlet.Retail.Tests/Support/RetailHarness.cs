using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Storage.Sql;
using Scarlet.Retail.Storage.Sqlite;

namespace Scarlet.Retail.Tests.Support;

/// <summary>The whole library over a real SQLite file in a temp folder, with a fake clock and a virtual-time scheduler.</summary>
public sealed class RetailHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2025, 3, 10, 9, 0, 0, TimeSpan.Zero); // a Monday

    private readonly TempDir _dir = new();
    private readonly ServiceProvider _provider;

    public RetailHarness(Action<RetailOptions>? configure = null, bool startPipeline = false)
    {
        Time = new FakeTimeProvider(Start);
        Scheduler = new HistoricalScheduler(Start);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Time);
        services.AddSingleton<IScheduler>(Scheduler);
        services.AddScarletRetail(o =>
        {
            o.DatabasePath = _dir.File("retail.db");
            o.CropDirectory = _dir.File("crops");
            configure?.Invoke(o);
        });
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        if (startPipeline)
        {
            Pipeline.Start();
        }
    }

    public FakeTimeProvider Time { get; }

    public HistoricalScheduler Scheduler { get; }

    public string Dir => _dir.Path;

    public T Get<T>()
        where T : notnull => _provider.GetRequiredService<T>();

    public SqliteDatabase Database => (SqliteDatabase)Get<SqlDatabase>();

    public ScarletEventStream Stream => Get<ScarletEventStream>();

    public CustomerService Customers => Get<CustomerService>();

    public PrivacyService Privacy => Get<PrivacyService>();

    public CustomerMergeService Merges => Get<CustomerMergeService>();

    public PromotionEngine Promotions => Get<PromotionEngine>();

    public RecommendationService Recommendations => Get<RecommendationService>();

    public VisitAnalytics Visits => Get<VisitAnalytics>();

    public AlertEngine Alerts => Get<AlertEngine>();

    public EventLog Log => Get<EventLog>();

    public RetailPipeline Pipeline => Get<RetailPipeline>();

    public IEventStore Events => Get<IEventStore>();

    public ICatalogStore Catalog => Get<ICatalogStore>();

    public async Task<string> OrgAsync(string id = "org-a")
    {
        await Get<IOrganizationStore>().EnsureAsync(id, id);
        return id;
    }

    /// <summary>Waits (real time, bounded) for the first event of a type matching a predicate, published after this call.</summary>
    public Task<T> NextAsync<T>(Func<T, bool>? predicate = null, int timeoutMs = 10_000)
        where T : ScarletEvent =>
        Stream.Events.OfType<T>().Where(e => predicate?.Invoke(e) ?? true).FirstAsync().Timeout(TimeSpan.FromMilliseconds(timeoutMs)).ToTask();

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        _dir.Dispose();
    }
}

/// <summary>Unit vectors for tests: a base direction per person plus small noise.</summary>
public static class Vectors
{
    public const int Dim = 128;

    public static float[] Person(int person, int sample = 0, float noise = 0.05f)
    {
        var rng = new Random((person * 7919) + 17);
        var v = new float[Dim];
        for (var i = 0; i < Dim; i++)
        {
            v[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        var n = new Random((person * 104729) + sample + 1);
        for (var i = 0; i < Dim; i++)
        {
            v[i] += noise * (float)((n.NextDouble() * 2) - 1) * 4;
        }

        var norm = MathF.Sqrt(v.Sum(x => x * x));
        for (var i = 0; i < Dim; i++)
        {
            v[i] /= norm;
        }

        return v;
    }

    public static float Cosine(float[] a, float[] b)
    {
        float dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return dot / MathF.Sqrt(na * nb);
    }
}
