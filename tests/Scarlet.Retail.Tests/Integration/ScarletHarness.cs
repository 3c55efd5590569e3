using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OpenCvSharp;
using Scarlet.Recognition;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Testing;

namespace Scarlet.Retail.Tests.Integration;

/// <summary>All four layers through <c>AddScarlet</c>, on real models and a real SQLite file, with a fake clock and a virtual-time scheduler.</summary>
internal sealed class ScarletHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2025, 3, 10, 9, 0, 0, TimeSpan.Zero);

    private readonly ServiceProvider _provider;

    /// <param name="dir">Folder of the database and snapshots (kept by the caller, so a second harness can reopen it).</param>
    /// <param name="snapshots">Whether gallery snapshots are written.</param>
    /// <param name="gallery">Changes the gallery thresholds (after the defaults).</param>
    /// <param name="retail">Changes the retail options (after the database path).</param>
    /// <param name="snapshotDelay">How long after a change its snapshot is written; zero (the default here) writes after every change.</param>
    public ScarletHarness(string dir, bool snapshots = true, Action<FaceGalleryOptions>? gallery = null, Action<RetailOptions>? retail = null, TimeSpan? snapshotDelay = null)
    {
        Dir = dir;
        Time = new FakeTimeProvider(Start);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Time);
        services.AddSingleton<IScheduler>(new HistoricalScheduler(Start));
        services.AddScarletVision(v =>
        {
            v.Models.ModelsDirectory = TestAssets.ModelsDir;
            v.Models.AllowDownload = false;
        });
        services.AddScarletRecognition(r => gallery?.Invoke(r.Gallery));
        services.AddScarletFaceIdentity(f =>
        {
            f.SnapshotDirectory = snapshots ? Path.Combine(dir, "galleries") : null;
            f.SnapshotDelay = snapshotDelay ?? TimeSpan.Zero;
        });
        services.AddScarlet(r =>
        {
            r.DatabasePath = Path.Combine(dir, "retail.db");
            retail?.Invoke(r);
        });
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        _provider.GetRequiredService<IStartupValidator>().Validate();
        Pipeline.Start();
    }

    public string Dir { get; }

    public FakeTimeProvider Time { get; }

    public T Get<T>()
        where T : notnull => _provider.GetRequiredService<T>();

    public FaceIdentityService Faces => Get<FaceIdentityService>();

    public CustomerService Customers => Get<CustomerService>();

    public CustomerMergeService Merges => Get<CustomerMergeService>();

    public RetailPipeline Pipeline => Get<RetailPipeline>();

    public ScarletEventStream Stream => Get<ScarletEventStream>();

    public static ConsentRecord Consent => new("till-3", Start, "signed form");

    /// <summary>The n-th (1-based, sorted by name) LFW photo (250x250 JPEG) of a person.</summary>
    public static string LfwPath(string person, int number) =>
        Directory.GetFiles(TestAssets.Data(Path.Combine("faces", "lfw", "images", person)), "*.jpg").Order(StringComparer.Ordinal).ElementAt(number - 1);

    /// <summary>The n-th LFW photo of a person, decoded.</summary>
    public static Mat Lfw(string person, int number)
    {
        var path = LfwPath(person, number);
        var mat = Cv2.ImRead(path, ImreadModes.Color);
        Assert.False(mat.Empty(), path);
        return mat;
    }

    public async Task<string> OrgAsync(string id)
    {
        await Get<IOrganizationStore>().EnsureAsync(id, id);
        return id;
    }

    public async Task<Customer> EnrolAsync(string org, string name, string person, int number)
    {
        using var image = Lfw(person, number);
        return (await Faces.RegisterAsync(org, new FaceRegistration { Name = name, Consent = Consent }, [image])).Customer;
    }

    /// <summary>The embedding of the largest face of an LFW photo, through the registration's own recogniser.</summary>
    public float[] Embed(string person, int number)
    {
        using var image = Lfw(person, number);
        return Get<FaceRecognizer>().LargestFace(image).Embedding!;
    }

    /// <summary>Identifies an LFW photo; returns the sighting of its largest face (LFW photos may show people behind).</summary>
    public async Task<FaceSighting> IdentifyAsync(string org, string person, int number, string? zone = null)
    {
        using var image = Lfw(person, number);
        var sightings = await Faces.IdentifyAsync(org, image, "cam-1", zone, Time.GetUtcNow());
        Assert.NotEmpty(sightings);
        return sightings.MaxBy(s => s.Box.Width * s.Box.Height)!;
    }

    public Task<T> NextAsync<T>(Func<T, bool>? predicate = null, int timeoutMs = 20_000)
        where T : ScarletEvent =>
        Stream.Events.OfType<T>().Where(e => predicate?.Invoke(e) ?? true).FirstAsync().Timeout(TimeSpan.FromMilliseconds(timeoutMs)).ToTask();

    public async ValueTask DisposeAsync()
    {
        Pipeline.Stop();
        await _provider.DisposeAsync();
    }
}
