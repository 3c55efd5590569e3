using System.Numerics.Tensors;
using OpenCvSharp;
using Scarlet.Evaluation.Recognition;
using Scarlet.Testing;
using Scarlet.Vision;
using Xunit.Abstractions;

namespace Scarlet.Recognition.Tests;

/// <summary>
/// The HSE faceres descriptors converted from human-models, run as embedders through the existing options
/// (<see cref="EmbeddingNormalization.Raw"/>; size and dimension read from the model) on real faces, through YuNet and
/// the ArcFace alignment as the hosts do. Their LFW and open-set figures are in docs/recognition.md.
/// </summary>
public sealed class HumanDescriptorTests(RecognitionFixture models, ITestOutputHelper output) : IClassFixture<RecognitionFixture>
{
    [HumanModelsTheory]
    [InlineData("faceres-deep")]
    [InlineData("faceres")]
    public void Faceres_descriptors_embed_through_the_options_and_separate_people(string id)
    {
        using var embedder = new OnnxFaceEmbedder(HumanModels.Onnx(id), FaceEmbedderOptions.For(EmbeddingNormalization.Raw, flip: true), modelId: id);
        Assert.Equal(1024, embedder.Dimension);
        Assert.Equal(224, embedder.CropSize);

        // The first 30 same and 30 different pairs of LFW fold 1: the same-person pair must outrank the different one.
        var all = LfwPairs.Load(Path.Combine(TestAssets.Lfw, "pairs.txt")).Take(30).Pairs;
        var pairs = all.Where(p => p.Fold == all.Min(q => q.Fold)).ToList();
        var same = new List<float>();
        var different = new List<float>();
        foreach (var pair in pairs)
        {
            var cosine = TensorPrimitives.Dot(Embed(embedder, pair.ImageA), Embed(embedder, pair.ImageB));
            (pair.Same ? same : different).Add(cosine);
        }

        Assert.Equal(30, same.Count);
        Assert.Equal(30, different.Count);
        var auc = same.Sum(s => different.Count(d => d < s) + (0.5 * different.Count(d => d == s))) / (30.0 * 30.0);
        output.WriteLine($"{id}: same {same.Average():F3}, different {different.Average():F3}, AUC {auc:F4}");
        Assert.True(auc >= MinimumAuc, $"{id}: AUC {auc:F4} < {MinimumAuc}");
    }

    // Measured 2026-12-06 on these 60 pairs: faceres-deep 0.989, faceres 0.999 (MobileFaceNet's level on LFW is ~0.999);
    // 0.95 leaves room for about 40 of the 900 same/different orderings to swap.
    private const double MinimumAuc = 0.95;

    private float[] Embed(OnnxFaceEmbedder embedder, string relative)
    {
        using var image = Cv2.ImRead(Path.Combine(TestAssets.Lfw, "images", relative), ImreadModes.Color);
        using var crop = models.LargestFaceCrop(image) ?? throw new InvalidOperationException($"no face in {relative}");
        return embedder.Embed(crop);
    }
}
