using System.Collections.Concurrent;
using System.Diagnostics;
using OpenCvSharp;
using Scarlet.Vision;

namespace Scarlet.Recognition.Tests;

/// <summary>Spans of the libraries' activity sources: what a tracer (the web host's OpenTelemetry) sees of one recognition.</summary>
public sealed class TracingTests(RecognitionFixture models) : IClassFixture<RecognitionFixture>
{
    [Fact]
    public void One_recognition_is_one_trace_of_detect_refine_embed_and_search_spans()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name.StartsWith(ScarletDiagnostics.ActivitySourcePrefix, StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var requests = new ActivitySource(ScarletDiagnostics.ActivitySourcePrefix + "Tests");

        using var gallery = new FaceGallery(models.Embedder.Dimension, models.Embedder.ModelId);
        // Margin 2: every face refined, so the trace shows the refiner's span (by default a face this far from the
        // threshold skips it; ConditionalRefinementTests).
        var recognizer = new FaceRecognizer(models.Detector, models.Embedder, gallery, landmarkRefiner: new MirrorLandmarkRefiner(models.Detector)) { RefinementMargin = 2f };
        using var obama = Cv2.ImRead(RecognitionFixture.Face("face_recognition/obama/obama.jpg"));
        Assert.Equal(1, recognizer.Enroll("obama", [obama]).Added);

        ActivityTraceId trace;
        using (var request = requests.StartActivity("request"))
        {
            Assert.NotNull(request);
            trace = request.TraceId;
            var face = Assert.Single(recognizer.Recognize(obama));
            Assert.Equal(MatchStatus.Matched, face.Identity!.Status);
        }

        // Other tests run in parallel and trace too: only this trace counts.
        var spans = stopped.Where(a => a.TraceId == trace).ToList();
        var root = Assert.Single(spans, a => a.OperationName == "request");
        foreach (var (name, source) in new[] { ("face.detect", "Scarlet.Vision"), ("face.refine", "Scarlet.Vision"), ("face.embed", "Scarlet.Recognition"), ("gallery.search", "Scarlet.Recognition") })
        {
            var span = Assert.Single(spans, a => a.OperationName == name && a.Parent == root);
            Assert.Equal(source, span.Source.Name);
            Assert.True(span.Duration > TimeSpan.Zero && span.Duration <= root.Duration, $"{name}: {span.Duration} of {root.Duration}");
        }
    }
}
