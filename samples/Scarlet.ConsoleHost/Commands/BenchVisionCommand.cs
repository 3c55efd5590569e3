using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;
using OpenCvSharp.Dnn;
using Scarlet.Vision;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet bench vision [--runs N] [--image PATH]</c>: per-stage latency (decode, preprocess, inference, postprocess) of the
/// face and person detectors on a 640x480 and a 1920x1080 frame, median of N runs, beside the same models run through
/// OpenCV's DNN module in this process.
/// </summary>
internal static class BenchVisionCommand
{
    public static Task<int> RunAsync(CliArgs args)
    {
        var runs = args.Int("runs", 50);
        var source = args.Optional("image") ?? Path.Combine("..", "shared", "data", "video", "vtest.avi");
        if (runs < 3)
        {
            throw new UsageException("--runs must be at least 3");
        }

        using var vision = new VisionSetup(args);
        args.EnsureAllUsed();
        using var original = LoadFrame(source);
        Console.Out.WriteLine($"bench vision: {runs} runs per stage, median ms; ONNX Runtime {vision.Sessions.ActiveProvider} (intra-op threads {(vision.Inference.IntraOpThreads == 0 ? "auto" : vision.Inference.IntraOpThreads)}), OpenCV {Cv2.GetVersionString()} DNN threads {Cv2.GetNumThreads()}, {Environment.ProcessorCount} cores");
        using var faceNet = CvDnn.ReadNetFromOnnx(vision.FaceModelPath) ?? throw new InvalidOperationException("OpenCV DNN could not load the face model");
        using var personNet = CvDnn.ReadNetFromOnnx(vision.PersonModelPath) ?? throw new InvalidOperationException("OpenCV DNN could not load the person model");
        Size[] sizes = [new(640, 480), new(1920, 1080)];
        using var bar = ConsoleUi.Progress("bench vision: stages", sizes.Length * 5); // decode, faces ORT and DNN, persons ORT and DNN
        foreach (var size in sizes)
        {
            using var frame = original.Resize(size);
            Cv2.ImEncode(".jpg", frame, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 90));
            var decode = Median(runs, () =>
            {
                using var m = Cv2.ImDecode(jpeg, ImreadModes.Color);
            });
            Console.Out.WriteLine($"{size.Width}x{size.Height} decode (JPEG {jpeg.Length / 1024} KiB): {decode:F2} ms");
            bar.Increment();

            var faceTimes = Stages(runs, t => vision.Faces.Detect(frame, t));
            bar.Increment();
            var faceDnn = DnnInference(runs, faceNet, frame, vision.Faces.IsDynamic ? null : new Size(640, 640), 0, faceNet.GetUnconnectedOutLayersNames()!);
            bar.Increment();
            Report("faces", Path.GetFileName(vision.FaceModelPath), size, faceTimes, faceDnn);

            var personTimes = Stages(runs, t => vision.Persons.Detect(frame, t));
            bar.Increment();
            var (pw, ph) = vision.Persons.InputSize;
            var personDnn = DnnInference(runs, personNet, frame, new Size(pw, ph), 114, personNet.GetUnconnectedOutLayersNames()!);
            bar.Increment();
            Report("persons", Path.GetFileName(vision.PersonModelPath), size, personTimes, personDnn);
        }

        return Task.FromResult(ExitCodes.Ok);
    }

    private static void Report(string what, string model, Size size, (double Pre, double Infer, double Post) t, double dnn)
    {
        var share = (t.Pre + t.Post) / t.Infer * 100;
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{size.Width}x{size.Height} {what} {model}: preprocess {t.Pre:F2} ms, inference {t.Infer:F2} ms, postprocess {t.Post:F2} ms, pre+post {share:F1} % of model; opencv-dnn inference {dnn:F2} ms, ort/dnn {t.Infer / dnn:F2}"));
    }

    private static (double Pre, double Infer, double Post) Stages(int runs, Action<StageTimings> detect)
    {
        var timings = new StageTimings();
        detect(timings); // warm-up
        var pre = new double[runs];
        var infer = new double[runs];
        var post = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            timings.Reset();
            detect(timings);
            pre[i] = timings.Preprocess.TotalMilliseconds;
            infer[i] = timings.Inference.TotalMilliseconds;
            post[i] = timings.Postprocess.TotalMilliseconds;
        }

        return (MedianOf(pre), MedianOf(infer), MedianOf(post));
    }

    /// <summary>Times the network alone (SetInput + Forward) on the same letterboxed input the ORT path sees.</summary>
    private static double DnnInference(int runs, Net net, Mat frame, Size? fixedSize, double pad, string[] outputs)
    {
        using var canvas = Letterbox(frame, fixedSize, pad);
        using var blob = CvDnn.BlobFromImage(canvas, 1.0, default, default, swapRB: false, crop: false);
        var outs = outputs.Select(_ => new Mat()).ToArray();
        try
        {
            return Median(runs, () =>
            {
                net.SetInput(blob);
                net.Forward(outs, outputs);
            });
        }
        finally
        {
            foreach (var m in outs)
            {
                m.Dispose();
            }
        }
    }

    private static Mat Letterbox(Mat frame, Size? fixedSize, double pad)
    {
        if (fixedSize is not { } s)
        {
            // Dynamic model: pad to multiples of 32, as the ORT path does.
            var w = (frame.Width + 31) / 32 * 32;
            var h = (frame.Height + 31) / 32 * 32;
            var padded = new Mat();
            Cv2.CopyMakeBorder(frame, padded, 0, h - frame.Height, 0, w - frame.Width, BorderTypes.Constant, Scalar.All(pad));
            return padded;
        }

        var scale = Math.Min((double)s.Width / frame.Width, (double)s.Height / frame.Height);
        var canvas = new Mat(s, MatType.CV_8UC3, Scalar.All(pad));
        using var resized = frame.Resize(new Size((int)Math.Round(frame.Width * scale), (int)Math.Round(frame.Height * scale)));
        using var roi = new Mat(canvas, new Rect(0, 0, resized.Width, resized.Height));
        resized.CopyTo(roi);
        return canvas;
    }

    private static double Median(int runs, Action action)
    {
        action();
        var samples = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var t = Stopwatch.GetTimestamp();
            action();
            samples[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }

        return MedianOf(samples);
    }

    private static double MedianOf(double[] values)
    {
        Array.Sort(values);
        return values[values.Length / 2];
    }

    private static Mat LoadFrame(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"no such file: {path} (give --image)");
        }

        if (path.EndsWith(".avi", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".mp4", StringComparison.OrdinalIgnoreCase))
        {
            using var capture = new VideoCapture(path);
            var frame = new Mat();
            // A frame from the middle of the clip: people in view.
            capture.Set(VideoCaptureProperties.PosFrames, 400);
            if (!capture.Read(frame) || frame.Empty())
            {
                frame.Dispose();
                throw new UsageException($"cannot read a frame from {path}");
            }

            return frame;
        }

        return DetectCommand.ReadImage(path);
    }
}
