using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using Scarlet.Retail.Events;
using Scarlet.Retail.Storage;
using Scarlet.Retail.Tests.Support;
using Scarlet.Testing;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;

namespace Scarlet.Retail.Tests.Cameras;

/// <summary>
/// <see cref="StoreCamera"/> and <see cref="StoreCameraRegistry"/> through <c>AddScarletStoreCameras</c> on real models
/// and real video: the first 30 frames of PETS09 vtest.avi (768x576, several walkers) as an image folder played at 10 fps.
/// </summary>
public sealed class StoreCameraTests : IAsyncLifetime
{
    private const string Org = "org-a";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly TempDir _dir = new();
    private ServiceProvider _provider = null!;

    private StoreCameraRegistry Cameras => _provider.GetRequiredService<StoreCameraRegistry>();

    private string Clip => _dir.File("clip");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Clip);
        using (var video = new VideoCapture(TestAssets.VtestVideo))
        using (var frame = new Mat())
        {
            for (var i = 0; i < 30 && video.Read(frame) && !frame.Empty(); i++)
            {
                Cv2.ImWrite(Path.Combine(Clip, $"{i:D4}.jpg"), frame);
            }
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddScarletVision(v =>
        {
            v.Models.ModelsDirectory = TestAssets.ModelsDir;
            v.Models.AllowDownload = false;
        });
        services.AddScarletRecognition();
        services.AddScarletFaceIdentity(f => f.SnapshotDirectory = null);
        services.AddScarlet(r => r.DatabasePath = _dir.File("retail.db")).AddCameraPipelines();
        services.AddScarletStoreCameras(o =>
        {
            o.ProcessingFps = 10;
            o.JpegQuality = 60;
        });
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        _provider.GetRequiredService<IStartupValidator>().Validate();
        await _provider.GetRequiredService<IOrganizationStore>().EnsureAsync(Org, Org);
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_store_camera_on_real_video_tracks_people_publishes_their_visit_and_zone_and_reports_its_state()
    {
        var stream = _provider.GetRequiredService<ScarletEventStream>();
        var entered = stream.Events.OfType<PersonEnteredStoreEvent>().Where(e => e.CameraId == "pets").FirstAsync().Timeout(Wait).ToTask();
        var zone = stream.Events.OfType<ZoneEnteredEvent>().Where(e => e.Zone == "aisle-1").FirstAsync().Timeout(Wait).ToTask();

        var camera = Cameras.TryAdd(new StoreCameraDefinition("pets", Clip) { StoreId = "store-1", Zone = "aisle-1", Loop = false }, Org, null, start: false)!;
        Assert.NotNull(camera);
        Assert.Equal((StoreCameraState.Stopped, 0L, (0, 0)), (camera.State, camera.FramesProcessed, camera.FrameSize));
        var withPeople = camera.Frames.Where(f => f.Persons.Count > 0).FirstAsync().Timeout(Wait).ToTask();
        var trackEntered = camera.Events.Where(e => e.Kind == TrackingEventKind.PersonEntered).FirstAsync().Timeout(Wait).ToTask();
        camera.Start();

        var frame = await withPeople;
        Assert.Same(camera, frame.Camera);
        Assert.All(frame.Persons, p => Assert.Equal($"person-{p.Track.GlobalId}", p.PersonId));
        Assert.All(frame.Persons, p => Assert.Null(p.Identity)); // nobody is enrolled: nobody is named

        var track = await trackEntered;
        var visit = await entered;
        Assert.Equal((Org, "store-1", $"person-{track.GlobalId}"), (visit.OrganizationId, visit.StoreId, visit.PersonId));
        Assert.Equal(Org, (await zone).OrganizationId);

        // The annotated image is a JPEG of the frame.
        var image = await camera.NextImageAsync(-1, new CancellationTokenSource(Wait).Token);
        using (var decoded = Cv2.ImDecode(image.Jpeg, ImreadModes.Color))
        {
            Assert.Equal((768, 576), (decoded.Width, decoded.Height));
        }

        Assert.Equal((768, 576), camera.FrameSize);
        Assert.NotNull(camera.LastSeen);

        camera.Pause();
        Assert.Equal(StoreCameraState.Paused, camera.State);
        camera.Start(); // resumes
        Assert.NotEqual(StoreCameraState.Paused, camera.State);

        // The 30 frames end (no loop): the camera says so; the registry keeps organisations apart.
        using var ended = new CancellationTokenSource(Wait);
        while (camera.State != StoreCameraState.Ended)
        {
            await Task.Delay(100, ended.Token);
        }

        Assert.InRange(camera.FramesProcessed, 2, 30);
        Assert.Null(Cameras.Get("pets", "org-b"));
        Assert.Null(Cameras.TryAdd(new StoreCameraDefinition("pets", Clip), "org-b", null, start: false));
        Assert.Same(camera, Assert.Single(Cameras.Of(Org)));

        // Removing a camera completes its observables.
        var completed = camera.Frames.LastOrDefaultAsync().ToTask();
        Assert.True(await Cameras.RemoveAsync("pets", Org));
        await completed.WaitAsync(Wait);
        Assert.Null(Cameras.Get("pets", Org));
        Assert.Equal(StoreCameraState.Stopped, camera.State);
    }

    [Fact]
    public void A_camera_that_cannot_open_is_in_error_without_throwing_and_bad_definitions_are_refused()
    {
        var missing = _dir.File("missing.avi");
        var camera = Cameras.TryAdd(new StoreCameraDefinition("gone", missing), Org, null, start: true)!;
        Assert.Equal(StoreCameraState.Error, camera.State);
        Assert.NotNull(camera.LastError);
        Assert.Null(camera.Health);

        Assert.Throws<ArgumentException>(() => new StoreCameraDefinition("bad id!", Clip).Validate());
        Assert.Throws<ArgumentException>(() => new StoreCameraDefinition("cam", "ftp://host/video").Validate());
        Assert.Throws<ArgumentException>(() => new StoreCameraDefinition("cam", missing).Validate());
        new StoreCameraDefinition("cam", "rtsp://user:secret@10.0.0.5/stream").Validate();
        new StoreCameraDefinition("cam", Clip).Validate();
        Assert.Equal("rtsp://***@10.0.0.5/stream", FrameSourceFactory.Redact("rtsp://user:secret@10.0.0.5/stream"));
        Assert.Equal(missing, FrameSourceFactory.Redact(missing));
    }
}
