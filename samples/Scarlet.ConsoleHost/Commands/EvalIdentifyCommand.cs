using System.Globalization;
using System.Text.Json;
using Scarlet.Evaluation.Recognition;
using Scarlet.Recognition;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet eval identify --images DIR [--images DIR ...] [--enrol K] [--gallery 100,300,1000] [--folds N] [--target-fmr F]
/// [--margin M] [--cohort N] [--repeats R] [--pair-far F] [--min-photos N] [--learn-above S] [--track K] [--no-gate] [--seed S] [--cache FILE] [--out report.json] [--model ID|PATH] [--normalization imagenet|arcface|raw] [--align-margin M] [--no-refine] [--conditional-refine [--refine-margin M]] [--choose-refine-margin] [--parallel N]</c>: open-set
/// identification through the hosts' recognition path (detect, gate, refine, align, embed, gallery). Per gallery size
/// it prints the contract lines <c>gallery: N</c>, <c>threshold: T</c>, <c>false_match: F</c>, <c>genuine_correct: G</c>
/// (held-out: each fold scored at the threshold chosen on the others), writes the report and a DET plot beside it.
/// </summary>
internal static class EvalIdentifyCommand
{
    public static Task<int> RunAsync(CliArgs args)
    {
        var roots = args.All("images");
        var enrol = args.Int("enrol", 1);
        var sizes = ParseSizes(args.Optional("gallery") ?? "100,300,1000");
        var folds = args.Int("folds", 2);
        var target = args.Double("target-fmr", 0.005);
        var seed = args.Int("seed", 1);
        var cache = args.Optional("cache");
        var outPath = args.Optional("out");
        var modelId = args.Optional("model") ?? ModelCatalog.MobileFaceNet.Id;
        var normalization = EmbedderArgs.Normalization(args);
        var alignMargin = EmbedderArgs.AlignMargin(args);
        var noRefine = args.Flag("no-refine");
        var choose = args.Flag("choose-refine-margin");
        var conditional = args.Flag("conditional-refine") || choose;
        var refineMargin = args.Double("refine-margin", FaceRecognizer.DefaultRefinementMargin);
        var noGate = args.Flag("no-gate");
        var minPhotos = args.Int("min-photos", 0);
        var trackLength = args.Int("track", 0);
        var learn = !args.Has("learn-above") ? float.NaN : (float)args.Double("learn-above", 1);
        var parallel = args.Int("parallel", 2);
        var gallery = new FaceGalleryOptions();
        var margin = !args.Has("margin") ? gallery.Margin : (float)args.Double("margin", gallery.Margin);
        var pairFar = args.Double("pair-far", 1e-6);
        var cohortSize = args.Int("cohort", 0);
        var repeats = args.Int("repeats", 5);
        using var vision = new VisionSetup(args);
        args.EnsureAllUsed();
        if (roots.Count == 0)
        {
            throw new UsageException("--images is required (a folder with one sub-folder per person; may be given several times)");
        }

        if (enrol < 1 || folds < 2 || parallel < 1 || repeats < 1 || trackLength < 0 || target is <= 0 or >= 1 || margin is < 0 or > 2 || pairFar is <= 0 or >= 1)
        {
            throw new UsageException("--enrol takes 1 or more, --folds 2 or more, --parallel 1 or more, --repeats 1 or more, --track 0 or more, --target-fmr and --pair-far a rate in (0, 1), --margin 0 to 2");
        }

        if (conditional && (noRefine || refineMargin is < 0 or > 2))
        {
            throw new UsageException("--conditional-refine scores the hosts' conditional refinement: not with --no-refine; --refine-margin 0 to 2");
        }

        gallery.Margin = margin;
        var samples = LoadSamples(roots, vision, modelId, normalization, alignMargin, noRefine, noGate, parallel, cache);

        // The hosts identify on the unrefined embedding first and refine only near a decision: the probes get both.
        Dictionary<string, float[]>? unrefined = null;
        if (conditional)
        {
            var raw = LoadSamples(roots, vision, modelId, normalization, alignMargin, noRefine: true, noGate, parallel, cache is null ? null : cache + ".raw");
            unrefined = raw.Where(s => s.Embedding is not null).ToDictionary(OpenSetProtocol.UnrefinedKey, s => s.Embedding!, StringComparer.Ordinal);
        }
        var people = samples.Select(s => s.PersonId).Distinct(StringComparer.Ordinal).Count();
        Console.Out.WriteLine(Inv($"faces: {samples.Count} photos of {people} people; embedded {samples.Count(s => s.Outcome == FaceSampleOutcome.Embedded)}, no face {samples.Count(s => s.Outcome == FaceSampleOutcome.NoFace)}, rejected by the quality gate {samples.Count(s => s.Outcome == FaceSampleOutcome.Rejected)}"));

        var protocol = new OpenSetProtocol
        {
            EnrolPerPerson = enrol,
            GallerySizes = sizes,
            Folds = folds,
            Seed = seed,
            TargetFalseMatchRate = target,
            Gallery = gallery,
            CohortSize = cohortSize,
            Repeats = repeats,
            MinPhotos = minPhotos,
            LearnThreshold = learn,
            TrackLength = trackLength,
            TrackDecider = trackLength > 0 ? VoteTrack : null,
            UnrefinedProbes = unrefined,
            RefinementMargin = (float)refineMargin,
        };
        Console.Out.WriteLine(Inv($"protocol: enrol {enrol} per person, {folds} identity-disjoint folds drawn {repeats} times, threshold for false_match <= {target:0.####} chosen on the other folds, margin {margin:F3}, index {gallery.IndexKind} ef {gallery.EfSearch}"));
        if (conditional)
        {
            Console.Out.WriteLine(Inv($"refinement: conditional (probes refined only near a decision), margin {refineMargin:F3} around match threshold {gallery.MatchThreshold:F3}; templates refined"));
        }

        var results = OpenSetEvaluation.Run(samples, protocol, line => Console.Error.WriteLine(line));
        foreach (var r in results)
        {
            var h = r.HeldOut;
            Console.Out.WriteLine(Inv($"gallery: {r.GallerySize}"));
            Console.Out.WriteLine(Inv($"threshold: {r.Threshold:F4}"));
            Console.Out.WriteLine(Inv($"false_match: {h.FalseMatch:F4}"));
            Console.Out.WriteLine(Inv($"genuine_correct: {h.GenuineCorrect:F4}"));
            Console.Out.WriteLine(Inv($"genuine_wrong: {h.GenuineWrong:F4}"));
            Console.Out.WriteLine(Inv($"genuine_missed: {h.GenuineMissed:F4}"));
            Console.Out.WriteLine(Inv($"new_people_flagged: {h.Flagged:F4}"));
            Console.Out.WriteLine(Inv($"probes: {h.GenuineProbes} genuine, {h.ImpostorProbes} impostor (with a detected face); synthetic distractors per fold: {r.SyntheticDistractors}; fold thresholds: {string.Join(", ", r.FoldThresholds.Select(t => t.ToString("F3", CultureInfo.InvariantCulture)))}"));
            Console.Out.WriteLine(Inv($"identify_us: p50 {r.IdentifyMicrosP50:F0} p99 {r.IdentifyMicrosP99:F0}"));
            if (conditional)
            {
                var (refinedProbes, scored) = r.ConditionalRefinement;
                Console.Out.WriteLine(Inv($"refined_share: {(double)refinedProbes / Math.Max(1, scored):F4} ({refinedProbes} of {scored} probes refined)"));
                Console.Out.WriteLine(Inv($"decisions_changed: {r.ConditionalDisagreements} (probes decided otherwise than always refining would, at the match threshold {gallery.MatchThreshold:F3})"));
            }

            if (AtThreshold(r, gallery.MatchThreshold) is { } op)
            {
                Console.Out.WriteLine(Inv($"operating_point: threshold {op.Threshold:F3} false_match {op.FalseMatch:F4} genuine_correct {op.GenuineCorrect:F4} genuine_wrong {op.GenuineWrong:F4} (all folds pooled at the gallery's match threshold, the hosts' setting)"));
            }
            Console.Out.WriteLine(Inv($"impostor_pairs_above_{OpenSetGalleryResult.TailThreshold:F2}: real distractors {r.RealDistractorTail:0.00000}, synthetic {r.SyntheticDistractorTail:0.00000}"));
            foreach (var t in r.Tracks)
            {
                Console.Out.WriteLine(Inv($"track_{t.Rule}: threshold {t.Threshold:F4} false_match {t.FalseMatch:F4} correct {t.Correct:F4} wrong {t.Wrong:F4} ({t.GenuineTracks} genuine, {t.ImpostorTracks} stranger tracks of {trackLength} faces)"));
            }

            if (r.CohortHeldOut is { } z)
            {
                Console.Out.WriteLine(Inv($"cohort_tnorm: threshold_z {z.Threshold * 10:F2} false_match {z.FalseMatch:F4} genuine_correct {z.GenuineCorrect:F4} genuine_wrong {z.GenuineWrong:F4} new_people_flagged {z.Flagged:F4}"));
            }
        }

        if (choose)
        {
            ChooseRefinementMargin(samples, protocol, seed);
        }

        // Per-pair statistics on identity-disjoint halves: each threshold chosen on one half, its rate read on the other.
        var dupThresholds = new List<float>();
        double dupHeldOut = 0, dupGenuine = 0;
        long impostorPairs = 0;
        var model = new (double Threshold, double FalseMatch)[results.Count];
        for (var rep = 0; rep < repeats; rep++)
        {
            var halves = OpenSetEvaluation.FoldsOf(samples, 2, seed + (rep * 7717));
            var pairsA = PairScores.Of(samples, p => halves[p] == 0);
            var pairsB = PairScores.Of(samples, p => halves[p] == 1);
            var dupA = pairsA.ThresholdForFalseAcceptRate(pairFar);
            var dupB = pairsB.ThresholdForFalseAcceptRate(pairFar);
            dupThresholds.Add(dupA);
            dupThresholds.Add(dupB);
            dupHeldOut += (pairsB.FalseAcceptRate(dupA) + pairsA.FalseAcceptRate(dupB)) / 2 / repeats;
            dupGenuine += (pairsB.TrueAcceptRate(dupA) + pairsA.TrueAcceptRate(dupB)) / 2 / repeats;
            impostorPairs += pairsA.ImpostorPairs + pairsB.ImpostorPairs;
            for (var i = 0; i < results.Count; i++)
            {
                var n = results[i].GallerySize;
                var tA = pairsA.ThresholdForGallery(target, n);
                var tB = pairsB.ThresholdForGallery(target, n);
                model[i].Threshold += (tA + tB) / 2 / repeats;
                model[i].FalseMatch += (pairsB.GalleryFalseMatchRate(tA, n) + pairsA.GalleryFalseMatchRate(tB, n)) / 2 / repeats;
            }
        }

        for (var i = 0; i < results.Count; i++)
        {
            Console.Out.WriteLine(Inv($"pair_model: gallery {results[i].GallerySize} threshold {model[i].Threshold:F4} false_match {model[i].FalseMatch:F4} (1 - (1 - FAR)^N, threshold per identity-disjoint half, FAR read on the other)"));
        }

        var dup = dupThresholds.Average();
        Console.Out.WriteLine(Inv($"duplicate_threshold: {dup:F4} (per-pair false accept <= {pairFar:0e0} chosen per identity-disjoint half, {dupThresholds.Min():F3} to {dupThresholds.Max():F3}; held-out false accept {dupHeldOut:0.0e0} over {impostorPairs / repeats} different-person pairs per repeat; {dupGenuine:P1} of same-person pairs reach it)"));

        if (outPath is not null)
        {
            WriteReport(outPath, protocol, results, dup, pairFar, dupGenuine);
            var plot = Path.ChangeExtension(outPath, ".svg");
            DetPlot.Write(plot, results);
            DetPlot.Write(Path.ChangeExtension(outPath, ".png"), results);
            Console.Out.WriteLine($"report: {outPath}");
            Console.Out.WriteLine($"plot: {plot} (and .png)");
        }

        return Task.FromResult(ExitCodes.Ok);
    }

    // The margins tried, smallest first: the smallest that changes no decision is the cheapest safe one.
    private static readonly float[] s_refineMargins = [0f, 0.025f, 0.05f, 0.075f, 0.1f, 0.125f, 0.15f, 0.175f, 0.2f, 0.25f, 0.3f, 0.4f, 2f];

    // Cross-validates the refinement margin on this protocol: on each identity-disjoint half the smallest margin whose
    // conditional decisions all equal always refining's is chosen, and scored on the other half against always refining.
    private static void ChooseRefinementMargin(IReadOnlyList<FaceSample> samples, OpenSetProtocol protocol, int seed)
    {
        var half = OpenSetEvaluation.FoldsOf(samples, 2, seed + 104729);
        var largest = protocol.GallerySizes.Max();
        var ofHalf = new List<FaceSample>[2];
        for (var h = 0; h < 2; h++)
        {
            var part = h;
            ofHalf[h] = samples.Where(s => half[s.PersonId] == part).ToList();
        }

        OpenSetGalleryResult RunOn(List<FaceSample> part, float? margin)
        {
            var p = CopyOf(protocol, largest);
            p.UnrefinedProbes = margin is null ? null : protocol.UnrefinedProbes;
            p.RefinementMargin = margin ?? 0f;
            return OpenSetEvaluation.Run(part, p)[0];
        }

        float Choose(List<FaceSample> part)
        {
            foreach (var m in s_refineMargins)
            {
                if (RunOn(part, m).ConditionalDisagreements == 0)
                {
                    return m;
                }
            }

            return 2f;
        }

        for (var h = 0; h < 2; h++)
        {
            var chosen = Choose(ofHalf[h]);
            var heldOut = ofHalf[1 - h];
            var c = RunOn(heldOut, chosen);
            var a = RunOn(heldOut, null);
            var (refined, probes) = c.ConditionalRefinement;
            var co = AtThreshold(c, protocol.Gallery.MatchThreshold) ?? default;
            var ao = AtThreshold(a, protocol.Gallery.MatchThreshold) ?? default;
            Console.Out.WriteLine(Inv($"refine_margin_fold: {h + 1} chosen {chosen:F3} on half {h + 1}, scored on half {2 - h} at gallery {largest}: decisions_changed {c.ConditionalDisagreements} of {probes}, refined_share {(double)refined / Math.Max(1, probes):F4}; at the match threshold false_match {co.FalseMatch:F4} vs {ao.FalseMatch:F4} always refined, genuine_correct {co.GenuineCorrect:F4} vs {ao.GenuineCorrect:F4}; at held-out thresholds false_match {c.HeldOut.FalseMatch:F4} vs {a.HeldOut.FalseMatch:F4}, genuine_correct {c.HeldOut.GenuineCorrect:F4} vs {a.HeldOut.GenuineCorrect:F4}"));
        }

        Console.Out.WriteLine(Inv($"refine_margin: {Choose(samples.ToList()):F3} (the smallest margin that changes no decision on all the photos; Scarlet:Recognition:RefinementMargin)"));
    }

    // The swept point nearest a threshold (the sweep's grid holds the gallery's default threshold).
    private static OpenSetPoint? AtThreshold(OpenSetGalleryResult r, float threshold)
    {
        OpenSetPoint? nearest = null;
        foreach (var p in r.Sweep)
        {
            if (nearest is null || Math.Abs(p.Threshold - threshold) < Math.Abs(nearest.Value.Threshold - threshold))
            {
                nearest = p;
            }
        }

        return nearest is { } n && Math.Abs(n.Threshold - threshold) < 0.001f ? n : null;
    }

    private static OpenSetProtocol CopyOf(OpenSetProtocol p, int gallerySize) => new()
    {
        EnrolPerPerson = p.EnrolPerPerson,
        GallerySizes = [gallerySize],
        Folds = p.Folds,
        Seed = p.Seed,
        TargetFalseMatchRate = p.TargetFalseMatchRate,
        Gallery = p.Gallery,
        CohortSize = 0,
        Repeats = p.Repeats,
        MinPhotos = p.MinPhotos,
        LearnThreshold = p.LearnThreshold,
        UnrefinedProbes = p.UnrefinedProbes,
        RefinementMargin = p.RefinementMargin,
    };

    private static IReadOnlyList<FaceSample> LoadSamples(IReadOnlyList<string> roots, VisionSetup vision, string modelId, EmbeddingNormalization normalization, float alignMargin, bool noRefine, bool noGate, int parallel, string? cache)
    {
        var photos = new List<(string PersonId, string File, string FullPath)>();
        var prefixes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in roots)
        {
            if (!Directory.Exists(root))
            {
                throw new UsageException($"--images: folder not found: {root}");
            }

            // The data set's name: "lfw" for lfw/images, else the folder's own name; made unique.
            var full = Path.GetFullPath(root).TrimEnd('/');
            var name = Path.GetFileName(full);
            if (name == "images")
            {
                name = Path.GetFileName(Path.GetDirectoryName(full)) ?? name;
            }

            var prefix = name;
            for (var i = 2; !prefixes.Add(prefix); i++)
            {
                prefix = name + i.ToString(CultureInfo.InvariantCulture);
            }

            photos.AddRange(FaceSet.List(root, prefix));
        }

        // --no-gate measures what the quality gate is worth: every detected face is embedded.
        var quality = noGate ? new FaceQualityOptions { MinFaceSize = 1, MinSharpness = 0, MaxYawDegrees = 90, MaxRollDegrees = 180 } : new FaceQualityOptions();
        var embedderPath = vision.Locator.Resolve(modelId);
        var key = FaceSet.Key("v1", Path.GetFileName(embedderPath) + (normalization == EmbeddingNormalization.ImageNet ? "" : "/" + normalization) + (alignMargin == 1f ? "" : Inv($"/m{alignMargin}")), Path.GetFileName(vision.FaceModelPath), noRefine ? "raw" : "refined", JsonSerializer.Serialize(quality), photos.Count, string.Join(";", roots.Select(Path.GetFullPath)));
        if (cache is not null && FaceSet.Load(cache, key) is { } cached)
        {
            Console.Error.WriteLine($"  {cached.Count} embeddings from {cache}");
            return cached;
        }

        using var embedder = new OnnxFaceEmbedder(embedderPath, FaceEmbedderOptions.For(normalization, flip: true), new InferenceOptions { IntraOpThreads = 1 });
        using var detector = new YuNetFaceDetector(vision.FaceModelPath, new FaceDetectorOptions(), new InferenceOptions { IntraOpThreads = 1 });
        using var unused = new FaceGallery(embedder.Dimension, embedder.ModelId);
        var recognizer = new FaceRecognizer(detector, embedder, unused, new FaceQualityGate(quality), new FaceAligner(alignMargin), noRefine ? null : new MirrorLandmarkRefiner(detector));
        var started = DateTime.UtcNow;
        IReadOnlyList<FaceSample> samples;
        using (var bar = ConsoleUi.Progress("eval identify: embedding photos", photos.Count, new Progress<int>(n => Console.Error.WriteLine(Inv($"  {n} photos embedded")))))
        {
            samples = FaceSet.Embed(photos, recognizer, parallel, bar);
        }

        Console.Error.WriteLine(Inv($"  {samples.Count} photos in {(DateTime.UtcNow - started).TotalSeconds:F0} s"));
        if (cache is not null)
        {
            FaceSet.Save(cache, key, samples);
        }

        return samples;
    }

    // The camera pipeline's vote (Scarlet.Tracking) over a simulated track: every face of equal size and quality, a
    // decision only when all faces have voted, the unknown band 0.10 under the threshold as in the defaults.
    private static string? VoteTrack(IReadOnlyList<TrackFace> faces, float threshold)
    {
        var voter = new Scarlet.Tracking.Identity.TrackIdentityVoter(new Scarlet.Tracking.Identity.IdentityVotingOptions
        {
            MinFaces = faces.Count,
            MatchSimilarity = threshold,
            UnknownSimilarity = Math.Max(-1f, threshold - 0.10f),
        });
        var decision = Scarlet.Tracking.Identity.TrackIdentityDecision.None;
        foreach (var f in faces)
        {
            decision = voter.Add(f.IdentityId, f.Similarity, 100f, 1f);
        }

        return decision.Status == Scarlet.Tracking.Identity.TrackIdentityStatus.Known ? decision.IdentityId : null;
    }

    private static int[] ParseSizes(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var sizes = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] < 1)
            {
                throw new UsageException($"--gallery takes sizes like 100,300,1000, got '{text}'");
            }
        }

        return sizes.Length > 0 ? sizes : throw new UsageException("--gallery needs at least one size");
    }

    private static void WriteReport(string path, OpenSetProtocol protocol, IReadOnlyList<OpenSetGalleryResult> results, float duplicateThreshold, double pairFar, double genuineAbove)
    {
        var report = new
        {
            protocol = new { enrol_per_person = protocol.EnrolPerPerson, folds = protocol.Folds, seed = protocol.Seed, target_false_match = protocol.TargetFalseMatchRate, margin = protocol.Gallery.Margin },
            duplicate_threshold = new { threshold = duplicateThreshold, pair_false_accept = pairFar, same_person_pairs_reaching_it = N(genuineAbove) },
            galleries = results.Select(r => new
            {
                gallery = r.GallerySize,
                threshold = r.Threshold,
                fold_thresholds = r.FoldThresholds,
                held_out = Point(r.HeldOut),
                folds = r.FoldResults.Select(Point),
                synthetic_distractors = r.SyntheticDistractors,
                impostor_pair_tail = new { at = OpenSetGalleryResult.TailThreshold, real = N(r.RealDistractorTail), synthetic = N(r.SyntheticDistractorTail) },
                identify_us_p50 = N(r.IdentifyMicrosP50),
                identify_us_p99 = N(r.IdentifyMicrosP99),
                sweep = r.Sweep.Select(Point),
            }),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
    }

    private static object Point(OpenSetPoint p) => new
    {
        threshold = p.Threshold,
        genuine_probes = p.GenuineProbes,
        genuine_correct = N(p.GenuineCorrect),
        genuine_wrong = N(p.GenuineWrong),
        genuine_missed = N(p.GenuineMissed),
        impostor_probes = p.ImpostorProbes,
        false_match = N(p.FalseMatch),
        new_people_flagged = N(p.Flagged),
    };

    // JSON has no NaN: a rate without probes (or a tail without distractors) is null.
    private static double? N(double v) => double.IsFinite(v) ? v : null;

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
