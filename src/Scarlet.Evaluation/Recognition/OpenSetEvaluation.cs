using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Scarlet.Evaluation.Recognition;

/// <summary>How <see cref="OpenSetEvaluation"/> builds galleries and probes.</summary>
public sealed class OpenSetProtocol
{
    /// <summary>Gets or sets how many photos of each enrolled person are enrolled (the rest probe). The default value is 1.</summary>
    public int EnrolPerPerson { get; set; } = 1;

    /// <summary>Gets or sets the gallery sizes measured (enrolled customers). The default value is 100, 300 and 1,000.</summary>
    public IReadOnlyList<int> GallerySizes { get; set; } = [100, 300, 1000];

    /// <summary>Gets or sets the number of identity-disjoint folds: thresholds are chosen on the others, figures reported on each. The default value is 2.</summary>
    public int Folds { get; set; } = 2;

    /// <summary>
    /// Gets or sets the fewest photos a person needs to be enrolled (so that enrolling one and two photos can be compared
    /// on the same people); 0 means <see cref="EnrolPerPerson"/> + 1. People with fewer are impostors or distractors.
    /// </summary>
    public int MinPhotos { get; set; }

    /// <summary>
    /// Gets or sets the similarity at or above which a MATCHED probe is added to the matched customer's templates before
    /// the next probe (learning from confident live matches; capped by the gallery's templates per identity); NaN, the
    /// default, learns nothing. Genuine probes are presented person by person in photo order, impostors after them.
    /// </summary>
    public float LearnThreshold { get; set; } = float.NaN;

    /// <summary>
    /// Gets or sets the number of faces of a simulated camera track (0, the default, measures no tracks): the first that
    /// many embedded probe photos of a person make one track, decided once by its first face and once by
    /// <see cref="TrackDecider"/>, each at a threshold chosen on the other folds for the same target.
    /// </summary>
    public int TrackLength { get; set; }

    /// <summary>
    /// Gets or sets how a track's faces decide its customer at a threshold (the tracking layer's vote, passed in by the
    /// caller: Recognition does not know it); returns the customer or <see langword="null"/>. Required with
    /// <see cref="TrackLength"/>.
    /// </summary>
    public Func<IReadOnlyList<TrackFace>, float, string?>? TrackDecider { get; set; }

    /// <summary>Gets or sets how many times the folds are drawn anew (repeated cross-validation); figures are pooled. The default value is 1.</summary>
    public int Repeats { get; set; } = 1;

    /// <summary>Gets or sets the seed of every random choice (folds, which people enrol, synthetic distractors). The default value is 1.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Gets or sets the impostor false-match rate the threshold is chosen for. The default value is 0.005.</summary>
    public double TargetFalseMatchRate { get; set; } = 0.005;

    /// <summary>Gets or sets the gallery options (index, search breadth, margin); thresholds are swept, not read from here.</summary>
    public FaceGalleryOptions Gallery { get; set; } = new();

    /// <summary>
    /// Gets or sets the size of the cohort for probe-side score normalisation (T-norm: the best similarity in standard
    /// deviations above the probe's mean similarity to a random sample of the gallery), measured beside the plain
    /// cosine rule; 0 turns the measurement off. The default value is 0.
    /// </summary>
    public int CohortSize { get; set; }

    /// <summary>
    /// Gets or sets, for scoring the hosts' conditional refinement (<see cref="FaceRecognizer.RefinementMargin"/>), each
    /// photo's embedding on the detector's own landmarks by file: a probe is identified on it first and on its refined
    /// embedding only when <see cref="FaceRecognizer.IsNearDecision"/> says so at <see cref="RefinementMargin"/> (templates
    /// stay refined, as enrolment refines). <see langword="null"/> (the default): every probe is refined.
    /// </summary>
    public IReadOnlyDictionary<string, float[]>? UnrefinedProbes { get; set; }

    /// <summary>Gets or sets the refinement margin used with <see cref="UnrefinedProbes"/>. The default value is <see cref="FaceRecognizer.DefaultRefinementMargin"/>.</summary>
    public float RefinementMargin { get; set; } = FaceRecognizer.DefaultRefinementMargin;

    /// <summary>Gets the key of a photo in <see cref="UnrefinedProbes"/>: its person id and file.</summary>
    /// <param name="sample">The photo.</param>
    /// <returns>The key.</returns>
    public static string UnrefinedKey(FaceSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return sample.PersonId + "/" + sample.File;
    }

    /// <summary>Gets or sets the thresholds swept. The default value is 0.20 to 0.80 in steps of 0.005.</summary>
    public IReadOnlyList<float> Thresholds { get; set; } = Enumerable.Range(0, 121).Select(i => 0.20f + (i * 0.005f)).ToArray();
}

/// <summary>The outcome of one decision rule at one threshold over a set of probes.</summary>
/// <param name="Threshold">The match threshold.</param>
/// <param name="GenuineProbes">Probes of enrolled people with a detected face.</param>
/// <param name="GenuineCorrect">Fraction of them MATCHED to the right customer.</param>
/// <param name="GenuineWrong">Fraction MATCHED to another customer.</param>
/// <param name="GenuineMissed">Fraction not MATCHED (multiple matches, new face, unknown).</param>
/// <param name="ImpostorProbes">Probes of people never enrolled with a detected face.</param>
/// <param name="FalseMatch">Fraction of them MATCHED to some customer.</param>
/// <param name="Flagged">Fraction of never-enrolled people whose best similarity reaches the threshold: registered as a possible duplicate (or refused).</param>
public readonly record struct OpenSetPoint(float Threshold, int GenuineProbes, double GenuineCorrect, double GenuineWrong, double GenuineMissed, int ImpostorProbes, double FalseMatch, double Flagged);

/// <summary>One face of a simulated track: its best customer and similarity, and the runner-up's similarity.</summary>
/// <param name="IdentityId">The best customer (<see langword="null"/> for an empty gallery).</param>
/// <param name="Similarity">The best similarity.</param>
/// <param name="RunnerUp">The runner-up similarity (negative infinity when none).</param>
public readonly record struct TrackFace(string? IdentityId, float Similarity, float RunnerUp);

/// <summary>Held-out track-level figures of one decision rule.</summary>
/// <param name="Rule">The rule (<c>first-face</c> or <c>vote</c>).</param>
/// <param name="Threshold">The mean threshold chosen on the other folds.</param>
/// <param name="GenuineTracks">Tracks of enrolled people.</param>
/// <param name="Correct">Share of them given the right customer.</param>
/// <param name="Wrong">Share given another customer.</param>
/// <param name="ImpostorTracks">Tracks of people never enrolled.</param>
/// <param name="FalseMatch">Share of them given a customer.</param>
public readonly record struct TrackRuleResult(string Rule, float Threshold, int GenuineTracks, double Correct, double Wrong, int ImpostorTracks, double FalseMatch);

/// <summary>The held-out result of one gallery size: the threshold chosen on the other folds, scored on each fold.</summary>
public sealed class OpenSetGalleryResult
{
    internal OpenSetGalleryResult(int gallerySize, float threshold, OpenSetPoint heldOut, IReadOnlyList<float> foldThresholds, IReadOnlyList<OpenSetPoint> foldResults, IReadOnlyList<OpenSetPoint> sweep, int syntheticDistractors, double identifyMicrosP50, double identifyMicrosP99, OpenSetPoint? cohortHeldOut)
    {
        CohortHeldOut = cohortHeldOut;
        GallerySize = gallerySize;
        Threshold = threshold;
        HeldOut = heldOut;
        FoldThresholds = foldThresholds;
        FoldResults = foldResults;
        Sweep = sweep;
        SyntheticDistractors = syntheticDistractors;
        IdentifyMicrosP50 = identifyMicrosP50;
        IdentifyMicrosP99 = identifyMicrosP99;
    }

    /// <summary>Gets the number of enrolled customers.</summary>
    public int GallerySize { get; }

    /// <summary>Gets the mean of the thresholds chosen per fold and repeat (the setting to adopt).</summary>
    public float Threshold { get; }

    /// <summary>Gets the held-out figures pooled over the folds (each fold scored at the threshold chosen without it).</summary>
    public OpenSetPoint HeldOut { get; }

    /// <summary>Gets the threshold chosen for each fold of each repeat (on the other folds).</summary>
    public IReadOnlyList<float> FoldThresholds { get; }

    /// <summary>Gets each fold's held-out figures.</summary>
    public IReadOnlyList<OpenSetPoint> FoldResults { get; }

    /// <summary>Gets the figures at every threshold swept, pooled over the folds (for the DET curve).</summary>
    public IReadOnlyList<OpenSetPoint> Sweep { get; }

    /// <summary>Gets how many synthetic distractor customers each fold's gallery needed (beyond the real people).</summary>
    public int SyntheticDistractors { get; }

    /// <summary>
    /// Gets the held-out figures of the T-norm rule (threshold in standard deviations, chosen on the other folds for the
    /// same target), when <see cref="OpenSetProtocol.CohortSize"/> asked for it.
    /// </summary>
    public OpenSetPoint? CohortHeldOut { get; }

    /// <summary>
    /// Gets the share of (impostor probe, real distractor customer) pairs with a similarity of at least
    /// <see cref="TailThreshold"/>: the per-pair impostor tail of real faces.
    /// </summary>
    public double RealDistractorTail { get; init; }

    /// <summary>
    /// Gets the same share against the synthetic distractors (NaN when there were none): near <see cref="RealDistractorTail"/>
    /// or above it means the synthetic customers are at least as hard as real ones.
    /// </summary>
    public double SyntheticDistractorTail { get; init; }

    /// <summary>Gets the track-level figures when <see cref="OpenSetProtocol.TrackLength"/> asked for them (else empty).</summary>
    public IReadOnlyList<TrackRuleResult> Tracks { get; init; } = [];

    /// <summary>
    /// Gets, when <see cref="OpenSetProtocol.UnrefinedProbes"/> scored the conditional refinement, how many probes the
    /// rule refined and how many it scored (over every fold and repeat); 0 and 0 otherwise.
    /// </summary>
    public (int Refined, int Probes) ConditionalRefinement { get; init; }

    /// <summary>
    /// Gets, for the conditional refinement, how many probes got another decision at the gallery's match threshold
    /// (status, or the customer matched) than always refining would have given: 0 means the shortcut changed nothing.
    /// </summary>
    public int ConditionalDisagreements { get; init; }

    /// <summary>Gets the similarity the distractor tails are counted at (0.40).</summary>
    public static float TailThreshold => 0.40f;

    /// <summary>Gets the median time of one gallery identification, in microseconds.</summary>
    public double IdentifyMicrosP50 { get; }

    /// <summary>Gets the 99th percentile time of one gallery identification, in microseconds.</summary>
    public double IdentifyMicrosP99 { get; }
}

/// <summary>
/// Open-set 1:N identification measured as a store meets it: enrol one (or k) photos of each person with more than
/// that, probe with their other photos (genuine) and with people never enrolled (impostors), and count right, wrong and
/// missed customers and false matches per gallery size and threshold. Identity-disjoint folds: the threshold for a
/// target false-match rate is chosen on the other folds and scored on the held-out one.
/// </summary>
/// <remarks>
/// <para>Each fold's gallery holds its own enrolled people, then distractor customers (half of the fold's people with a
/// single photo; the other half are impostor probes), then, beyond the real people, synthetic distractors: each the
/// normalised sum of two real distractor faces of the fold. (A Gaussian fitted to the embeddings was tried first: its
/// samples resembled nobody, and 10,000 customers scored as 1,000.) Each result reports the per-pair impostor tail
/// against real and against synthetic distractors, so the synthetic growth can be checked.</para>
/// <para>Decisions are made by <see cref="FaceGallery.Decide"/>, the rule the gallery itself applies, on the best and
/// runner-up similarities the gallery's index search returns.</para>
/// </remarks>
public static class OpenSetEvaluation
{
    /// <summary>Runs the protocol.</summary>
    /// <param name="samples">Embedded photos (see <see cref="FaceSet"/>).</param>
    /// <param name="protocol">The protocol; defaults when <see langword="null"/>.</param>
    /// <param name="log">Receives progress lines; may be <see langword="null"/>.</param>
    /// <returns>One result per gallery size.</returns>
    /// <exception cref="ArgumentException">Too few people for the protocol.</exception>
    public static IReadOnlyList<OpenSetGalleryResult> Run(IReadOnlyList<FaceSample> samples, OpenSetProtocol? protocol = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        protocol ??= new OpenSetProtocol();
        ArgumentOutOfRangeException.ThrowIfLessThan(protocol.Folds, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(protocol.EnrolPerPerson, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(protocol.Repeats, 1);
        var people = Group(samples);
        var dim = 0;
        foreach (var s in samples)
        {
            if (s.Embedding is not null)
            {
                dim = s.Embedding.Length;
                break;
            }
        }

        if (dim == 0 || people.Count < 4 * protocol.Folds)
        {
            throw new ArgumentException($"Too few people with faces for {protocol.Folds} folds ({people.Count}).", nameof(samples));
        }

        var order = people.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        var results = new List<OpenSetGalleryResult>();
        foreach (var size in protocol.GallerySizes)
        {
            var timings = new List<double>();
            var synthetic = 0;
            double realTail = 0, syntheticTail = 0;
            var thresholds = new List<float>();
            var points = new List<OpenSetPoint>();
            var heldOut = new List<ProbeOutcome>();
            var zHeld = new List<ProbeOutcome>();
            var all = new List<ProbeOutcome>();
            var trackFolds = new List<(List<Track> Tuning, List<Track> HeldOut)>();
            var trials = 0;
            for (var rep = 0; rep < protocol.Repeats; rep++)
            {
                // Each repeat draws other folds: the tail of a few hundred impostors per fold is noisy.
                var repSeed = protocol.Seed + (rep * 7717);
                var foldOf = FoldsOf(samples, protocol.Folds, repSeed);
                var foldOutcomes = new List<ProbeOutcome>[protocol.Folds];
                for (var f = 0; f < protocol.Folds; f++)
                {
                    var members = order.Where(p => foldOf[p] == f).ToList();
                    foldOutcomes[f] = RunTrial(people, members, size, dim, protocol, repSeed + (f * 7919) + size, timings, out var syn, out var tail);
                    synthetic = Math.Max(synthetic, syn);
                    realTail += tail.Real;
                    syntheticTail += tail.Synthetic;
                    trials++;
                    log?.Invoke($"  gallery {size}, repeat {rep + 1}, fold {f + 1}: {foldOutcomes[f].Count} probes, {syn} synthetic distractors");
                }

                for (var f = 0; f < protocol.Folds; f++)
                {
                    var tuning = foldOutcomes.Where((_, g) => g != f).SelectMany(o => o).ToList();
                    var t = ChooseThreshold(tuning, protocol, protocol.Thresholds);
                    thresholds.Add(t);
                    points.Add(Score(foldOutcomes[f], t, protocol.Gallery.Margin));
                    heldOut.AddRange(foldOutcomes[f].Select(o => o with { Threshold = t }));
                    if (protocol.CohortSize > 0)
                    {
                        var tz = ChooseThreshold(tuning.Select(Normalized).ToList(), protocol, s_zThresholds);
                        zHeld.AddRange(foldOutcomes[f].Select(o => Normalized(o) with { Threshold = tz }));
                    }
                }

                foreach (var o in foldOutcomes)
                {
                    all.AddRange(o);
                }

                if (protocol.TrackLength > 0)
                {
                    var tracks = foldOutcomes.Select(o => TracksOf(o, protocol.TrackLength)).ToArray();
                    for (var f = 0; f < protocol.Folds; f++)
                    {
                        trackFolds.Add((tracks.Where((_, g) => g != f).SelectMany(t => t).ToList(), tracks[f]));
                    }
                }
            }

            var sweep = protocol.Thresholds.Select(t => Score(all, t, protocol.Gallery.Margin)).ToArray();
            timings.Sort();
            int refined = 0, conditional = 0, disagreements = 0;
            foreach (var o in all)
            {
                if (o.Conditional)
                {
                    conditional++;
                    refined += o.Refined ? 1 : 0;
                    disagreements += o.Disagrees ? 1 : 0;
                }
            }

            results.Add(new OpenSetGalleryResult(
                size,
                thresholds.Average(),
                ScorePerOwnThreshold(heldOut, protocol.Gallery.Margin),
                thresholds,
                points,
                sweep,
                synthetic,
                Percentile(timings, 0.50),
                Percentile(timings, 0.99),
                protocol.CohortSize > 0 ? ScorePerOwnThreshold(zHeld, protocol.Gallery.Margin) : null)
            {
                RealDistractorTail = realTail / trials,
                SyntheticDistractorTail = syntheticTail / trials,
                Tracks = protocol.TrackLength > 0 ? ScoreTracks(trackFolds, protocol) : [],
                ConditionalRefinement = (refined, conditional),
                ConditionalDisagreements = disagreements,
            });
        }

        return results;
    }

    /// <summary>Identity-disjoint folds: every photo of a person is in one fold (a seeded shuffle of the people).</summary>
    /// <param name="samples">The photos.</param>
    /// <param name="folds">The number of folds.</param>
    /// <param name="seed">The seed.</param>
    /// <returns>Each person's fold, 0 to <paramref name="folds"/> - 1.</returns>
    public static IReadOnlyDictionary<string, int> FoldsOf(IReadOnlyList<FaceSample> samples, int folds, int seed)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        var order = samples.Select(s => s.PersonId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        new Random(seed).Shuffle(order);
        var foldOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < order.Length; i++)
        {
            foldOf[order[i]] = i % folds;
        }

        return foldOf;
    }

    private static Dictionary<string, List<FaceSample>> Group(IReadOnlyList<FaceSample> samples)
    {
        var people = new Dictionary<string, List<FaceSample>>(StringComparer.Ordinal);
        foreach (var s in samples)
        {
            if (!people.TryGetValue(s.PersonId, out var list))
            {
                people[s.PersonId] = list = [];
            }

            list.Add(s);
        }

        return people;
    }

    private static List<ProbeOutcome> RunTrial(Dictionary<string, List<FaceSample>> people, List<string> members, int size, int dim, OpenSetProtocol protocol, int seed, List<double> timings, out int syntheticCount, out (double Real, double Synthetic) tail)
    {
        var rng = new Random(seed);
        var k = protocol.EnrolPerPerson;

        // Enrollable: at least one usable enrolment photo among the first k+... and at least one more photo to probe with.
        var enrollable = new List<string>();
        var singles = new List<string>();
        foreach (var p in members)
        {
            var photos = people[p];
            if (photos.Count >= Math.Max(k + 1, protocol.MinPhotos) && photos.Take(photos.Count - 1).Any(s => s.Embedding is not null))
            {
                enrollable.Add(p);
            }
            else
            {
                singles.Add(p);
            }
        }

        rng.Shuffle(CollectionsMarshal.AsSpan(enrollable));
        rng.Shuffle(CollectionsMarshal.AsSpan(singles));
        var enrolled = enrollable.Take(size).ToList();
        var notEnrolled = enrollable.Skip(size).ToList();

        // Half the single-photo people are distractor customers, half impostor probes (never enrolled).
        var distractorPeople = singles.Take(singles.Count / 2).Where(p => people[p].Any(s => s.Embedding is not null)).ToList();
        var impostorPeople = singles.Skip(singles.Count / 2).Concat(notEnrolled).ToList();

        var options = CopyOf(protocol.Gallery);
        using var gallery = new FaceGallery(dim, "eval", options);
        var galleryVectors = new List<float[]>();
        var genuineProbes = new List<(FaceSample Sample, string Person)>();
        foreach (var p in enrolled)
        {
            // The first k photos with a usable face enrol (a till retakes a photo without one); the rest probe.
            var photos = people[p];
            var used = new List<float[]>();
            foreach (var s in photos)
            {
                if (used.Count < k && s.Embedding is not null)
                {
                    used.Add(s.Embedding);
                }
                else
                {
                    genuineProbes.Add((s, p));
                }
            }

            gallery.Import(p, used);
            galleryVectors.AddRange(used);
        }

        var customers = enrolled.Count;
        foreach (var p in distractorPeople)
        {
            if (customers >= size)
            {
                break;
            }

            var v = people[p].First(s => s.Embedding is not null).Embedding!;
            gallery.Import(p, [v]);
            galleryVectors.Add(v);
            customers++;
        }

        syntheticCount = Math.Max(0, size - customers);
        var distractorVectors = galleryVectors.Skip(galleryVectors.Count - (customers - enrolled.Count)).ToList();
        var syntheticVectors = new List<float[]>(syntheticCount);
        if (syntheticCount > 0)
        {
            if (distractorVectors.Count < 2)
            {
                throw new ArgumentException("Synthetic distractors need at least two real distractor faces in each fold.");
            }

            // A synthetic customer is the normalised sum of two real distractor faces: similar to a probe by about the
            // mean of its similarities to the two, so the impostor tail stays that of real faces (checked per trial).
            for (var i = 0; i < syntheticCount; i++)
            {
                var a = distractorVectors[rng.Next(distractorVectors.Count)];
                float[] b;
                do
                {
                    b = distractorVectors[rng.Next(distractorVectors.Count)];
                }
                while (ReferenceEquals(a, b));
                var v = new float[dim];
                TensorPrimitives.Add(a, b, v);
                EmbeddingMath.NormalizeInPlace(v);
                gallery.Import("synthetic/" + i, [v]);
                galleryVectors.Add(v);
                syntheticVectors.Add(v);
            }
        }

        var impostorVectors = impostorPeople.SelectMany(p => people[p]).Where(s => s.Embedding is not null).Select(s => s.Embedding!).ToList();
        tail = (TailRate(impostorVectors, distractorVectors), TailRate(impostorVectors, syntheticVectors));

        List<float[]>? cohort = null;
        if (protocol.CohortSize > 0)
        {
            cohort = [.. galleryVectors];
            rng.Shuffle(CollectionsMarshal.AsSpan(cohort));
            cohort = cohort.Take(protocol.CohortSize).ToList();
        }

        var outcomes = new List<ProbeOutcome>(genuineProbes.Count + impostorPeople.Count);
        foreach (var (s, p) in genuineProbes)
        {
            var o = Probe(gallery, s, p, genuine: true, timings, cohort, protocol.UnrefinedProbes, protocol.RefinementMargin, protocol.Gallery);
            outcomes.Add(o);
            if (o.Embedded && FaceGallery.Decide(o.Best, o.Second, protocol.LearnThreshold, protocol.Gallery.Margin) == MatchStatus.Matched)
            {
                // Learned into whichever customer matched, right or wrong, as the product would.
                gallery.Import(o.BestId!, [s.Embedding!]);
            }
        }

        foreach (var p in impostorPeople)
        {
            foreach (var s in people[p])
            {
                outcomes.Add(Probe(gallery, s, p, genuine: false, timings, cohort, protocol.UnrefinedProbes, protocol.RefinementMargin, protocol.Gallery));
            }
        }

        return outcomes;
    }

    private static List<Track> TracksOf(List<ProbeOutcome> outcomes, int length)
    {
        // Outcomes come person by person (genuine first, then strangers): each person's first embedded faces make a track.
        var tracks = new List<Track>();
        var i = 0;
        while (i < outcomes.Count)
        {
            var person = outcomes[i].Person;
            var genuine = outcomes[i].Genuine;
            var faces = new List<TrackFace>(length);
            for (; i < outcomes.Count && outcomes[i].Person == person && outcomes[i].Genuine == genuine; i++)
            {
                if (outcomes[i].Embedded && faces.Count < length)
                {
                    faces.Add(new TrackFace(outcomes[i].BestId, outcomes[i].Best, outcomes[i].Second));
                }
            }

            if (faces.Count == length)
            {
                tracks.Add(new Track(genuine, person!, faces));
            }
        }

        return tracks;
    }

    private static TrackRuleResult[] ScoreTracks(List<(List<Track> Tuning, List<Track> HeldOut)> folds, OpenSetProtocol protocol)
    {
        var decider = protocol.TrackDecider ?? throw new ArgumentException("TrackLength needs a TrackDecider.");
        var margin = protocol.Gallery.Margin;
        string? FirstFace(IReadOnlyList<TrackFace> faces, float t) =>
            FaceGallery.Decide(faces[0].Similarity, faces[0].RunnerUp, t, margin) == MatchStatus.Matched ? faces[0].IdentityId : null;
        var rules = new (string Name, Func<IReadOnlyList<TrackFace>, float, string?> Decide)[] { ("first-face", FirstFace), ("vote", decider) };
        var results = new TrackRuleResult[rules.Length * 2];
        var allHeldOut = folds.SelectMany(f => f.HeldOut).ToList();
        var fixedThreshold = new FaceGalleryOptions().MatchThreshold;
        for (var r = 0; r < rules.Length; r++)
        {
            // Also at the default threshold, no choice involved: stranger tracks are few, so a chosen threshold is noisy.
            var f = TrackCounts(allHeldOut, fixedThreshold, rules[r].Decide);
            results[rules.Length + r] = new TrackRuleResult(rules[r].Name + "@default", fixedThreshold, f.Genuine, Ratio(f.Correct, f.Genuine), Ratio(f.Wrong, f.Genuine), f.Impostor, Ratio(f.FalseMatch, f.Impostor));
        }

        for (var r = 0; r < rules.Length; r++)
        {
            var thresholds = new List<float>();
            int gen = 0, correct = 0, wrong = 0, imp = 0, falseMatch = 0;
            foreach (var (tuning, heldOut) in folds)
            {
                var t = protocol.Thresholds[^1];
                foreach (var candidate in protocol.Thresholds)
                {
                    if (TrackCounts(tuning, candidate, rules[r].Decide).FalseMatchRate <= protocol.TargetFalseMatchRate)
                    {
                        t = candidate;
                        break;
                    }
                }

                thresholds.Add(t);
                var c = TrackCounts(heldOut, t, rules[r].Decide);
                gen += c.Genuine;
                correct += c.Correct;
                wrong += c.Wrong;
                imp += c.Impostor;
                falseMatch += c.FalseMatch;
            }

            results[r] = new TrackRuleResult(rules[r].Name, thresholds.Count == 0 ? float.NaN : thresholds.Average(), gen, Ratio(correct, gen), Ratio(wrong, gen), imp, Ratio(falseMatch, imp));
        }

        return results;
    }

    private static (int Genuine, int Correct, int Wrong, int Impostor, int FalseMatch, double FalseMatchRate) TrackCounts(List<Track> tracks, float threshold, Func<IReadOnlyList<TrackFace>, float, string?> decide)
    {
        int gen = 0, correct = 0, wrong = 0, imp = 0, falseMatch = 0;
        foreach (var track in tracks)
        {
            var id = decide(track.Faces, threshold);
            if (track.Genuine)
            {
                gen++;
                correct += id is not null && id == track.Person ? 1 : 0;
                wrong += id is not null && id != track.Person ? 1 : 0;
            }
            else
            {
                imp++;
                falseMatch += id is not null ? 1 : 0;
            }
        }

        return (gen, correct, wrong, imp, falseMatch, imp == 0 ? 0 : falseMatch / (double)imp);
    }

    private static double TailRate(List<float[]> probes, List<float[]> customers)
    {
        if (probes.Count == 0 || customers.Count == 0)
        {
            return double.NaN;
        }

        long above = 0;
        foreach (var p in probes)
        {
            foreach (var c in customers)
            {
                if (TensorPrimitives.Dot(p, c) >= OpenSetGalleryResult.TailThreshold)
                {
                    above++;
                }
            }
        }

        return above / ((double)probes.Count * customers.Count);
    }

    private static FaceGalleryOptions CopyOf(FaceGalleryOptions o) => new()
    {
        MatchThreshold = -1f,
        DuplicateThreshold = 1f,
        Margin = o.Margin,
        SearchK = o.SearchK,
        MaxEmbeddingsPerIdentity = o.MaxEmbeddingsPerIdentity,
        IndexKind = o.IndexKind,
        EfSearch = o.EfSearch,
        HnswM = o.HnswM,
        HnswEfConstruction = o.HnswEfConstruction,
    };

    private static ProbeOutcome Probe(FaceGallery gallery, FaceSample sample, string person, bool genuine, List<double> timings, List<float[]>? cohort, IReadOnlyDictionary<string, float[]>? unrefined, float refinementMargin, FaceGalleryOptions host)
    {
        if (sample.Outcome == FaceSampleOutcome.NoFace)
        {
            return new ProbeOutcome(genuine, Detected: false, Embedded: false, RightBest: false, float.NaN, float.NaN, 0f, Person: person);
        }

        if (sample.Embedding is null)
        {
            return new ProbeOutcome(genuine, Detected: true, Embedded: false, RightBest: false, float.NaN, float.NaN, 0f, Person: person);
        }

        var start = Stopwatch.GetTimestamp();
        var embedding = sample.Embedding;
        IdentifyResult r;
        bool conditional = false, refined = true;
        if (unrefined is not null && unrefined.TryGetValue(OpenSetProtocol.UnrefinedKey(sample), out var raw))
        {
            conditional = true;
            r = gallery.Identify(raw);
            // The host's options: the trial gallery's own threshold is -1 so that it returns every candidate.
            if (FaceRecognizer.IsNearDecision(r, host, refinementMargin))
            {
                r = gallery.Identify(sample.Embedding);
            }
            else
            {
                embedding = raw; // far from every boundary: the host decides on the unrefined embedding
                refined = false;
            }
        }
        else
        {
            r = gallery.Identify(sample.Embedding);
        }

        timings.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);

        // What always refining would have decided, at the gallery's own threshold (the host's decision).
        var disagrees = !refined && !SameDecision(r, gallery.Identify(sample.Embedding), host);
        var best = r.Best?.Similarity ?? float.NegativeInfinity;
        var second = r.RunnerUp?.Similarity ?? float.NegativeInfinity;
        var right = genuine && r.Best is { } b && string.Equals(b.IdentityId, person, StringComparison.Ordinal);
        float mean = 0f, std = 0f;
        if (cohort is { Count: > 1 })
        {
            double sum = 0, sq = 0;
            foreach (var c in cohort)
            {
                double d = TensorPrimitives.Dot(embedding, c);
                sum += d;
                sq += d * d;
            }

            mean = (float)(sum / cohort.Count);
            std = (float)Math.Sqrt(Math.Max(1e-12, (sq / cohort.Count) - (mean * (double)mean)));
        }

        return new ProbeOutcome(genuine, true, true, right, best, second, 0f, mean, std, r.Best?.IdentityId, person, conditional, refined, disagrees);
    }

    private static bool SameDecision(IdentifyResult a, IdentifyResult b, FaceGalleryOptions options)
    {
        var statusA = FaceGallery.Decide(a.Best?.Similarity ?? float.NegativeInfinity, a.RunnerUp?.Similarity ?? float.NegativeInfinity, options.MatchThreshold, options.Margin);
        var statusB = FaceGallery.Decide(b.Best?.Similarity ?? float.NegativeInfinity, b.RunnerUp?.Similarity ?? float.NegativeInfinity, options.MatchThreshold, options.Margin);
        return statusA == statusB && (statusA != MatchStatus.Matched || string.Equals(a.Best?.IdentityId, b.Best?.IdentityId, StringComparison.Ordinal));
    }

    // T-norm thresholds in the units of Normalized (z / 10): z from 1 to 16 in steps of 0.05.
    private static readonly float[] s_zThresholds = Enumerable.Range(0, 301).Select(i => 0.1f + (i * 0.005f)).ToArray();

    // Best and runner-up in standard deviations above the probe's cohort mean; the margin then applies in those units
    // scaled back by the cohort spread, so the rule is the same rule on normalised scores.
    private static ProbeOutcome Normalized(ProbeOutcome o) => !o.Embedded || o.CohortStd <= 0
        ? o
        : o with { Best = (o.Best - o.CohortMean) / o.CohortStd * 0.1f, Second = (o.Second - o.CohortMean) / o.CohortStd * 0.1f };

    private static float ChooseThreshold(List<ProbeOutcome> tuning, OpenSetProtocol protocol, IReadOnlyList<float> grid)
    {
        foreach (var t in grid)
        {
            var p = Score(tuning, t, protocol.Gallery.Margin);
            if (p.FalseMatch <= protocol.TargetFalseMatchRate && p.Flagged <= protocol.TargetFalseMatchRate)
            {
                return t;
            }
        }

        return grid[^1];
    }

    private static OpenSetPoint ScorePerOwnThreshold(List<ProbeOutcome> outcomes, float margin) => Score(outcomes, float.NaN, margin);

    private static OpenSetPoint Score(List<ProbeOutcome> outcomes, float threshold, float margin)
    {
        int gen = 0, correct = 0, wrong = 0, imp = 0, falseMatch = 0, flagged = 0;
        foreach (var o in outcomes)
        {
            if (!o.Detected)
            {
                continue;
            }

            var t = float.IsNaN(threshold) ? o.Threshold : threshold;
            var status = o.Embedded ? FaceGallery.Decide(o.Best, o.Second, t, margin) : MatchStatus.Unknown;
            if (o.Genuine)
            {
                gen++;
                if (status == MatchStatus.Matched)
                {
                    if (o.RightBest)
                    {
                        correct++;
                    }
                    else
                    {
                        wrong++;
                    }
                }
            }
            else
            {
                imp++;
                if (status == MatchStatus.Matched)
                {
                    falseMatch++;
                }

                if (o.Embedded && o.Best >= t)
                {
                    flagged++;
                }
            }
        }

        var t0 = float.IsNaN(threshold) && outcomes.Count > 0 ? outcomes[0].Threshold : threshold;
        return new OpenSetPoint(
            t0,
            gen,
            Ratio(correct, gen),
            Ratio(wrong, gen),
            Ratio(gen - correct - wrong, gen),
            imp,
            Ratio(falseMatch, imp),
            Ratio(flagged, imp));
    }

    private static double Ratio(int a, int b) => b == 0 ? double.NaN : a / (double)b;

    private static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];

    private sealed record Track(bool Genuine, string Person, IReadOnlyList<TrackFace> Faces);

    private readonly record struct ProbeOutcome(bool Genuine, bool Detected, bool Embedded, bool RightBest, float Best, float Second, float Threshold, float CohortMean = 0f, float CohortStd = 0f, string? BestId = null, string? Person = null, bool Conditional = false, bool Refined = true, bool Disagrees = false);
}
