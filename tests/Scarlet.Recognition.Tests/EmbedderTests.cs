using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using Scarlet.Testing;
using Scarlet.Vision.Models;
using Xunit.Abstractions;

namespace Scarlet.Recognition.Tests;

public sealed class EmbedderTests(RecognitionFixture models, ITestOutputHelper output) : IClassFixture<RecognitionFixture>
{
    [Fact]
    public void Model_parameters_are_read_from_the_session()
    {
        Assert.Equal("mobilefacenet", models.Embedder.ModelId);
        Assert.Equal(128, models.Embedder.Dimension);
        Assert.Equal(112, models.Embedder.CropSize);
        Assert.True(models.Embedder.FlipAugmentation);
        Assert.False(models.EmbedderNoFlip.FlipAugmentation);
    }

    [Fact]
    public void Embeddings_are_unit_length_deterministic_and_flip_changes_them()
    {
        using var image = Cv2.ImRead(RecognitionFixture.Face("face_recognition/obama/obama.jpg"));
        using var crop = models.LargestFaceCrop(image);
        Assert.NotNull(crop);
        var a = models.Embedder.Embed(crop);
        var b = models.Embedder.Embed(crop);
        var c = models.EmbedderNoFlip.Embed(crop);
        Assert.Equal(128, a.Length);
        Assert.Equal(1f, TensorPrimitives.Norm(a), 4);
        Assert.Equal(1f, TensorPrimitives.Norm(c), 4);
        Assert.Equal(a, b);
        var cos = TensorPrimitives.Dot(a, c);
        output.WriteLine($"cos(flip, no flip) = {cos:F4}");
        Assert.InRange(cos, 0.9f, 0.9999f);
    }

    [Fact]
    public void Batch_equals_one_by_one()
    {
        using var i1 = Cv2.ImRead(RecognitionFixture.Face("face_recognition/obama/obama.jpg"));
        using var i2 = Cv2.ImRead(RecognitionFixture.Face("face_recognition/biden/biden2.jpg"));
        using var c1 = models.LargestFaceCrop(i1)!;
        using var c2 = models.LargestFaceCrop(i2)!;
        var batch = models.Embedder.Embed([c1, c2]);
        Assert.Equal(models.Embedder.Embed(c1), batch[0]);
        Assert.Equal(models.Embedder.Embed(c2), batch[1]);
    }

    [Fact]
    public void Tensor_matches_a_naive_reference()
    {
        using var image = Cv2.ImRead(RecognitionFixture.Face("face_recognition/obama/obama.jpg"));
        using var crop = models.LargestFaceCrop(image)!;
        foreach (var flip in new[] { false, true })
        {
            var fast = new float[3 * 112 * 112];
            models.Embedder.WriteTensor(crop, fast, flip);
            float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
            var maxDiff = 0f;
            for (var c = 0; c < 3; c++)
            {
                for (var y = 0; y < 112; y++)
                {
                    for (var x = 0; x < 112; x++)
                    {
                        var px = crop.At<Vec3b>(y, flip ? 111 - x : x);
                        var v = ((px[2 - c] / 255f) - mean[c]) / std[c]; // RGB plane c = BGR channel 2 - c
                        maxDiff = MathF.Max(maxDiff, MathF.Abs(v - fast[(c * 112 * 112) + (y * 112) + x]));
                    }
                }
            }

            Assert.True(maxDiff < 1e-4f, $"flip {flip}: max diff {maxDiff}");
        }
    }

    [Fact]
    public void Same_person_is_closer_than_different_people()
    {
        var obama1 = models.EmbedFile(RecognitionFixture.Face("face_recognition/obama/obama.jpg"));
        var obama2 = models.EmbedFile(RecognitionFixture.Face("face_recognition/obama/obama2.jpg"));
        var biden = models.EmbedFile(RecognitionFixture.Face("face_recognition/biden/biden2.jpg"));
        var same = TensorPrimitives.Dot(obama1, obama2);
        var diff = TensorPrimitives.Dot(obama1, biden);
        output.WriteLine($"obama-obama {same:F3}, obama-biden {diff:F3}");
        Assert.True(same > 0.5f, $"same {same}");
        Assert.True(diff < 0.3f, $"diff {diff}");
    }

    [Fact]
    public void Bad_crops_and_buffers_give_clear_errors()
    {
        using var empty = new Mat();
        Assert.Throws<ArgumentException>(() => models.Embedder.Embed(empty));
        using var grey = new Mat(112, 112, MatType.CV_8UC1, Scalar.All(128));
        var ex = Assert.Throws<ArgumentException>(() => models.Embedder.Embed(grey));
        Assert.Contains("CV_8UC3", ex.Message, StringComparison.Ordinal);
        using var crop = new Mat(112, 112, MatType.CV_8UC3, Scalar.All(128));
        Assert.Throws<ArgumentException>(() => models.Embedder.Embed(crop, new float[10]));

        // Any size is resized to the model input.
        using var big = new Mat(224, 224, MatType.CV_8UC3, Scalar.All(90));
        Assert.Equal(128, models.Embedder.Embed(big).Length);
    }

    [Fact]
    public void Missing_or_wrong_models_are_refused()
    {
        Assert.Throws<ModelNotFoundException>(() => new OnnxFaceEmbedder(Path.Combine(TestAssets.ModelsDir, "nope.onnx")));
        var ex = Assert.Throws<NotSupportedException>(() => new OnnxFaceEmbedder(TestAssets.YuNet));
        output.WriteLine(ex.Message);
        Assert.Throws<ArgumentException>(() => new OnnxFaceEmbedder(TestAssets.MobileFaceNet, new FaceEmbedderOptions { Std = [0f, 1f, 1f] }));
    }

    [Fact]
    public void A_disposed_embedder_refuses_work()
    {
        var e = new OnnxFaceEmbedder(TestAssets.MobileFaceNet);
        e.Dispose();
        e.Dispose();
        using var crop = new Mat(112, 112, MatType.CV_8UC3, Scalar.All(128));
        Assert.Throws<ObjectDisposedException>(() => e.Embed(crop));
    }

    [Fact]
    public void A_shared_session_is_not_disposed_by_the_embedder()
    {
        using var session = new InferenceSession(TestAssets.MobileFaceNet);
        using (var e = new OnnxFaceEmbedder(session, "mobilefacenet"))
        {
            Assert.Equal(128, e.Dimension);
        }

        using var again = new OnnxFaceEmbedder(session, "mobilefacenet", new FaceEmbedderOptions { FlipAugmentation = false });
        using var crop = new Mat(112, 112, MatType.CV_8UC3, Scalar.All(100));
        Assert.Equal(128, again.Embed(crop).Length);
    }
}
