using System.Globalization;
using Scarlet.Recognition;
using Scarlet.Tracking.Evaluation;
using Scarlet.Tracking.Identity;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet bench recognition [--data DIR] [--customers N] [--strangers N] [--distractors N] [--frames-per-photo K]</c>:
/// recognition on video. LFW people with at least 9 photos are customers (3 photos enrolled, 6 others shown as a moving
/// face over PETS09 frames); people with 6–8 photos are strangers (6 shown, never enrolled); people with one photo fill
/// the gallery as distractors. Split A (even positions) chooses the vote's settings by replaying its face observations;
/// ties go to the stricter similarity, then fewer faces; split B (odd positions) is reported with those settings through the camera pipeline, vote vs single-frame decisions.
/// </summary>
internal static class BenchRecognitionCommand
{
    private static readonly (int MinFaces, float Match)[] s_grid =
        [.. from m in new[] { 1, 2, 3, 4 } from s in new[] { 0.45f, 0.50f, 0.55f, 0.60f } select (m, s)];

    public static Task<int> RunAsync(ArgReader args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var data = args.Optional("data") ?? Path.Combine("..", "shared", "data");
        var customers = args.Int("customers", 34);
        var strangers = args.Int("strangers", 34);
        var distractors = args.Int("distractors", 200);
        var framesPerPhoto = args.Int("frames-per-photo", 2);
        using var vision = new VisionSetup(args, 0.1f);
        args.EnsureAllUsed();
        if (customers < 2 || strangers < 2 || distractors < 0 || framesPerPhoto < 1)
        {
            throw new UsageException("--customers and --strangers at least 2, --distractors not negative, --frames-per-photo positive");
        }

        var lfw = Path.Combine(data, "faces", "lfw", "images");
        var people = Directory.GetDirectories(lfw).Order(StringComparer.Ordinal)
            .Select(d => (Name: Path.GetFileName(d), Photos: Directory.GetFiles(d, "*.jpg").Order(StringComparer.Ordinal).ToList())).ToList();
        var enrolled = people.Where(p => p.Photos.Count >= 9).Take(customers).ToList();
        var unknown = people.Where(p => p.Photos.Count is >= 6 and <= 8).Take(strangers).ToList();
        var fillers = people.Where(p => p.Photos.Count == 1).Take(distractors).ToList();

        using var embedder = new OnnxFaceEmbedder(vision.Sessions.Get(vision.Locator.Resolve(ModelCatalog.MobileFaceNet.Id)), ModelCatalog.MobileFaceNet.Id);
        using var gallery = new FaceGallery(embedder.Dimension, embedder.ModelId);
        var recognizer = new FaceRecognizer(vision.Faces, embedder, gallery, landmarkRefiner: new MirrorLandmarkRefiner(vision.Faces));
        var skipped = 0;
        foreach (var (name, photos) in enrolled.Select(p => (p.Name, p.Photos.Take(3))).Concat(fillers.Select(p => (p.Name, p.Photos.Take(1)))))
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
        var sequences = enrolled.Select(p => new VideoRecognitionSequence(p.Name, [.. p.Photos.Skip(3).Take(6)], true))
            .Concat(unknown.Select(p => new VideoRecognitionSequence(p.Name, [.. p.Photos.Take(6)], false))).ToList();
        var splitA = sequences.Where((s, i) => i % 2 == 0).ToList();
        var splitB = sequences.Where((s, i) => i % 2 == 1).ToList();
        var evaluation = new VideoRecognitionEvaluation(vision.Persons, new FaceModels(vision.Faces, recognizer), vision.Locator.ResolveDemoVideo());
        var options = new VideoRecognitionOptions { FramesPerPhoto = framesPerPhoto };
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench recognition: {enrolled.Count} customers ({skipped} enrolment photo(s) without a usable face), {unknown.Count} strangers, {fillers.Count} distractors in the gallery ({gallery.IdentityCount} identities); {framesPerPhoto} frames per photo over PETS09; split A {splitA.Count} sequences (choice), split B {splitB.Count} (report)"));

        // Split A: observations once (the pipeline with the defaults), then every setting by replay.
        var observed = new List<(VideoRecognitionSequence Sequence, List<FaceObservation> Faces)>();
        foreach (var s in splitA)
        {
            var faces = new List<FaceObservation>();
            evaluation.Run(s, new IdentityVotingOptions(), options, faces);
            observed.Add((s, faces));
        }

        var choice = s_grid
            .Select(g => (g.MinFaces, g.Match, Outcomes: observed.Select(o => VideoRecognitionEvaluation.Replay(o.Sequence, o.Faces, Voting(g.MinFaces, g.Match))).ToList()))
            .Select(r => (r.MinFaces, r.Match, Wrong: r.Outcomes.Count(o => o == TrackOutcome.Wrong), Correct: r.Outcomes.Where((o, i) => observed[i].Sequence.Enrolled && o == TrackOutcome.Correct).Count()))
            .OrderBy(r => r.Wrong).ThenByDescending(r => r.Correct).ThenByDescending(r => r.Match).ThenBy(r => r.MinFaces)
            .First();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"chosen on A: min_faces={choice.MinFaces} match_similarity={choice.Match:F2} unknown_similarity={choice.Match - 0.10f:F2} (A: {choice.Wrong} wrong, {choice.Correct}/{observed.Count(o => o.Sequence.Enrolled)} customers correct)"));

        var results = splitB.Select(s => evaluation.Run(s, Voting(choice.MinFaces, choice.Match), options)).ToList();
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"track {r.Name} {(r.Enrolled ? "customer" : "stranger")} vote={r.Vote} vote_s={Seconds(r.VoteSecondsToCorrect)} single={r.SingleFrame} single_s={Seconds(r.SingleFrameSecondsToCorrect)} tracked={r.TrackedFrames}/{r.Frames} tracks={r.Tracks}"));
        }

        Summary("vote", results.Select(r => (r.Enrolled, r.Vote, r.VoteSecondsToCorrect)).ToList());
        Summary("single_frame", results.Select(r => (r.Enrolled, r.SingleFrame, r.SingleFrameSecondsToCorrect)).ToList());
        return Task.FromResult(ExitCodes.Ok);
    }

    private static IdentityVotingOptions Voting(int minFaces, float match) =>
        new() { MinFaces = minFaces, MatchSimilarity = match, UnknownSimilarity = match - 0.10f };

    private static string Seconds(double? s) => s is { } v ? v.ToString("F1", CultureInfo.InvariantCulture) : "-";

    private static void Summary(string method, List<(bool Enrolled, TrackOutcome Outcome, double? Seconds)> rows)
    {
        var customers = rows.Where(r => r.Enrolled).ToList();
        var strangers = rows.Where(r => !r.Enrolled).ToList();
        var times = customers.Where(r => r.Outcome == TrackOutcome.Correct && r.Seconds is not null).Select(r => r.Seconds!.Value).Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{method}: customers correct {customers.Count(r => r.Outcome == TrackOutcome.Correct)}/{customers.Count} wrong {customers.Count(r => r.Outcome == TrackOutcome.Wrong)} unnamed {customers.Count(r => r.Outcome == TrackOutcome.Unnamed)}; strangers named {strangers.Count(r => r.Outcome == TrackOutcome.Wrong)}/{strangers.Count}; median s to correct {(times.Count == 0 ? "-" : times[times.Count / 2].ToString("F1", CultureInfo.InvariantCulture))}"));
    }
}
