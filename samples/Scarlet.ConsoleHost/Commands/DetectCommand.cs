using System.Diagnostics;
using System.Text.Json;
using OpenCvSharp;
using Scarlet.Evaluation;
using Scarlet.Recognition;
using Scarlet.Vision;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet detect &lt;image|video&gt; [--json] [--max-frames N] [--overlay out.jpg|out.mp4] [--attributes [--attributes-model faceres|faceres-deep|gear|ssrnet]]</c>:
/// faces and persons per frame. With <c>--json</c>, one line per frame:
/// <c>{"frame":0,"width":W,"height":H,"faces":[{"box":[x,y,w,h],"score":s,"landmarks":[[x,y],...]}],"persons":[{"box":[x,y,w,h],"score":s}]}</c>.
/// <c>--attributes</c> adds to each face <c>"age"</c>, <c>"age_range"</c>, <c>"gender"</c>, <c>"gender_confidence"</c>,
/// <c>"emotion"</c>, <c>"emotion_confidence"</c> (JSON) or a line <c>  face N: gender G (C) age A (L-H) emotion E (C)</c> per face.
/// </summary>
internal static class DetectCommand
{
    private static readonly HashSet<string> VideoExtensions = new(StringComparer.OrdinalIgnoreCase) { ".avi", ".mp4", ".mkv", ".mov", ".webm", ".m4v", ".mpg", ".mpeg" };

    public static Task<int> RunAsync(CliArgs args)
    {
        var input = args.Positional.Count == 1 ? args.Positional[0] : throw new UsageException("detect takes one image or video path (or 'demo')");
        var json = args.Flag("json");
        var maxFrames = args.Int("max-frames", int.MaxValue);
        var overlayPath = args.Optional("overlay");
        var attributes = args.Flag("attributes");
        var attributesModel = args.Optional("attributes-model");
        if (attributesModel is not null && !attributes)
        {
            throw new UsageException("--attributes-model needs --attributes");
        }

        if (maxFrames <= 0)
        {
            throw new UsageException("--max-frames must be positive");
        }

        using var vision = new VisionSetup(args);
        if (input == "demo")
        {
            // The sample video, found like a model: SCARLET_MEDIA, media/, ../shared/data/video/, cache, download.
            input = DemoVideo.Resolve(vision.Locator);
        }

        if (!File.Exists(input))
        {
            throw new UsageException($"no such file: {input}");
        }

        args.EnsureAllUsed();
        using var estimator = attributes ? new OnnxFaceAttributeEstimator(vision.Locator, new FaceAttributeOptions { Model = ParseModel(attributesModel) }) : null;
        var renderer = new OverlayRenderer();
        using var stdout = Console.OpenStandardOutput();
        using var writer = new Utf8JsonWriter(stdout);
        var sw = Stopwatch.StartNew();
        long frames = 0, faces = 0, persons = 0;

        void Process(Mat image, long index, Action<Mat>? overlay)
        {
            var f = vision.Faces.Detect(image);
            var p = vision.Persons.Detect(image);
            frames++;
            faces += f.Count;
            persons += p.Count;
            var a = estimator?.Estimate(image, [.. f.Select(x => x.Landmarks)]);
            if (json)
            {
                WriteJson(writer, index, image.Width, image.Height, f, p, a);
                writer.Flush();
                stdout.WriteByte((byte)'\n');
            }
            else
            {
                Console.Out.WriteLine($"frame {index}: {f.Count} faces, {p.Count} persons");
                for (var i = 0; a is not null && i < a.Count; i++)
                {
                    Console.Out.WriteLine(Inv($"  face {i + 1}: gender {a[i].Gender.ToString().ToLowerInvariant()} ({a[i].GenderConfidence:F2}) age {a[i].AgeYears:F0} ({a[i].AgeLow:F0}-{a[i].AgeHigh:F0}) emotion {a[i].Emotion?.ToString().ToLowerInvariant() ?? "-"} ({a[i].EmotionConfidence:F2})"));
                }
            }

            if (overlay is not null)
            {
                renderer.Draw(image, f, p);
                overlay(image);
            }
        }

        if (VideoExtensions.Contains(Path.GetExtension(input)))
        {
            using var capture = new VideoCapture(input);
            if (!capture.IsOpened())
            {
                throw new UsageException($"cannot open video: {input}");
            }

            OverlayVideoWriter? video = null;
            try
            {
                using var frame = new Mat();

                // --json writes to the raw stdout stream, past the bar's line routing: no bar over those lines on a terminal.
                using var bar = json && !Console.IsOutputRedirected ? new ProgressBar(null) : ConsoleUi.Progress("detect: frames", Math.Min(maxFrames, Math.Max(capture.FrameCount, 1)));
                for (long i = 0; i < maxFrames && capture.Read(frame) && !frame.Empty(); i++)
                {
                    bar.Report((int)Math.Min(i, int.MaxValue));
                    if (overlayPath is not null && video is null)
                    {
                        video = OverlayVideoFiles.Open(overlayPath, capture.Fps, frame.Size());
                    }

                    Process(frame, i, video is null ? null : m => video.Write(m));
                }
            }
            finally
            {
                OverlayVideoFiles.Close(video);
            }

            if (frames == 0)
            {
                throw new UsageException($"no frame could be decoded from {input}");
            }
        }
        else
        {
            using var image = ReadImage(input);
            Process(image, 0, overlayPath is null ? null : m =>
            {
                if (!Cv2.ImWrite(overlayPath, m))
                {
                    throw new UsageException($"cannot write overlay image: {overlayPath}");
                }
            });
        }

        var seconds = sw.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"frames: {frames} faces: {faces} persons: {persons} fps: {frames / Math.Max(seconds, 1e-9):F1}" +
            (overlayPath is null ? string.Empty : $" overlay: {overlayPath}"));
        return Task.FromResult(ExitCodes.Ok);
    }

    /// <summary>Reads an image file through the SDK's decoder, so the console applies the same limits and errors as the API.</summary>
    internal static Mat ReadImage(string path) => new ImageDecoder().DecodeMat(File.ReadAllBytes(path));

    private static string Inv(FormattableString s) => s.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static FaceAttributeModel ParseModel(string? name) => name?.ToLowerInvariant() switch
    {
        null or "faceres" => FaceAttributeModel.Faceres,
        "faceres-deep" => FaceAttributeModel.FaceresDeep,
        "gear" => FaceAttributeModel.Gear,
        "ssrnet" => FaceAttributeModel.SsrNet,
        _ => throw new UsageException($"--attributes-model takes faceres, faceres-deep, gear or ssrnet; got '{name}'"),
    };

    private static void WriteJson(Utf8JsonWriter w, long frame, int width, int height, IReadOnlyList<FaceDetection> faces, IReadOnlyList<PersonDetection> persons, IReadOnlyList<FaceAttributes>? attributes)
    {
        w.Reset();
        w.WriteStartObject();
        w.WriteNumber("frame", frame);
        w.WriteNumber("width", width);
        w.WriteNumber("height", height);
        w.WriteStartArray("faces");
        for (var k = 0; k < faces.Count; k++)
        {
            var f = faces[k];
            w.WriteStartObject();
            WriteBox(w, f.Box);
            w.WriteNumber("score", Math.Round(f.Score, 4));
            w.WriteStartArray("landmarks");
            for (var i = 0; i < 5; i++)
            {
                w.WriteStartArray();
                w.WriteNumberValue(Math.Round(f.Landmarks[i].X, 1));
                w.WriteNumberValue(Math.Round(f.Landmarks[i].Y, 1));
                w.WriteEndArray();
            }

            w.WriteEndArray();
            if (attributes is not null)
            {
                WriteAttributes(w, attributes[k]);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("persons");
        foreach (var p in persons)
        {
            w.WriteStartObject();
            WriteBox(w, p.Box);
            w.WriteNumber("score", Math.Round(p.Score, 4));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteAttributes(Utf8JsonWriter w, FaceAttributes a)
    {
        if (a.AgeYears is { } age)
        {
            w.WriteNumber("age", Math.Round(age, 1));
        }

        if (a.AgeLow is { } low && a.AgeHigh is { } high)
        {
            w.WriteStartArray("age_range");
            w.WriteNumberValue(Math.Round(low, 1));
            w.WriteNumberValue(Math.Round(high, 1));
            w.WriteEndArray();
        }

        w.WriteString("gender", a.Gender.ToString().ToLowerInvariant());
        w.WriteNumber("gender_confidence", Math.Round(a.GenderConfidence, 4));
        if (a.Emotion is { } emotion)
        {
            w.WriteString("emotion", emotion.ToString().ToLowerInvariant());
            w.WriteNumber("emotion_confidence", Math.Round(a.EmotionConfidence, 4));
        }
    }

    private static void WriteBox(Utf8JsonWriter w, in BoundingBox b)
    {
        w.WriteStartArray("box");
        w.WriteNumberValue(Math.Round(b.X, 1));
        w.WriteNumberValue(Math.Round(b.Y, 1));
        w.WriteNumberValue(Math.Round(b.Width, 1));
        w.WriteNumberValue(Math.Round(b.Height, 1));
        w.WriteEndArray();
    }
}
