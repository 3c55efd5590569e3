using System.Globalization;
using System.Numerics.Tensors;
using OpenCvSharp;
using Scarlet.Testing;
using Scarlet.Vision;
using Xunit.Abstractions;

namespace Scarlet.Tracking.Tests.ReId;

public sealed class OsNetReIdEmbedderTests(ITestOutputHelper output)
{
    [Fact]
    public void Same_people_a_second_later_are_their_own_nearest_neighbours_on_PETS09()
    {
        using var embedder = new OsNetReIdEmbedder(TestAssets.OsNet);
        Assert.Equal(512, embedder.Dimension);
        var gt = File.ReadLines(TestAssets.Data("video/vtest_annotations/gt_mot.txt")).Select(l => l.Split(','))
            .Select(p => (Frame: int.Parse(p[0], CultureInfo.InvariantCulture), Id: int.Parse(p[1], CultureInfo.InvariantCulture),
                Box: new BoundingBox(F(p[2]), F(p[3]), F(p[4]), F(p[5]))))
            .ToList();
        using var capture = new VideoCapture(TestAssets.VtestVideo);
        var frames = new Dictionary<int, Mat>();
        using var frame = new Mat();
        for (var i = 1; i <= 110 && capture.Read(frame); i++)
        {
            if (i is 100 or 110)
            {
                frames[i] = frame.Clone();
            }
        }

        try
        {
            // People fully inside the image in both frames: gallery at frame 100, queries one second later.
            bool Inside(BoundingBox b) => b.X >= 0 && b.Y >= 0 && b.Right <= 768 && b.Bottom <= 576 && b.Height > 60;
            var gallery = gt.Where(g => g.Frame == 100 && Inside(g.Box)).ToList();
            var queries = gt.Where(g => g.Frame == 110 && Inside(g.Box) && gallery.Any(x => x.Id == g.Id)).ToList();
            Assert.True(queries.Count >= 5, $"only {queries.Count} people");
            var ge = Embed(embedder, frames[100], gallery.Select(g => g.Box).ToArray());
            var qe = Embed(embedder, frames[110], queries.Select(g => g.Box).ToArray());
            var hits = 0;
            double same = 0, diff = 0;
            var diffCount = 0;
            for (var q = 0; q < queries.Count; q++)
            {
                var best = -1;
                var bestSim = float.MinValue;
                for (var g = 0; g < gallery.Count; g++)
                {
                    var sim = TensorPrimitives.Dot(qe.AsSpan(q * 512, 512), ge.AsSpan(g * 512, 512));
                    if (gallery[g].Id == queries[q].Id)
                    {
                        same += sim;
                    }
                    else
                    {
                        diff += sim;
                        diffCount++;
                    }

                    if (sim > bestSim)
                    {
                        bestSim = sim;
                        best = g;
                    }
                }

                if (gallery[best].Id == queries[q].Id)
                {
                    hits++;
                }
            }

            output.WriteLine($"rank-1 {hits}/{queries.Count}; mean cosine same {same / queries.Count:F3}, different {diff / diffCount:F3}");
            Assert.True(hits >= queries.Count - 1, $"rank-1 {hits}/{queries.Count}");
            Assert.True(same / queries.Count > (diff / diffCount) + 0.1);
        }
        finally
        {
            foreach (var m in frames.Values)
            {
                m.Dispose();
            }
        }
    }

    [Fact]
    public void Embeddings_are_unit_length_and_batches_match_single_runs()
    {
        using var embedder = new OsNetReIdEmbedder(TestAssets.OsNet);
        using var image = Cv2.ImRead(TestAssets.Data("images/ultralytics/bus.jpg"));
        BoundingBox[] boxes = [new(50, 400, 200, 500), new(220, 400, 200, 480), new(660, 380, 150, 500), new(-20, -20, 100, 100)];
        var batch = Embed(embedder, image, boxes);
        for (var i = 0; i < boxes.Length; i++)
        {
            var single = Embed(embedder, image, [boxes[i]]);
            Assert.Equal(1f, TensorPrimitives.Norm(batch.AsSpan(i * 512, 512)), 3);
            Assert.True(TensorPrimitives.Dot(single, batch.AsSpan(i * 512, 512)) > 0.9999f);
        }
    }

    [Fact]
    public void Wrong_model_and_bad_input_are_rejected()
    {
        Assert.Throws<NotSupportedException>(() => new OsNetReIdEmbedder(TestAssets.YuNet));
        using var embedder = new OsNetReIdEmbedder(TestAssets.OsNet);
        using var gray = new Mat(100, 100, MatType.CV_8UC1);
        Assert.Throws<ArgumentException>(() => embedder.Embed(gray, [new BoundingBox(0, 0, 10, 10)], new float[512]));
        using var color = new Mat(100, 100, MatType.CV_8UC3);
        Assert.Throws<ArgumentException>(() => embedder.Embed(color, [new BoundingBox(0, 0, 10, 10)], new float[10]));
    }

    private static float[] Embed(IReIdEmbedder e, Mat image, BoundingBox[] boxes)
    {
        var result = new float[boxes.Length * e.Dimension];
        e.Embed(image, boxes, result);
        return result;
    }

    private static float F(string s) => float.Parse(s, CultureInfo.InvariantCulture);
}
