using System.Globalization;
using Scarlet.Evaluation;
using Scarlet.Evaluation.Tracking;
using Scarlet.Recognition;
using Scarlet.Tracking.Identity;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet bench recognition [--data DIR] [--customers N] [--strangers N] [--distractors N] [--enrol K] [--photos K] [--frames-per-photo K]</c>:
/// recognition on video. LFW people with at least enrol + photos pictures are customers (the first <c>--enrol</c>
/// enrolled, the next <c>--photos</c> shown as a moving face over PETS09 frames); people with photos to enrol + photos − 1
/// pictures are strangers (<c>--photos</c> shown, never enrolled); people with one photo fill the gallery as
/// distractors. The vote's settings are chosen by two-fold cross-validation through the camera pipeline: every setting
/// of the grid runs every sequence through a fresh pipeline; the setting chosen on split A is reported on split B and
/// vice versa (fewest wrong, then most customers correct; ties to the stricter similarity, then more faces).
/// </summary>
internal static class BenchRecognitionCommand
{
    // Minimum faces × match similarity (unknown = match − 0.10, winner's share 0.5): the library defaults are one point.
    private static readonly VoteSetting[] s_grid =
        [.. from m in new[] { 1, 2, 3 }
            from s in new[] { 0.50f, 0.55f, 0.60f }
            select new VoteSetting(m, s, 0.10f, 0.5f)];

    public static Task<int> RunAsync(CliArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var data = args.Optional("data") ?? Path.Combine("..", "shared", "data");
        var customers = args.Int("customers", 82);
        var strangers = args.Int("strangers", 82);
        var distractors = args.Int("distractors", 200);
        var enrol = args.Int("enrol", 3);
        var shown = args.Int("photos", 4);
        var framesPerPhoto = args.Int("frames-per-photo", 3);
        using var vision = new VisionSetup(args, 0.1f);
        args.EnsureAllUsed();
        if (customers < 2 || strangers < 2 || distractors < 0 || framesPerPhoto < 1 || enrol < 1 || shown < 1)
        {
            throw new UsageException("--customers and --strangers at least 2, --distractors not negative, --enrol, --photos and --frames-per-photo positive");
        }

        var lfw = Path.Combine(data, "faces", "lfw", "images");
        var people = Directory.GetDirectories(lfw).Order(StringComparer.Ordinal)
            .Select(d => (Name: Path.GetFileName(d), Photos: Directory.GetFiles(d, "*.jpg").Order(StringComparer.Ordinal).ToList())).ToList();
        var enrolled = people.Where(p => p.Photos.Count >= enrol + shown).Take(customers).ToList();
        var unknown = people.Where(p => p.Photos.Count >= shown && p.Photos.Count < enrol + shown).Take(strangers).ToList();
        var fillers = people.Where(p => p.Photos.Count == 1).Take(distractors).ToList();

        // Model outputs are reused for identical pixels (MemoizedModels.cs): the grid replays the same frames once per
        // setting through the whole pipeline, and only the first pass pays for inference.
        var persons = new MemoizedPersonDetector(vision.Persons);
        var faceDetector = new MemoizedFaceDetector(vision.Faces);
        using var onnxEmbedder = new OnnxFaceEmbedder(vision.Sessions.Get(vision.Locator.Resolve(ModelCatalog.MobileFaceNet.Id)), ModelCatalog.MobileFaceNet.Id);
        var embedder = new MemoizedFaceEmbedder(onnxEmbedder);
        using var gallery = new FaceGallery(embedder.Dimension, embedder.ModelId);
        var recognizer = new FaceRecognizer(faceDetector, embedder, gallery, landmarkRefiner: new MirrorLandmarkRefiner(faceDetector));
        var skipped = 0;
        foreach (var (name, photos) in enrolled.Select(p => (p.Name, p.Photos.Take(enrol))).Concat(fillers.Select(p => (p.Name, p.Photos.Take(1)))))
        {
            // Photo by photo: one photo without a usable face does not keep the others out.
            foreach (var file in photos)
            {
                using var mat = OpenCvSharp.Cv2.ImRead(file, OpenCvSharp.ImreadModes.Color);
                try
                {
                    recognizer.Enroll(name, [mat]);
                }
                catch (NoUsableFaceException)
                {
                    skipped++;
                }
            }
        }

        // A customer none of whose enrolment photos had a usable face is left out (not turned into a stranger).
        enrolled = [.. enrolled.Where(p => gallery.Contains(p.Name))];
        // Alternate positions within customers and within strangers: both splits hold half of each.
        var customerSequences = enrolled.Select(p => new VideoRecognitionSequence(p.Name, [.. p.Photos.Skip(enrol).Take(shown)], true)).ToList();
        var strangerSequences = unknown.Select(p => new VideoRecognitionSequence(p.Name, [.. p.Photos.Take(shown)], false)).ToList();
        var splitA = customerSequences.Where((_, i) => i % 2 == 0).Concat(strangerSequences.Where((_, i) => i % 2 == 0)).ToList();
        var splitB = customerSequences.Where((_, i) => i % 2 == 1).Concat(strangerSequences.Where((_, i) => i % 2 == 1)).ToList();
        var evaluation = new VideoRecognitionEvaluation(persons, new FaceModels(faceDetector, recognizer), DemoVideo.Resolve(vision.Locator));
        var options = new VideoRecognitionOptions { FramesPerPhoto = framesPerPhoto };
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench recognition: {enrolled.Count} customers ({enrol} photos enrolled each, {skipped} enrolment photo(s) without a usable face), {unknown.Count} strangers, {fillers.Count} distractors in the gallery ({gallery.IdentityCount} identities); {shown} photos × {framesPerPhoto} frames per sequence over PETS09; split A {splitA.Count} sequences, split B {splitB.Count}; {s_grid.Length} vote settings through the pipeline"));

        // Every setting through the pipeline on both splits; each split chooses for the other (two-fold
        // cross-validation), so nothing is reported on the split it was chosen on.
        var runs = new Dictionary<VoteSetting, (List<VideoRecognitionTrackResult> A, List<VideoRecognitionTrackResult> B)>();
        using (var bar = ConsoleUi.Progress("bench recognition: vote settings", s_grid.Length))
        {
            foreach (var setting in s_grid)
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var a = splitA.Select(q => evaluation.Run(q, setting.Options, options)).ToList();
                var b = splitB.Select(q => evaluation.Run(q, setting.Options, options)).ToList();
                runs[setting] = (a, b);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"setting {setting}: A {Score(a)}; B {Score(b)} ({System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s)"));
                bar.Increment();
            }
        }

        var choiceA = Choose(runs, r => r.A);
        var choiceB = Choose(runs, r => r.B);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chosen on A: {choiceA} (A: {Score(runs[choiceA].A)})"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chosen on B: {choiceB} (B: {Score(runs[choiceB].B)})"));
        var heldOut = runs[choiceB].A.Concat(runs[choiceA].B).ToList();
        foreach (var r in heldOut)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"track {r.Name} {(r.Enrolled ? "customer" : "stranger")} vote={r.Vote} vote_s={Seconds(r.VoteSecondsToCorrect)} single={r.SingleFrame} single_s={Seconds(r.SingleFrameSecondsToCorrect)} tracked={r.TrackedFrames}/{r.Frames} tracks={r.Tracks}"));
        }

        // The library's defaults were not chosen on this data: both splits are held out for them.
        var defaults = new VoteSetting(new IdentityVotingOptions());
        if (runs.TryGetValue(defaults, out var d))
        {
            Summary("defaults_vote_a_b", [.. d.A.Concat(d.B).Select(r => (r.Enrolled, r.Vote, r.VoteSecondsToCorrect, r.TrackedFrames))]);
        }

        Summary("vote", [.. heldOut.Select(r => (r.Enrolled, r.Vote, r.VoteSecondsToCorrect, r.TrackedFrames))]);
        Summary("single_frame", [.. heldOut.Select(r => (r.Enrolled, r.SingleFrame, r.SingleFrameSecondsToCorrect, r.TrackedFrames))]);
        return Task.FromResult(ExitCodes.Ok);
    }

    // Fewest wrong (customers named as another, strangers named), then most customers correct; ties to the stricter
    // similarity, then more faces.
    private static VoteSetting Choose(Dictionary<VoteSetting, (List<VideoRecognitionTrackResult> A, List<VideoRecognitionTrackResult> B)> runs, Func<(List<VideoRecognitionTrackResult> A, List<VideoRecognitionTrackResult> B), List<VideoRecognitionTrackResult>> split) =>
        runs.Select(r => (Setting: r.Key, Score: Score(split(r.Value))))
            .OrderBy(r => r.Score.Wrong).ThenByDescending(r => r.Score.Correct)
            .ThenByDescending(r => r.Setting.Match).ThenByDescending(r => r.Setting.MinFaces)
            .First().Setting;

    private static SplitScore Score(List<VideoRecognitionTrackResult> results) => new(
        results.Count(r => r.Enrolled && r.Vote == TrackOutcome.Correct),
        results.Count(r => r.Enrolled),
        results.Count(r => r.Enrolled && r.Vote == TrackOutcome.Wrong),
        results.Count(r => !r.Enrolled && r.Vote == TrackOutcome.Wrong),
        results.Count(r => !r.Enrolled));

    private sealed record VoteSetting(int MinFaces, float Match, float Band, float WinnerShare)
    {
        public VoteSetting(IdentityVotingOptions o)
            : this(o.MinFaces, o.MatchSimilarity, MathF.Round(o.MatchSimilarity - o.UnknownSimilarity, 2), o.MinWinnerShare)
        {
        }

        public IdentityVotingOptions Options => new() { MinFaces = MinFaces, MatchSimilarity = Match, UnknownSimilarity = Match - Band, MinWinnerShare = WinnerShare };

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"min_faces={MinFaces} match_similarity={Match:F2} unknown_similarity={Match - Band:F2} min_winner_share={WinnerShare:F1}");
    }

    private readonly record struct SplitScore(int Correct, int Customers, int CustomersWrong, int StrangersNamed, int Strangers)
    {
        public int Wrong => CustomersWrong + StrangersNamed;

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"customers correct {Correct}/{Customers} wrong {CustomersWrong}; strangers named {StrangersNamed}/{Strangers}");
    }

    private static string Seconds(double? s) => s is { } v ? v.ToString("F1", CultureInfo.InvariantCulture) : "-";

    // Wilson score interval (95 %) of a proportion: meaningful at 0 and n as well, where the normal one is not.
    private static (double Low, double High) Wilson(int k, int n)
    {
        if (n == 0)
        {
            return (0, 1);
        }

        const double z = 1.959964;
        double p = (double)k / n, z2 = z * z;
        var centre = (p + (z2 / (2 * n))) / (1 + (z2 / n));
        var half = z * Math.Sqrt((p * (1 - p) / n) + (z2 / (4.0 * n * n))) / (1 + (z2 / n));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    private static void Summary(string method, List<(bool Enrolled, TrackOutcome Outcome, double? Seconds, int TrackedFrames)> rows)
    {
        var customers = rows.Where(r => r.Enrolled).ToList();
        var strangers = rows.Where(r => !r.Enrolled).ToList();
        var correct = customers.Count(r => r.Outcome == TrackOutcome.Correct);
        var named = strangers.Count(r => r.Outcome == TrackOutcome.Wrong);
        var (low, high) = Wilson(correct, customers.Count);
        var (_, namedHigh) = Wilson(named, strangers.Count);
        var times = customers.Where(r => r.Outcome == TrackOutcome.Correct && r.Seconds is not null).Select(r => r.Seconds!.Value).Order().ToList();
        var tracked = customers.Where(r => r.TrackedFrames > 0).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{method}: customers correct {correct}/{customers.Count} ({100.0 * correct / Math.Max(1, customers.Count):F1} %, 95 % CI {100 * low:F1}–{100 * high:F1} %) wrong {customers.Count(r => r.Outcome == TrackOutcome.Wrong)} unnamed {customers.Count(r => r.Outcome == TrackOutcome.Unnamed)} (never tracked {customers.Count - tracked.Count}); tracked customers correct {tracked.Count(r => r.Outcome == TrackOutcome.Correct)}/{tracked.Count}; strangers named {named}/{strangers.Count} (95 % CI upper {100 * namedHigh:F1} %); median s to correct {(times.Count == 0 ? "-" : times[times.Count / 2].ToString("F1", CultureInfo.InvariantCulture))}"));
    }
}
