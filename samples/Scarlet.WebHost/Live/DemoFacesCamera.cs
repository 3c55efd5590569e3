using Microsoft.Extensions.Options;
using OpenCvSharp;
using Scarlet.Recognition;
using Scarlet.Retail;

namespace Scarlet.WebHost.Live;

/// <summary>
/// The demo camera that shows recognition (<c>Scarlet:Demo:Customers</c>, on in <c>./scripts/start.sh</c>, off
/// otherwise): a short clip built at start from LFW photos (shared data, research use only) of two people enrolled as demo
/// customers and one stranger, each walking past the PETS09 background for a few seconds, plus a demo promotion in the
/// entrance zone, so the dashboard shows a customer identified on a camera, the promotion and the recommendation.
/// </summary>
internal sealed class DemoFacesCamera(FaceIdentityService faces, PromotionEngine promotions, IOptions<ScarletHostOptions> options, ILogger<DemoFacesCamera> logger)
{
    public const string CameraId = "demo-faces";
    private const string PromotionTitle = "Demo: welcome back, 10 % off espresso beans";
    private const int FramesPerPhoto = 15; // 1.5 s at the folder's 10 fps
    private const int GapFrames = 40; // 4 s of empty scene: the track ends (3 s unseen) before the next person
    private const string ClipVersion = ".clip-v2-empty-street";

    // LFW people with many photos: the first three photos of a customer are enrolled, the others are shown.
    private static readonly (string Person, string Name, string Email)[] s_customers =
    [
        ("Tony_Blair", "Tony (demo customer)", "tony.demo@scarlet.example"),
        ("Silvio_Berlusconi", "Silvio (demo customer)", "silvio.demo@scarlet.example"),
    ];

    private const string Stranger = "Hans_Blix";

    /// <summary>Builds the clip (once), enrols the demo customers and the promotion (once); null when the photos are not found.</summary>
    public async Task<CameraConfig?> PrepareAsync(string video, CancellationToken ct)
    {
        var o = options.Value;
        var lfw = ResolvePhotos(o.Demo.Photos, video);
        if (lfw is null)
        {
            logger.LogWarning("Demo faces camera disabled: no LFW photos found (set Scarlet:Demo:Photos to faces/lfw/images of the shared data)");
            return null;
        }

        var clip = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(o.Storage.Path)) ?? ".", "demo-faces");
        // The marker names the clip's version: a data folder kept from before the empty street gets the new clip.
        if (!File.Exists(Path.Combine(clip, ClipVersion)) || Directory.GetFiles(clip, "*.jpg").Length == 0)
        {
            if (Directory.Exists(clip))
            {
                Directory.Delete(clip, recursive: true);
            }

            Build(lfw, video, clip);
            File.WriteAllText(Path.Combine(clip, ClipVersion), "people over the median street of the demo video\n");
        }

        Customer? first = null;
        foreach (var (person, name, email) in s_customers)
        {
            // Enrol each one; `first ??= await ...` would skip every enrolment after the first.
            var customer = await EnrolAsync(o.Organization, Photos(lfw, person).Take(3).ToList(), name, email, ct);
            first ??= customer;
        }

        if (first is not null && !(await promotions.GetPromotionsForAsync(o.Organization, first.Id, "entrance", cancellationToken: ct)).Any(p => p.Title == PromotionTitle))
        {
            var now = DateTimeOffset.UtcNow;
            await promotions.CreateAsync(o.Organization, new PromotionDraft { Title = PromotionTitle, Discount = "10%", Zones = ["entrance"], ValidFrom = now.AddDays(-1), ValidTo = now.AddYears(1), Priority = 10 }, ct);
        }

        return new CameraConfig { Id = CameraId, Name = "Demo camera: enrolled customers (LFW photos)", Source = clip, Location = "store", Zone = "entrance", Loop = true };
    }

    private async Task<Customer?> EnrolAsync(string org, List<string> photos, string name, string email, CancellationToken ct)
    {
        var mats = photos.Select(p => Cv2.ImRead(p, ImreadModes.Color)).ToList();
        try
        {
            var result = await faces.RegisterAsync(org, new FaceRegistration { Name = name, Email = email, Consent = new ConsentRecord("scarlet-demo", DateTimeOffset.UtcNow, "demo data (LFW, research use)") }, mats, ct);
            logger.LogInformation("Demo customer {Name} enrolled as {Customer}", name, result.Customer.Id);
            return result.Customer;
        }
        catch (Exception ex) when (ex is DuplicateEntityException or DuplicateFaceException)
        {
            // Enrolled by an earlier start: the data folder keeps customers.
            return null;
        }
        catch (Exception ex) when (ex is NoUsableFaceException or ArgumentException)
        {
            logger.LogWarning("Demo customer {Name} not enrolled: {Reason}", name, ex.Message);
            return null;
        }
        finally
        {
            mats.ForEach(m => m.Dispose());
        }
    }

    // Found like the demo video: the configured folder, then faces/lfw/images beside or above SCARLET_MEDIA, media/,
    // ../shared/data/ and the video's folder.
    private static string? ResolvePhotos(string? configured, string video)
    {
        var media = Environment.GetEnvironmentVariable("SCARLET_MEDIA");
        var videoDir = Path.GetDirectoryName(Path.GetFullPath(video));
        string?[] candidates =
        [
            configured,
            media is null ? null : Path.Combine(media, "faces", "lfw", "images"),
            media is null ? null : Path.Combine(media, "..", "faces", "lfw", "images"),
            Path.Combine("media", "faces", "lfw", "images"),
            Path.Combine("..", "shared", "data", "faces", "lfw", "images"),
            videoDir is null ? null : Path.Combine(videoDir, "..", "faces", "lfw", "images"),
        ];
        return candidates.FirstOrDefault(c => c is not null && s_customers.All(p => Directory.Exists(Path.Combine(c, p.Person))) && Directory.Exists(Path.Combine(c, Stranger)));
    }

    private static IEnumerable<string> Photos(string lfw, string person) =>
        Directory.GetFiles(Path.Combine(lfw, person), "*.jpg").Order(StringComparer.Ordinal);

    // Customer 1, the stranger, customer 2: four photos each (not the enrolled ones), moving slowly left to right over
    // the demo video's empty street, with an empty gap between people. The street is the per-pixel median of frames
    // spread over the clip (its walkers removed): over the moving clip itself, every 30 s loop brought that clip's
    // pedestrians back as new anonymous visitors (about 20 "visits" a loop beside the three people the camera is for).
    private static void Build(string lfw, string video, string clip)
    {
        Directory.CreateDirectory(clip);
        using var background = EmptyStreet(video);
        var n = 0;
        void Write(Mat frame) => Cv2.ImWrite(Path.Combine(clip, $"{n++:D5}.jpg"), frame, new ImageEncodingParam(ImwriteFlags.JpegQuality, 90));

        string[] people = [s_customers[0].Person, Stranger, s_customers[1].Person];
        foreach (var person in people)
        {
            var shown = Photos(lfw, person).Skip(person == Stranger ? 0 : 3).Take(4).ToList();
            for (var i = 0; i < shown.Count * FramesPerPhoto; i++)
            {
                using var photo = Cv2.ImRead(shown[i / FramesPerPhoto], ImreadModes.Color);
                var side = background.Height * 2 / 5;
                var x = (int)((background.Width - side) * (0.15 + (0.6 * i / (shown.Count * FramesPerPhoto))));
                using var frame = background.Clone();
                using var target = new Mat(frame, new Rect(x, background.Height / 8, side, side));
                Cv2.Resize(photo, target, new Size(side, side), 0, 0, InterpolationFlags.Area);
                Write(frame);
            }

            for (var i = 0; i < GapFrames; i++)
            {
                Write(background);
            }
        }
    }

    // The per-pixel median of MedianFrames frames spread evenly over the video: what stays still (the street) wins over
    // what passes (the walkers), as in background estimation. Built once per data folder.
    private static Mat EmptyStreet(string video)
    {
        const int MedianFrames = 31;
        using var capture = new VideoCapture(video);
        var count = Math.Max(1, (int)capture.Get(VideoCaptureProperties.FrameCount));
        var samples = new List<byte[]>(MedianFrames);
        using var frame = new Mat();
        int width = 0, height = 0;
        for (var k = 0; k < MedianFrames; k++)
        {
            capture.Set(VideoCaptureProperties.PosFrames, (long)k * count / MedianFrames);
            if (!capture.Read(frame) || frame.Empty())
            {
                continue;
            }

            (width, height) = (frame.Width, frame.Height);
            using var copy = frame.IsContinuous() ? null : frame.Clone();
            var bytes = new byte[width * height * 3];
            System.Runtime.InteropServices.Marshal.Copy((copy ?? frame).Data, bytes, 0, bytes.Length);
            samples.Add(bytes);
        }

        if (samples.Count == 0)
        {
            throw new InvalidOperationException($"No frame could be read from {video}.");
        }

        var median = new byte[samples[0].Length];
        Span<byte> values = stackalloc byte[MedianFrames];
        for (var i = 0; i < median.Length; i++)
        {
            for (var k = 0; k < samples.Count; k++)
            {
                values[k] = samples[k][i];
            }

            var v = values[..samples.Count];
            v.Sort();
            median[i] = v[v.Length / 2];
        }

        var street = new Mat(height, width, MatType.CV_8UC3);
        System.Runtime.InteropServices.Marshal.Copy(median, 0, street.Data, median.Length);
        return street;
    }
}
