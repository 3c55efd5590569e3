using OpenCvSharp;
using Scarlet.Evaluation.Tracking;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;

namespace Scarlet.Tracking.Tests.Pipeline;

public sealed class ModelRecordingTests
{
    [Fact]
    public void RecordedCalls_ReplayInOrder_WithTheirEmbeddings_AfterASaveLoadRoundTrip()
    {
        var recording = new ModelRecording { Description = "unit" };
        var models = recording.Record("cam", new CameraPipelineModels(new CountingDetector(), new ConstantEmbedder()));
        using var image = new Mat(8, 8, MatType.CV_8UC3, Scalar.All(0));
        var first = models.Persons.Detect(image);
        var second = models.Persons.Detect(image);
        var embedded = new float[2];
        models.ReId!.Embed(image, [second[0].Box], embedded);

        using var stream = new MemoryStream();
        recording.Save(stream);
        stream.Position = 0;
        var loaded = ModelRecording.Load(stream);
        Assert.Equal("unit", loaded.Description);
        Assert.Equal(2, loaded.FrameCount("cam"));
        Assert.Equal(2, loaded.ReIdDimension);
        Assert.Null(loaded.Detections("cam", 0)[0].Embedding);

        var replay = loaded.Replay("cam", withReId: true);
        Assert.Equal(first, replay.Persons.Detect(image));
        Assert.Equal(second, replay.Persons.Detect(image));
        var again = new float[2];
        replay.ReId!.Embed(image, [second[0].Box], again);
        Assert.Equal(embedded, again);

        // Past the end, or a box that was never embedded: an error, never made-up data.
        Assert.Throws<InvalidOperationException>(() => replay.Persons.Detect(image));
        var fresh = loaded.Replay("cam", withReId: true);
        fresh.Persons.Detect(image);
        Assert.Throws<InvalidOperationException>(() => fresh.ReId!.Embed(image, [first[0].Box], again));
    }

    [Fact]
    public void BadInput_Throws()
    {
        Assert.Throws<InvalidDataException>(() => ModelRecording.Load(new MemoryStream([1, 2, 3, 4, 5, 6, 7, 8])));
        var recording = new ModelRecording();
        Assert.Throws<ArgumentException>(() => recording.Replay("nobody", withReId: false));
        recording.Record("cam", new CameraPipelineModels(new CountingDetector()));
        Assert.Throws<ArgumentException>(() => recording.Record("cam", new CameraPipelineModels(new CountingDetector())));
        Assert.Throws<ArgumentException>(() => recording.Replay("cam", withReId: true));
    }

    // Frame n: one person at x = 10 n.
    private sealed class CountingDetector : IPersonDetector
    {
        private int _calls;

        public IReadOnlyList<PersonDetection> Detect(Mat image) => [new PersonDetection(new BoundingBox(10 * _calls++, 0, 5, 10), 0.9f)];
    }

    private sealed class ConstantEmbedder : IReIdEmbedder
    {
        public int Dimension => 2;

        public void Embed(Mat image, ReadOnlySpan<BoundingBox> boxes, Span<float> destination)
        {
            for (var i = 0; i < boxes.Length; i++)
            {
                destination[2 * i] = 0.6f;
                destination[(2 * i) + 1] = 0.8f;
            }
        }
    }
}
