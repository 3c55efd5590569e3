using Scarlet.Evaluation.Recognition;
using Scarlet.Testing;
using Scarlet.Vision;
using Xunit.Abstractions;

namespace Scarlet.Recognition.Tests;

/// <summary>
/// Open-set identification on real LFW faces through the hosts' path (detection, quality gate, landmark refinement,
/// flip): strangers are not taken for their lookalikes, and enrolled people are still found among theirs.
/// </summary>
public sealed class OpenSetTests(OpenSetTests.LfwSubset lfw, ITestOutputHelper output) : IClassFixture<OpenSetTests.LfwSubset>
{

    [Fact]
    public void Decide_is_the_documented_rule()
    {
        Assert.Equal(MatchStatus.NewFace, FaceGallery.Decide(float.NegativeInfinity, float.NegativeInfinity, 0.4f, 0.05f));
        Assert.Equal(MatchStatus.NewFace, FaceGallery.Decide(0.39f, 0.1f, 0.4f, 0.05f));
        Assert.Equal(MatchStatus.Matched, FaceGallery.Decide(0.41f, float.NegativeInfinity, 0.4f, 0.05f));
        Assert.Equal(MatchStatus.Matched, FaceGallery.Decide(0.60f, 0.50f, 0.4f, 0.05f));

        // A runner-up within the margin makes the face ambiguous even when the runner-up itself is under the threshold.
        Assert.Equal(MatchStatus.MultipleMatches, FaceGallery.Decide(0.42f, 0.38f, 0.4f, 0.05f));
        Assert.Equal(MatchStatus.MultipleMatches, FaceGallery.Decide(0.60f, 0.58f, 0.4f, 0.05f));
    }

    [Fact]
    public void A_stranger_is_not_matched_to_the_lookalikes_of_a_gallery_and_enrolled_people_are_found_among_theirs()
    {
        // A pool of people with one enrolled photo each, strangers (people with a single photo, never enrolled), and
        // each stranger's 12 closest pool members as a gallery of lookalikes. With the 0.30 threshold of the first
        // release, a third of the strangers were matched to someone.
        var pool = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var probes = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var person in lfw.Samples.GroupBy(s => s.PersonId).Where(g => g.Count() >= 2))
        {
            var photos = person.ToArray();
            if (photos[0].Embedding is { } e && photos[1].Embedding is { } probe)
            {
                pool[person.Key] = e;
                probes[person.Key] = probe;
            }
        }

        var options = new FaceGalleryOptions();
        var strangersMatched = 0;
        var oldMatches = 0;
        var strangers = 0;
        foreach (var s in lfw.Samples.GroupBy(s => s.PersonId).Where(g => g.Count() == 1).Select(g => g.Single()))
        {
            if (s.Embedding is not { } stranger)
            {
                continue;
            }

            strangers++;
            using var lookalikes = GalleryOf(pool.OrderByDescending(kv => EmbeddingMath.Cosine(kv.Value, stranger)).Take(12), options);
            var r = lookalikes.Identify(stranger);
            output.WriteLine($"stranger {s.PersonId}: {r}");
            if (r.Status == MatchStatus.Matched)
            {
                strangersMatched++;
            }

            // The old constant took a third of them for someone: the test would fail there.
            using var old = GalleryOf(pool.OrderByDescending(kv => EmbeddingMath.Cosine(kv.Value, stranger)).Take(12), new FaceGalleryOptions { MatchThreshold = 0.30f, DuplicateThreshold = 0.30f });
            oldMatches += old.Identify(stranger).Status == MatchStatus.Matched ? 1 : 0;
        }

        // Enrolled people among their own 12 lookalikes (themselves included).
        var found = 0;
        var wrong = 0;
        foreach (var (name, probe) in probes)
        {
            using var lookalikes = GalleryOf(pool.OrderByDescending(kv => EmbeddingMath.Cosine(kv.Value, pool[name])).Take(12), options);
            var r = lookalikes.Identify(probe);
            found += r.Status == MatchStatus.Matched && r.IdentityId == name ? 1 : 0;
            wrong += r.Status == MatchStatus.Matched && r.IdentityId != name ? 1 : 0;
        }

        output.WriteLine($"strangers matched {strangersMatched}/{strangers} (at 0.30: {oldMatches}); enrolled found {found}/{probes.Count}, wrong {wrong}; threshold {options.MatchThreshold}, margin {options.Margin}");
        Assert.True(strangers >= 40, $"only {strangers} strangers had a usable face");
        Assert.True(oldMatches >= 2, "the lookalike galleries are not hard enough to tell the old threshold from the new");
        Assert.Equal(0, strangersMatched);
        Assert.Equal(0, wrong);
        Assert.True(found >= 0.80 * probes.Count, $"enrolled people found {found} of {probes.Count}");
    }

    [Fact]
    public void Open_set_evaluation_reports_held_out_figures_on_real_faces()
    {
        // The same LFW subset through the evaluation, with a gallery size that needs synthetic distractors.
        var results = OpenSetEvaluation.Run(lfw.Samples, new OpenSetProtocol { GallerySizes = [20, 200], Folds = 2, TargetFalseMatchRate = 0.05 });
        Assert.Equal(2, results.Count);
        foreach (var r in results)
        {
            output.WriteLine($"gallery {r.GallerySize}: threshold {r.Threshold:F3}, held-out {r.HeldOut}, synthetic {r.SyntheticDistractors}, tail real {r.RealDistractorTail:0.0000} synthetic {r.SyntheticDistractorTail:0.0000}");
            Assert.InRange(r.Threshold, 0.2f, 0.8f);
            Assert.True(r.HeldOut.GenuineProbes >= 30);
            Assert.True(r.HeldOut.ImpostorProbes > 10);
            Assert.True(r.HeldOut.GenuineCorrect > 0.6, $"genuine correct {r.HeldOut.GenuineCorrect}");
            Assert.InRange(r.HeldOut.GenuineCorrect + r.HeldOut.GenuineWrong + r.HeldOut.GenuineMissed, 0.9999, 1.0001);
            Assert.Equal(r.Sweep.Count, new OpenSetProtocol().Thresholds.Count);

            // Raising the threshold never raises false matches.
            for (var i = 1; i < r.Sweep.Count; i++)
            {
                Assert.True(r.Sweep[i].FalseMatch <= r.Sweep[i - 1].FalseMatch + 1e-12);
            }
        }

        Assert.Equal(0, results[0].SyntheticDistractors);
        Assert.True(results[1].SyntheticDistractors > 50);
    }

    [Fact]
    public void Conditional_refinement_scores_probes_on_the_unrefined_embedding_only_far_from_a_decision()
    {
        OpenSetGalleryResult Run(IReadOnlyDictionary<string, float[]>? unrefined, float margin) =>
            Assert.Single(OpenSetEvaluation.Run(lfw.Samples, new OpenSetProtocol { GallerySizes = [60], TargetFalseMatchRate = 0.05, UnrefinedProbes = unrefined, RefinementMargin = margin }));

        var plain = Run(null, 0f);

        // Unrelated unit vectors stand in for the unrefined embeddings: at margin 2 every probe is near a decision and
        // refined, so nothing changes; at margin 0 every probe is decided on its stand-in, so the enrolled are lost.
        var rng = new Random(7);
        var noise = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var sample in lfw.Samples.Where(x => x.Embedding is not null))
        {
            var v = new float[sample.Embedding!.Length];
            for (var i = 0; i < v.Length; i++)
            {
                v[i] = (float)((rng.NextDouble() * 2) - 1);
            }

            EmbeddingMath.NormalizeInPlace(v);
            noise[OpenSetProtocol.UnrefinedKey(sample)] = v;
        }

        var all = Run(noise, 2f);
        Assert.Equal(plain.HeldOut, all.HeldOut);
        Assert.Equal(0, all.ConditionalDisagreements);
        Assert.Equal(all.ConditionalRefinement.Probes, all.ConditionalRefinement.Refined);
        var unrelated = Run(noise, 0f);
        output.WriteLine($"plain {plain.HeldOut}\nunrelated at margin 0 {unrelated.HeldOut}, refined {unrelated.ConditionalRefinement}, changed {unrelated.ConditionalDisagreements}");
        Assert.True(unrelated.HeldOut.GenuineCorrect < plain.HeldOut.GenuineCorrect / 2, $"{unrelated.HeldOut.GenuineCorrect} vs {plain.HeldOut.GenuineCorrect}");

        // The stand-ins decide otherwise than the real embeddings, and the evaluation counts those decisions.
        Assert.Equal(0, unrelated.ConditionalRefinement.Refined);
        Assert.True(unrelated.ConditionalDisagreements > unrelated.ConditionalRefinement.Probes / 10, $"{unrelated.ConditionalDisagreements} of {unrelated.ConditionalRefinement.Probes}");
        Assert.Equal((0, 0), plain.ConditionalRefinement);

        // The rule is the host's, around the host's 0.50 threshold (not the trial gallery's own -1, which returns every
        // candidate): the stand-ins' best similarities (about 0.1 to 0.3) lie within 0.45 of 0.50, so they are refined.
        var wide = Run(noise, 0.45f);
        output.WriteLine($"margin 0.45: refined {wide.ConditionalRefinement}, changed {wide.ConditionalDisagreements}");
        Assert.True(wide.ConditionalRefinement.Refined > wide.ConditionalRefinement.Probes * 0.9, $"{wide.ConditionalRefinement}");
    }

    [Fact]
    public void Track_rules_are_scored_held_out_and_a_one_face_vote_equals_the_first_face_rule()
    {
        // A "vote" that only looks at the first face must score exactly as the built-in first-face rule.
        var protocol = new OpenSetProtocol
        {
            GallerySizes = [60],
            TargetFalseMatchRate = 0.05,
            TrackLength = 1,
            TrackDecider = (faces, t) => FaceGallery.Decide(faces[0].Similarity, faces[0].RunnerUp, t, 0.05f) == MatchStatus.Matched ? faces[0].IdentityId : null,
        };
        var r = Assert.Single(OpenSetEvaluation.Run(lfw.Samples, protocol));
        Assert.Equal(4, r.Tracks.Count);
        var first = r.Tracks.Single(t => t.Rule == "first-face");
        var vote = r.Tracks.Single(t => t.Rule == "vote");
        output.WriteLine($"{first}\n{vote}");
        Assert.Equal(first with { Rule = "vote" }, vote);
        Assert.True(first.GenuineTracks > 30 && first.ImpostorTracks > 10);
        Assert.Equal(0.50f, r.Tracks.Single(t => t.Rule == "vote@default").Threshold);
        Assert.Throws<ArgumentException>(() => OpenSetEvaluation.Run(lfw.Samples, new OpenSetProtocol { GallerySizes = [60], TrackLength = 2 }));
    }

    [Fact]
    public void Pair_scores_give_a_duplicate_threshold_above_the_match_threshold()
    {
        var pairs = PairScores.Of(lfw.Samples);
        var t = pairs.ThresholdForFalseAcceptRate(1e-3);
        output.WriteLine($"{pairs.ImpostorPairs} different-person pairs, {pairs.GenuinePairs} same-person; FAR 1e-3 at {t:F3}, TAR there {pairs.TrueAcceptRate(t):F3}");
        Assert.True(pairs.FalseAcceptRate(t) <= 1e-3);
        Assert.True(pairs.FalseAcceptRate(t - 0.01f) > 1e-3 * 0.5);
        Assert.InRange(t, 0.2f, 0.6f);
        Assert.True(pairs.GalleryFalseMatchRate(t, 1000) > pairs.GalleryFalseMatchRate(t, 10));
        Assert.True(pairs.ThresholdForGallery(0.01, 1000) > pairs.ThresholdForGallery(0.01, 10));
    }

    /// <summary>
    /// A fixed LFW subset embedded once through the hosts' path: 2 photos of every 8th person with several (up to 160)
    /// and the photo of every 30th person with one (up to 48).
    /// </summary>
    public sealed class LfwSubset : IDisposable
    {
        private readonly RecognitionFixture _models = new();

        public LfwSubset()
        {
            var images = Path.Combine(TestAssets.Lfw, "images");
            var people = Directory.GetDirectories(images).Order(StringComparer.Ordinal).ToArray();
            var chosen = new List<(string, string, string)>();
            foreach (var p in people.Where(p => Directory.GetFiles(p).Length >= 2).Where((_, i) => i % 8 == 0).Take(160))
            {
                chosen.AddRange(Directory.GetFiles(p).Order(StringComparer.Ordinal).Take(2).Select(f => ("lfw/" + Path.GetFileName(p), Path.GetFileName(f), f)));
            }

            foreach (var p in people.Where(p => Directory.GetFiles(p).Length == 1).Where((_, i) => i % 30 == 0).Take(48))
            {
                var f = Directory.GetFiles(p)[0];
                chosen.Add(("lfw/" + Path.GetFileName(p), Path.GetFileName(f), f));
            }

            using var unused = new FaceGallery(_models.Embedder.Dimension, _models.Embedder.ModelId);
            var recognizer = new FaceRecognizer(_models.Detector, _models.Embedder, unused, new FaceQualityGate(), _models.Aligner, new MirrorLandmarkRefiner(_models.Detector));
            Samples = FaceSet.Embed(chosen, recognizer);
        }

        public IReadOnlyList<FaceSample> Samples { get; }

        public void Dispose() => _models.Dispose();
    }

    private static FaceGallery GalleryOf(IEnumerable<KeyValuePair<string, float[]>> members, FaceGalleryOptions options)
    {
        var g = new FaceGallery(128, "mobilefacenet", options);
        foreach (var (name, e) in members)
        {
            g.Import(name, [e]);
        }

        return g;
    }
}
