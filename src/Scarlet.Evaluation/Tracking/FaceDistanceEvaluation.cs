using System.Diagnostics;
using System.Globalization;
using System.Xml.Linq;
using OpenCvSharp;
using Scarlet.Vision;

namespace Scarlet.Evaluation.Tracking;

/// <summary>An image with ground-truth face boxes (the dlib VOC annotation format: <c>&lt;box top left width height&gt;</c>).</summary>
/// <param name="Path">The image file.</param>
/// <param name="Faces">The face boxes.</param>
public sealed record AnnotatedFaceImage(string Path, IReadOnlyList<BoundingBox> Faces)
{
    /// <summary>Reads a dlib imglab XML file (image paths relative to its folder).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IReadOnlyList<AnnotatedFaceImage> LoadDlibXml(string xmlPath)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(xmlPath))!;
        static float A(XElement e, string n) => float.Parse((string)e.Attribute(n)!, CultureInfo.InvariantCulture);
        return [.. XDocument.Load(xmlPath).Descendants("image").Select(img => new AnnotatedFaceImage(
            System.IO.Path.Combine(dir, (string)img.Attribute("file")!),
            [.. img.Elements("box").Select(b => new BoundingBox(A(b, "left"), A(b, "top"), A(b, "width"), A(b, "height")))]))];
    }
}

/// <summary>Settings of <see cref="FaceDistanceEvaluation"/>.</summary>
public sealed class FaceDistanceEvaluationOptions
{
    /// <summary>Gets or sets the simulated face sizes (pixels, the ground-truth box width). The default value is 12, 16, 20, 24, 32, 48.</summary>
    public IReadOnlyList<int> Sizes { get; set; } = [12, 16, 20, 24, 32, 48];

    /// <summary>Gets or sets how many times every face is placed per size (different spots each time). The default value is 3.</summary>
    public int Rounds { get; set; } = 3;

    /// <summary>Gets or sets how many faces one frame holds. The default value is 8 (two 2x2 mosaics for the person-crop search).</summary>
    public int FacesPerFrame { get; set; } = 8;

    /// <summary>Gets or sets the IoU at which a detection matches a ground-truth face. The default value is 0.4 (dlib's boxes are tighter than YuNet's; as the detector test).</summary>
    public double IouThreshold { get; set; } = 0.4;

    /// <summary>
    /// Gets or sets the JPEG quality the composed frame is re-encoded at (after a light blur, σ 0.6 px), as a camera's
    /// optics and stream would; 0 keeps the pasted pixels as they are. The default value is 75.
    /// </summary>
    public int JpegQuality { get; set; } = 75;

    /// <summary>Gets or sets the detector score the recognizer's face gate needs (counted apart). The default value is 0.72 (docs/recognition.md, "Face gate").</summary>
    public float GateScore { get; set; } = 0.72f;

    /// <summary>Gets or sets the seed of the placements.</summary>
    public int Seed { get; set; } = 14;
}

/// <summary>Detection counts and time of one method at one size.</summary>
/// <param name="TruePositives">Pasted faces found.</param>
/// <param name="FalsePositives">Detections of nothing pasted (the background's own detections and other faces of a pasted patch excluded).</param>
/// <param name="FalseNegatives">Pasted faces missed.</param>
/// <param name="Milliseconds">Total detector time over the frames.</param>
/// <param name="GatePositives">Pasted faces found with a score at or above <see cref="FaceDistanceEvaluationOptions.GateScore"/> (usable for recognition).</param>
public readonly record struct FaceDistanceCounts(int TruePositives, int FalsePositives, int FalseNegatives, double Milliseconds, int GatePositives)
{
    /// <summary>Gets the share of pasted faces found with a score the face gate accepts.</summary>
    public double GateRecall => TruePositives + FalseNegatives == 0 ? 1 : (double)GatePositives / (TruePositives + FalseNegatives);

    /// <summary>Gets TP / (TP + FN).</summary>
    public double Recall => TruePositives + FalseNegatives == 0 ? 1 : (double)TruePositives / (TruePositives + FalseNegatives);

    /// <summary>Gets TP / (TP + FP).</summary>
    public double Precision => TruePositives + FalsePositives == 0 ? 1 : (double)TruePositives / (TruePositives + FalsePositives);
}

/// <summary>Whole-frame vs person-crop detection at one simulated face size.</summary>
/// <param name="Size">The face size (pixels).</param>
/// <param name="Frames">Frames evaluated.</param>
/// <param name="WholeFrame">The detector on the whole frame.</param>
/// <param name="PersonCrops">The detector on the persons' head regions (<see cref="HeadRegionFaceSearch"/>).</param>
public sealed record FaceDistanceResult(int Size, int Frames, FaceDistanceCounts WholeFrame, FaceDistanceCounts PersonCrops);

/// <summary>
/// Faces at store-camera distances, simulated: real annotated faces (with a margin of their own photo around them) are
/// scaled down so their box is N px wide and pasted at random spots of a real background frame, each beside a person
/// box derived from the face (about 3 faces wide, 7.5 high, jittered; no body is pasted, so a person detector has
/// nothing to find there); the frame is then blurred lightly and re-encoded as JPEG. The distance is simulated: the
/// faces are downscaled photos with hard patch edges, not faces seen through a store camera's lens and motion.
/// </summary>
public sealed class FaceDistanceEvaluation
{
    private readonly IFaceDetector _detector;
    private readonly HeadRegionFaceSearch _search;
    private readonly IPersonDetector? _persons;

    /// <summary>Creates the evaluation.</summary>
    /// <param name="detector">The face detector run on the whole frame.</param>
    /// <param name="search">The person-crop search.</param>
    /// <param name="persons">A person detector: the background's persons are kept clear of pasted faces (their own small faces would count as false positives); null places anywhere.</param>
    public FaceDistanceEvaluation(IFaceDetector detector, HeadRegionFaceSearch search, IPersonDetector? persons = null)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(search);
        _detector = detector;
        _search = search;
        _persons = persons;
    }

    /// <summary>
    /// Reads frame <paramref name="frameIndex"/> of a video and makes it a 1920x1080 background: the centre 16:9 band,
    /// scaled up when the video is smaller (PETS09 is 768x576; say so with the figures).
    /// </summary>
    /// <exception cref="InvalidDataException">The frame cannot be read.</exception>
    public static Mat BackgroundFromVideo(string videoPath, int frameIndex, int width = 1920, int height = 1080)
    {
        using var capture = new VideoCapture(videoPath);
        capture.Set(VideoCaptureProperties.PosFrames, frameIndex);
        using var frame = new Mat();
        if (!capture.Read(frame) || frame.Empty())
        {
            throw new InvalidDataException($"Cannot read frame {frameIndex} of {videoPath}.");
        }

        var bandHeight = Math.Min(frame.Height, (int)Math.Round(frame.Width * (double)height / width));
        var bandWidth = (int)Math.Round(bandHeight * (double)width / height);
        using var band = new Mat(frame, new Rect((frame.Width - bandWidth) / 2, (frame.Height - bandHeight) / 2, bandWidth, bandHeight));
        var result = new Mat();
        Cv2.Resize(band, result, new Size(width, height), 0, 0, InterpolationFlags.Linear);
        return result;
    }

    /// <summary>Runs the evaluation.</summary>
    /// <param name="background">The background frame (BGR); not modified.</param>
    /// <param name="images">The annotated face images.</param>
    /// <param name="options">The settings.</param>
    /// <returns>One result per size.</returns>
    public IReadOnlyList<FaceDistanceResult> Run(Mat background, IReadOnlyList<AnnotatedFaceImage> images, FaceDistanceEvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(background);
        ArgumentNullException.ThrowIfNull(images);
        options ??= new FaceDistanceEvaluationOptions();
        var sources = new List<(Mat Image, IReadOnlyList<BoundingBox> All)>();
        try
        {
            foreach (var img in images)
            {
                var mat = Cv2.ImRead(img.Path, ImreadModes.Color);
                if (mat.Empty())
                {
                    mat.Dispose();
                    throw new InvalidDataException($"Cannot read {img.Path}.");
                }

                sources.Add((mat, img.Faces));
            }

            var faces = new List<(int Image, BoundingBox Face)>();
            for (var i = 0; i < images.Count; i++)
            {
                faces.AddRange(images[i].Faces.Select(f => (i, f)));
            }

            var backgroundFaces = _detector.Detect(background).Select(f => f.Box).ToList();
            var backgroundPersons = _persons?.Detect(background).Select(p => p.Box).ToList() ?? [];
            var results = new List<FaceDistanceResult>();
            foreach (var size in options.Sizes)
            {
                var random = new Random((options.Seed * 1000) + size); // stable across processes (HashCode is randomised per process)
                var whole = new Tally();
                var crops = new Tally();
                var frames = 0;
                for (var round = 0; round < options.Rounds; round++)
                {
                    var order = faces.OrderBy(_ => random.Next()).ToList();
                    for (var start = 0; start < order.Count; start += options.FacesPerFrame)
                    {
                        using var frame = background.Clone();
                        var truth = new List<BoundingBox>();
                        var ignore = new List<BoundingBox>(backgroundFaces);
                        var persons = new List<BoundingBox>();
                        foreach (var (imageIndex, face) in order.Skip(start).Take(options.FacesPerFrame))
                        {
                            Paste(frame, sources[imageIndex].Image, face, sources[imageIndex].All, size, random, persons, backgroundPersons, truth, ignore);
                        }

                        if (options.JpegQuality > 0)
                        {
                            Degrade(frame, options.JpegQuality);
                        }

                        frames++;
                        var t0 = Stopwatch.GetTimestamp();
                        var wholeFaces = _detector.Detect(frame);
                        var t1 = Stopwatch.GetTimestamp();
                        var cropFaces = _search.Search(frame, [.. persons]);
                        var t2 = Stopwatch.GetTimestamp();
                        whole.Add(wholeFaces, truth, ignore, options, Stopwatch.GetElapsedTime(t0, t1));
                        crops.Add(cropFaces.Select(f => f.Face), truth, ignore, options, Stopwatch.GetElapsedTime(t1, t2));
                    }
                }

                results.Add(new FaceDistanceResult(size, frames, whole.Counts, crops.Counts));
            }

            return results;
        }
        finally
        {
            foreach (var s in sources)
            {
                s.Image.Dispose();
            }
        }
    }

    // The face with a margin of 40 % of its size (a detector needs the head around the face) is scaled so the face is
    // `size` px wide and pasted at a free spot, with its person box; other annotated faces inside the patch are ignored.
    private static void Paste(Mat frame, Mat source, BoundingBox face, IReadOnlyList<BoundingBox> all, int size, Random random, List<BoundingBox> persons, List<BoundingBox> avoid, List<BoundingBox> truth, List<BoundingBox> ignore)
    {
        var scale = size / face.Width;
        var margin = face.Width * 0.4f;
        var px1 = (int)Math.Max(0, face.X - margin);
        var py1 = (int)Math.Max(0, face.Y - margin);
        var px2 = (int)Math.Min(source.Width, face.Right + margin);
        var py2 = (int)Math.Min(source.Height, face.Bottom + margin);
        var pw = Math.Max(1, (int)Math.Round((px2 - px1) * scale));
        var ph = Math.Max(1, (int)Math.Round((py2 - py1) * scale));
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var personW = 3f * size * (0.85f + (0.3f * random.NextSingle()));
            var personH = 7.5f * size * (0.85f + (0.3f * random.NextSingle()));
            var personX = random.NextSingle() * (frame.Width - personW);
            var personY = random.NextSingle() * (frame.Height - personH);
            var person = new BoundingBox(personX, personY, personW, personH);
            if (persons.Any(p => Overlaps(p, person)) || avoid.Any(p => Overlaps(p, person)))
            {
                continue;
            }

            // Face centre near the box's centre line, its top a little below the box top (detector boxes vary).
            var fx = person.CenterX + ((random.NextSingle() - 0.5f) * 0.6f * size) - (size / 2f);
            var fy = person.Y + (size * (0.2f + (0.3f * random.NextSingle())));
            var ox = (int)Math.Round(fx - ((face.X - px1) * scale));
            var oy = (int)Math.Round(fy - ((face.Y - py1) * scale));
            var dst = new Rect(ox, oy, pw, ph).Intersect(new Rect(0, 0, frame.Width, frame.Height));
            if (dst.Width < pw || dst.Height < ph)
            {
                continue;
            }

            using (var patch = new Mat(source, new Rect(px1, py1, px2 - px1, py2 - py1)))
            using (var target = new Mat(frame, dst))
            {
                Cv2.Resize(patch, target, new Size(pw, ph), 0, 0, InterpolationFlags.Area);
            }

            persons.Add(person);
            BoundingBox Map(BoundingBox b) => new(ox + ((b.X - px1) * scale), oy + ((b.Y - py1) * scale), b.Width * scale, b.Height * scale);
            truth.Add(Map(face));
            foreach (var other in all)
            {
                if (other != face && other.X < px2 && other.Right > px1 && other.Y < py2 && other.Bottom > py1)
                {
                    ignore.Add(Map(other));
                }
            }

            return;
        }

        throw new InvalidOperationException($"No free spot for a {size} px face; lower FacesPerFrame.");
    }

    private static void Degrade(Mat frame, int quality)
    {
        Cv2.GaussianBlur(frame, frame, new Size(0, 0), 0.6);
        Cv2.ImEncode(".jpg", frame, out var bytes, new ImageEncodingParam(ImwriteFlags.JpegQuality, quality));
        using var decoded = Cv2.ImDecode(bytes, ImreadModes.Color);
        decoded.CopyTo(frame);
    }

    private static bool Overlaps(in BoundingBox a, in BoundingBox b) => a.X < b.Right && b.X < a.Right && a.Y < b.Bottom && b.Y < a.Bottom;

    private sealed class Tally
    {
        private int _tp;
        private int _fp;
        private int _fn;
        private double _ms;
        private int _gate;

        public FaceDistanceCounts Counts => new(_tp, _fp, _fn, _ms, _gate);

        // Greedy matching, best score first (detections come sorted); a detection of an ignored box counts for nothing.
        public void Add(IEnumerable<FaceDetection> detections, List<BoundingBox> truth, List<BoundingBox> ignore, FaceDistanceEvaluationOptions options, TimeSpan elapsed)
        {
            _ms += elapsed.TotalMilliseconds;
            var used = new bool[truth.Count];
            foreach (var face in detections)
            {
                var d = face.Box;
                var best = -1;
                var bestIoU = options.IouThreshold;
                for (var g = 0; g < truth.Count; g++)
                {
                    var v = BoundingBox.IoU(d, truth[g]);
                    if (!used[g] && v >= bestIoU)
                    {
                        bestIoU = v;
                        best = g;
                    }
                }

                if (best >= 0)
                {
                    used[best] = true;
                    _tp++;
                    _gate += face.Score >= options.GateScore ? 1 : 0;
                }
                else if (!ignore.Any(x => BoundingBox.IoU(d, x) >= 0.3))
                {
                    _fp++;
                }
            }

            _fn += used.Count(u => !u);
        }
    }
}
