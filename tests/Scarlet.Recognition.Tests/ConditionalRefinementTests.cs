using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using Scarlet.Evaluation.Recognition;
using Scarlet.Testing;
using Scarlet.Vision;
using Scarlet.Vision.Models;
using Xunit.Abstractions;

namespace Scarlet.Recognition.Tests;

/// <summary>
/// The request path refines landmarks only near a decision boundary (<see cref="FaceRecognizer.RefinementMargin"/>):
/// its decisions must be those of the always-refined path, and a face far from every boundary must skip the refiner.
/// </summary>
public sealed class ConditionalRefinementTests(RecognitionFixture models, ITestOutputHelper output) : IClassFixture<RecognitionFixture>
{
    [Fact]
    public void Conditional_refinement_decides_as_always_refining_and_skips_faces_far_from_the_thresholds()
    {
        // Six LFW people with two photos each (same-person pairs of fold 1): the first photo enrolled, the second a probe.
        var lfw = LfwPairs.Load(TestAssets.Data("faces/lfw/pairs.txt"));
        var people = lfw.Pairs.Where(p => p.Same && p.Fold == 0).DistinctBy(p => Person(p.ImageA)).Take(6).ToList();
        var refiner = new MirrorLandmarkRefiner(models.Detector);
        using var gallery = new FaceGallery(models.Embedder.Dimension, models.Embedder.ModelId);
        var enrol = new FaceRecognizer(models.Detector, models.Embedder, gallery, landmarkRefiner: refiner);
        var images = new List<Mat>();
        var templates = new Dictionary<string, float[]>(StringComparer.Ordinal);
        try
        {
            foreach (var p in people)
            {
                var template = Read(p.ImageA);
                images.Add(template);
                templates[Person(p.ImageA)] = enrol.LargestFace(template).Embedding!;
                gallery.Import(Person(p.ImageA), [templates[Person(p.ImageA)]]);
                images.Add(Read(p.ImageB));
            }

            var always = new FaceRecognizer(models.Detector, models.Embedder, gallery, landmarkRefiner: refiner) { RefinementMargin = 2f };
            var never = new FaceRecognizer(models.Detector, models.Embedder, gallery, landmarkRefiner: refiner) { RefinementMargin = 0f };
            var conditional = new FaceRecognizer(models.Detector, models.Embedder, gallery, landmarkRefiner: refiner);
            Assert.Equal(FaceRecognizer.DefaultRefinementMargin, conditional.RefinementMargin);

            // Enrolled photos (similarity ~1, far), second photos (genuine, spread around the threshold) and, through a
            // gallery whose threshold sits at a probe's own unrefined similarity, faces certainly near it.
            var skipped = 0;
            var refined = 0;
            var near = 0;
            foreach (var image in images)
            {
                var expected = Largest(always.Recognize(image, gallery));
                var (actual, refines) = Traced(() => Largest(conditional.Recognize(image, gallery)));
                output.WriteLine($"{expected.Identity} -> {actual.Identity}, refine spans {refines}");
                Assert.Equal(expected.Identity!.Status, actual.Identity!.Status);
                Assert.Equal(expected.Identity.IdentityId, actual.Identity.IdentityId);
                // The rule is asked on the unrefined identification (the refined one may have moved out of the band).
                var unrefined = Largest(never.Recognize(image, gallery)).Identity!;
                Assert.Equal(FaceRecognizer.IsNearDecision(unrefined, gallery.Options, conditional.RefinementMargin) ? 1 : 0, refines);
                if (refines == 0)
                {
                    skipped++;
                    Assert.Equal(unrefined.Similarity, actual.Identity.Similarity);
                }
                else
                {
                    refined++;
                    Assert.Equal(expected.Embedding, actual.Embedding);
                }

                // The same face against a gallery whose match threshold is its own unrefined similarity: it must refine.
                var best = unrefined.Best!.Value;
                using var tight = new FaceGallery(gallery.Dimension, gallery.ModelId, new FaceGalleryOptions { MatchThreshold = best.Similarity, DuplicateThreshold = 1f });
                tight.Import(best.IdentityId, [templates[best.IdentityId]]);
                var nearExpected = Largest(always.Recognize(image, tight));
                var (nearActual, nearRefines) = Traced(() => Largest(conditional.Recognize(image, tight)));
                Assert.Equal(nearExpected.Identity!.Status, nearActual.Identity!.Status);
                Assert.Equal(1, nearRefines);
                near++;
            }

            output.WriteLine($"skipped {skipped}, refined {refined}, near-threshold refined {near}");
            Assert.True(skipped >= people.Count, $"every enrolled photo is far from the threshold: {skipped} skipped");
        }
        finally
        {
            foreach (var m in images)
            {
                m.Dispose();
            }
        }
    }

    [Fact]
    public void Margin_is_a_validated_option()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaceRecognizer(models.Detector, models.Embedder, new FaceGallery(models.Embedder.Dimension, models.Embedder.ModelId)) { RefinementMargin = -0.1f });
        Assert.Equal(FaceRecognizer.DefaultRefinementMargin, new RecognitionOptions().RefinementMargin);

        var services = new ServiceCollection();
        services.AddSingleton(new ModelLocator(new ModelLocatorOptions { ModelsDirectory = TestAssets.ModelsDir, AllowDownload = false }));
        services.AddScarletRecognition(o => o.RefinementMargin = 0.2f);
        using (var sp = services.BuildServiceProvider())
        {
            Assert.Equal(0.2f, sp.GetRequiredService<FaceRecognizer>().RefinementMargin);
        }

        var bad = new ServiceCollection();
        bad.AddScarletRecognition(o => o.RefinementMargin = 2.5f);
        using var badSp = bad.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => badSp.GetRequiredService<IOptions<RecognitionOptions>>().Value);
        Assert.Contains("RefinementMargin", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>The photo's subject: some LFW photos show a second, smaller face at the edge.</summary>
    private static RecognizedFace Largest(IReadOnlyList<RecognizedFace> faces)
    {
        Assert.NotEmpty(faces);
        return faces.MaxBy(f => f.Box.Area)!;
    }

    private static string Person(string image) => image.Split('/')[0];

    private static Mat Read(string relative)
    {
        var image = Cv2.ImRead(Path.Combine(TestAssets.Lfw, "images", relative), ImreadModes.Color);
        Assert.False(image.Empty(), relative);
        return image;
    }

    /// <summary>Runs <paramref name="action"/> in a trace of its own and counts its <c>face.refine</c> spans (other tests trace in parallel).</summary>
    private static (T Result, int Refines) Traced<T>(Func<T> action)
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name.StartsWith(ScarletDiagnostics.ActivitySourcePrefix, StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource(ScarletDiagnostics.ActivitySourcePrefix + "Tests");
        using var request = source.StartActivity("request") ?? throw new InvalidOperationException("not sampled");
        var result = action();
        return (result, stopped.Count(a => a.TraceId == request.TraceId && a.OperationName == "face.refine"));
    }
}
