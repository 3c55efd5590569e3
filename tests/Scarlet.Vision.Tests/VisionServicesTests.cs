using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using Scarlet.Testing;
using Scarlet.Vision.Models;

namespace Scarlet.Vision.Tests;

public sealed class VisionServicesTests
{
    [Fact]
    public void Options_defaults_are_the_documented_ones()
    {
        var o = new VisionOptions();
        Assert.Equal("yunet-2023mar", o.FaceDetectorModel);
        Assert.Equal("yolox-nano", o.PersonDetectorModel);
        Assert.Equal(ExecutionProviderKind.Cpu, o.Inference.ExecutionProvider);
        Assert.False(o.Inference.AllowCpuFallback);
        Assert.Equal(0.6f, o.FaceDetector.ScoreThreshold);
        Assert.Equal(0.3f, o.FaceDetector.NmsThreshold);
        Assert.Equal(0.3f, o.PersonDetector.ScoreThreshold);
        Assert.Equal(0.45f, o.PersonDetector.NmsThreshold);
        Assert.True(o.Models.AllowDownload);
    }

    [Fact]
    public void Invalid_options_fail_at_start_with_every_reason()
    {
        using var sp = new ServiceCollection().AddScarletVision(o =>
        {
            o.FaceDetector.ScoreThreshold = 2f;
            o.PersonDetector.MaxPersons = 0;
            o.Inference.IntraOpThreads = -1;
        }).Services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<VisionOptions>>().Value);
        Assert.Contains("ScoreThreshold", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxPersons", ex.Message, StringComparison.Ordinal);
        Assert.Contains("thread", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Detectors_resolve_and_share_one_session_per_model()
    {
        using var sp = new ServiceCollection().AddScarletVision(o =>
        {
            o.Models.ModelsDirectory = TestAssets.ModelsDir;
            o.Models.AllowDownload = false;
            o.Inference.IntraOpThreads = 1;
        }).Services.BuildServiceProvider();
        var faces = sp.GetRequiredService<IFaceDetector>();
        var persons = sp.GetRequiredService<IPersonDetector>();
        Assert.Same(faces, sp.GetRequiredService<IFaceDetector>());
        var cache = sp.GetRequiredService<InferenceSessionCache>();
        Assert.Same(cache.Get(TestAssets.YuNet), cache.Get(TestAssets.YuNet));
        Assert.Equal(ExecutionProviderKind.Cpu, cache.ActiveProvider);
        using var image = Cv2.ImRead(TestAssets.Data("faces/face_recognition/_group/two_people.jpg"));
        Assert.Equal(2, faces.Detect(image).Count);
        Assert.Equal(2, persons.Detect(image).Count);
    }

    [Fact]
    public void Cuda_without_a_GPU_build_is_an_error_not_a_silent_fallback()
    {
        var options = new InferenceOptions { ExecutionProvider = ExecutionProviderKind.Cuda };
        var ex = Assert.Throws<InvalidOperationException>(() => options.CreateSessionOptions(out _, out _));
        Assert.Contains("CUDA", ex.Message, StringComparison.Ordinal);

        var fallback = new InferenceOptions { ExecutionProvider = ExecutionProviderKind.Cuda, AllowCpuFallback = true };
        using var so = fallback.CreateSessionOptions(out var active, out var reason);
        Assert.Equal(ExecutionProviderKind.Cpu, active);
        Assert.NotNull(reason);
    }
}
