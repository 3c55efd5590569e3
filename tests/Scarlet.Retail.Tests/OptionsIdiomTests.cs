using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scarlet.Recognition;
using Scarlet.Tracking;
using Scarlet.Vision;

namespace Scarlet.Retail.Tests;

/// <summary>One options idiom (issue 15): every <c>AddScarletX</c> binds, configures and validates its options the same way.</summary>
public sealed class OptionsIdiomTests
{
    private static IConfiguration Config(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    [Fact]
    public void AddScarlet_binds_each_layer_from_its_own_section()
    {
        var config = Config(
            ("Scarlet:Vision:Models:ModelsDirectory", "/models"),
            ("Scarlet:Vision:Inference:IntraOpThreads", "3"),
            ("Scarlet:Recognition:Gallery:MatchThreshold", "0.6"),
            ("Scarlet:Recognition:Gallery:DuplicateThreshold", "0.8"),
            ("Scarlet:Tracking:FrameRate", "12"),
            ("Scarlet:Retail:DatabasePath", "store.db"),
            ("Scarlet:FaceIdentity:DefaultCameraId", "door"));
        var services = new ServiceCollection();
        var builder = services.AddScarlet(config.GetSection("Scarlet"));
        Assert.Same(services, builder.Services);
        using var sp = services.BuildServiceProvider();
        sp.GetRequiredService<IStartupValidator>().Validate();

        var vision = sp.GetRequiredService<IOptions<VisionOptions>>().Value;
        Assert.Equal(("/models", 3), (vision.Models.ModelsDirectory, vision.Inference.IntraOpThreads));
        Assert.Equal(0.6f, sp.GetRequiredService<IOptions<RecognitionOptions>>().Value.Gallery.MatchThreshold);
        Assert.Equal(12, sp.GetRequiredService<IOptions<TrackerOptions>>().Value.FrameRate);
        Assert.Equal("store.db", sp.GetRequiredService<IOptions<RetailOptions>>().Value.DatabasePath);
        Assert.Equal("door", sp.GetRequiredService<IOptions<FaceIdentityOptions>>().Value.DefaultCameraId);
    }

    [Fact]
    public void The_three_overloads_give_the_same_options_and_the_same_validation()
    {
        static RetailOptions Resolve(Func<IServiceCollection, IScarletBuilder> add)
        {
            var services = new ServiceCollection();
            Assert.Same(services, add(services).Services);
            using var sp = services.BuildServiceProvider();
            sp.GetRequiredService<IStartupValidator>().Validate();
            return sp.GetRequiredService<IOptions<RetailOptions>>().Value;
        }

        var bound = Resolve(s => s.AddScarletRetail(Config(("DatabasePath", "a.db"), ("RecommendationCount", "5"))));
        var configured = Resolve(s => s.AddScarletRetail(o => (o.DatabasePath, o.RecommendationCount) = ("a.db", 5)));
        var both = Resolve(s => s.AddScarletRetail().AddRetail(o => (o.DatabasePath, o.RecommendationCount) = ("a.db", 5)));
        Assert.Equal((bound.DatabasePath, bound.RecommendationCount), (configured.DatabasePath, configured.RecommendationCount));
        Assert.Equal((bound.DatabasePath, bound.RecommendationCount), (both.DatabasePath, both.RecommendationCount));

        // A field rule (DataAnnotations) and a rule across fields, each refused when the host starts, whatever the overload.
        foreach (var add in new Action<IServiceCollection>[]
        {
            s => s.AddScarletRetail(Config(("DatabasePath", "a.db"), ("RecommendationCount", "0"))),
            s => s.AddScarletRetail(o => o.DatabasePath = "a.db").Services.AddScarletRetail(o => o.RecommendationCount = 0),
        })
        {
            var services = new ServiceCollection();
            add(services);
            using var sp = services.BuildServiceProvider();
            var ex = Assert.ThrowsAny<Exception>(() => sp.GetRequiredService<IStartupValidator>().Validate());
            Assert.Contains("RecommendationCount", ex.ToString(), StringComparison.Ordinal);
        }

        using var empty = new ServiceCollection().AddScarletRetail().Services.BuildServiceProvider();
        Assert.Contains("DatabasePath is required", Assert.ThrowsAny<Exception>(() => empty.GetRequiredService<IStartupValidator>().Validate()).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Recognition_uses_the_vision_layers_face_detector_and_locator()
    {
        // One face detector registration, configured by VisionOptions alone (RecognitionOptions no longer names one).
        var services = new ServiceCollection();
        services.AddScarletVision(v => v.FaceDetectorModel = "yunet-n-dynamic");
        services.AddScarletRecognition();
        services.AddScarletFaceAttributes();
        Assert.Single(services, d => d.ServiceType == typeof(IFaceDetector));
        Assert.Single(services, d => d.ServiceType == typeof(Scarlet.Vision.Models.ModelLocator));
        Assert.DoesNotContain(typeof(RecognitionOptions).GetProperties(), p => p.Name.Contains("Detector", StringComparison.Ordinal));
    }

    [Fact]
    public void A_misspelt_execution_provider_stops_the_host()
    {
        using var misspelt = new ServiceCollection().AddScarletVision(Config(("Inference:ExecutionProvider", "Gpu"))).Services.BuildServiceProvider();
        Assert.Throws<InvalidOperationException>(() => misspelt.GetRequiredService<IOptions<VisionOptions>>().Value);

        using var undefined = new ServiceCollection().AddScarletVision(Config(("Inference:ExecutionProvider", "7"))).Services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => undefined.GetRequiredService<IOptions<VisionOptions>>().Value);
        Assert.Contains("ExecutionProvider must be Cpu or Cuda", ex.Message, StringComparison.Ordinal);
    }
}
