using System.ComponentModel.DataAnnotations;

namespace Scarlet.Recognition;

/// <summary>The outcome of identifying one face against a <see cref="FaceGallery"/>.</summary>
public enum MatchStatus
{
    /// <summary>One identity is above the match threshold, with a margin over the runner-up.</summary>
    Matched,

    /// <summary>Two or more identities are above the match threshold within the margin of each other.</summary>
    MultipleMatches,

    /// <summary>A good-quality face below the match threshold of every identity: someone not enrolled.</summary>
    NewFace,

    /// <summary>The face is too poor (small, blurred, turned away) to decide.</summary>
    Unknown,
}

/// <summary>One identity and its best similarity to a query.</summary>
/// <param name="IdentityId">The identity.</param>
/// <param name="Similarity">The highest cosine similarity between the query and the identity's embeddings.</param>
public readonly record struct IdentityScore(string IdentityId, float Similarity);

/// <summary>The answer of <see cref="FaceGallery.Identify(ReadOnlySpan{float}, FaceQuality?)"/>.</summary>
public sealed class IdentifyResult
{
    internal IdentifyResult(MatchStatus status, IdentityScore? best, IdentityScore? runnerUp, IReadOnlyList<IdentityScore> candidates)
    {
        Status = status;
        Best = best;
        RunnerUp = runnerUp;
        Candidates = candidates;
    }

    /// <summary>Gets the result for a face too poor to decide: <see cref="MatchStatus.Unknown"/>, no identity.</summary>
    public static IdentifyResult UnknownFace { get; } = new(MatchStatus.Unknown, null, null, []);

    /// <summary>Gets the status.</summary>
    public MatchStatus Status { get; }

    /// <summary>Gets the identity matched: set only when <see cref="Status"/> is <see cref="MatchStatus.Matched"/>.</summary>
    public string? IdentityId => Status == MatchStatus.Matched ? Best?.IdentityId : null;

    /// <summary>Gets the most similar identity found, whatever the status (<see langword="null"/> for an empty gallery or an unusable face).</summary>
    public IdentityScore? Best { get; }

    /// <summary>Gets the second most similar identity, if any.</summary>
    public IdentityScore? RunnerUp { get; }

    /// <summary>Gets the similarity of <see cref="Best"/>, or NaN.</summary>
    public float Similarity => Best?.Similarity ?? float.NaN;

    /// <summary>Gets every identity above the match threshold, best first (two or more for <see cref="MatchStatus.MultipleMatches"/>).</summary>
    public IReadOnlyList<IdentityScore> Candidates { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Status} {Best?.IdentityId} {Similarity:F3} (runner-up {RunnerUp?.IdentityId} {RunnerUp?.Similarity:F3})";
}

/// <summary>The answer of <see cref="FaceGallery.Verify"/>.</summary>
/// <param name="IsMatch">Whether the similarity reaches the match threshold.</param>
/// <param name="Similarity">The highest cosine similarity between the face and the identity's embeddings.</param>
/// <param name="Threshold">The threshold used.</param>
public readonly record struct VerifyResult(bool IsMatch, float Similarity, float Threshold);

/// <summary>A face that resembles another identity at enrolment (refused as a duplicate, or added as a lookalike).</summary>
/// <param name="FaceIndex">The position of the face in the enrolment call.</param>
/// <param name="ExistingIdentityId">The identity it matches.</param>
/// <param name="Similarity">The similarity to that identity.</param>
public readonly record struct DuplicateFace(int FaceIndex, string ExistingIdentityId, float Similarity);

/// <summary>The answer of <see cref="FaceGallery.Enroll(string, IReadOnlyList{float[]})"/>.</summary>
public sealed class EnrollResult
{
    internal EnrollResult(string identityId, int added, IReadOnlyList<DuplicateFace> duplicates, int total)
    {
        IdentityId = identityId;
        Added = added;
        Duplicates = duplicates;
        EmbeddingCount = total;
    }

    /// <summary>Gets the identity enrolled.</summary>
    public string IdentityId { get; }

    /// <summary>Gets how many faces were added.</summary>
    public int Added { get; }

    /// <summary>Gets the faces refused because they match another identity (not added).</summary>
    public IReadOnlyList<DuplicateFace> Duplicates { get; }

    /// <summary>
    /// Gets the faces added although they resemble another identity (similarity between the match and the duplicate
    /// thresholds): lookalikes to review, not refused.
    /// </summary>
    public IReadOnlyList<DuplicateFace> PossibleDuplicates { get; init; } = [];

    /// <summary>Gets whether any face was refused as a duplicate.</summary>
    public bool HasDuplicates => Duplicates.Count > 0;

    /// <summary>Gets the identity's embedding count after the call.</summary>
    public int EmbeddingCount { get; }
}

/// <summary>Thrown when an identity id is not in the gallery.</summary>
public sealed class UnknownIdentityException : KeyNotFoundException
{
    /// <summary>Creates the exception.</summary>
    public UnknownIdentityException()
        : base("The identity is not enrolled.")
    {
    }

    /// <summary>Creates the exception for an identity.</summary>
    /// <param name="identityId">The identity.</param>
    public UnknownIdentityException(string identityId)
        : base($"Identity '{identityId}' is not enrolled in the gallery.")
    {
        IdentityId = identityId;
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public UnknownIdentityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the identity asked for.</summary>
    public string? IdentityId { get; }
}

/// <summary>Which vector index backs a gallery.</summary>
public enum GalleryIndexKind
{
    /// <summary>Approximate HNSW: milliseconds at a million embeddings (default).</summary>
    Hnsw,

    /// <summary>Exact brute force: fine up to some tens of thousands.</summary>
    Flat,
}

/// <summary>Thresholds and limits of a <see cref="FaceGallery"/>.</summary>
public sealed class FaceGalleryOptions
{
    /// <summary>
    /// Gets or sets the cosine similarity at or above which a face is taken for an enrolled identity in 1:N identification
    /// (<see cref="FaceGallery.Identify"/>) and a registration is flagged as a possible duplicate. A stranger is compared
    /// with every customer, so the threshold depends on the gallery size: the default value, 0.50, is set for a false-match
    /// rate (and a share of new people flagged) of at most 0.5 % with 1,000 customers enrolled with one photo each,
    /// chosen by identity-disjoint cross-validation on the shared face sets (LFW and four small sets: 2 folds drawn 10
    /// times; held-out false match 0.43 %, new people flagged 0.47 %, genuine rank-1 correct 87.2 %). Thresholds for 100,
    /// 300, 3,000 and 10,000 customers, and the command that re-measures them on a store's own photos
    /// (<c>scarlet eval identify</c>), are in docs/recognition.md.
    /// </summary>
    [Range(-1f, 1f)]
    public float MatchThreshold { get; set; } = 0.50f;

    /// <summary>
    /// Gets or sets the cosine similarity at or above which <see cref="FaceGallery.Verify"/> accepts a face as the claimed
    /// identity (1:1: one comparison, so no gallery-size penalty). The default value is 0.30, the LFW false-accept-rate
    /// 1e-3 point of our pipeline (0.2897, TAR 0.9895; docs/recognition.md), rounded up.
    /// </summary>
    [Range(-1f, 1f)]
    public float VerifyThreshold { get; set; } = 0.30f;

    /// <summary>
    /// Gets or sets the cosine similarity at or above which an enrolment face is taken for an identity already enrolled
    /// and refused (<see cref="FaceGallery.Enroll(string, IReadOnlyList{float[]})"/>, customer registration). Faces between
    /// <see cref="MatchThreshold"/> and this value are enrolled and reported as possible duplicates (lookalikes). Must be
    /// at least <see cref="MatchThreshold"/>. The default value, 0.70, is the per-pair false-accept rate 1e-6 point of the
    /// shared face sets (chosen per identity-disjoint half over ~7.4 million different-person pairs, 10 draws: 0.53 to
    /// 0.83, mean 0.70; held-out rate 2.3e-6); 42 % of same-person photo pairs reach it, so a returning customer is
    /// refused or, below it, registered and flagged (docs/recognition.md).
    /// </summary>
    [Range(-1f, 1f)]
    public float DuplicateThreshold { get; set; } = 0.70f;

    /// <summary>
    /// Gets or sets how far the best identity must lead the runner-up to be <see cref="MatchStatus.Matched"/>; a closer
    /// runner-up makes the face <see cref="MatchStatus.MultipleMatches"/> (see <see cref="FaceGallery.Decide"/>). The
    /// default value is 0.05: with 1,000 customers it cut faces given to the wrong customer from 0.48 % to 0.32 % and
    /// false matches from 0.47 % to 0.43 % for 0.25 points of genuine matches (0.10 cut them further to 0.27 % and
    /// 0.38 % for 0.75 points; docs/recognition.md).
    /// </summary>
    [Range(0f, 2f)]
    public float Margin { get; set; } = 0.05f;

    /// <summary>Gets or sets how many nearest embeddings are fetched from the index per query. The default value is 32.</summary>
    [Range(1, 1024)]
    public int SearchK { get; set; } = 32;

    /// <summary>Gets or sets the most embeddings kept per identity. The default value is 16.</summary>
    [Range(1, 1024)]
    public int MaxEmbeddingsPerIdentity { get; set; } = 16;

    /// <summary>Gets or sets the index kind. The default value is <see cref="GalleryIndexKind.Hnsw"/>.</summary>
    public GalleryIndexKind IndexKind { get; set; } = GalleryIndexKind.Hnsw;

    /// <summary>
    /// Gets or sets HNSW's search breadth (recall against speed). The default value is 256: with one embedding per
    /// identity, faces of different people are nearly orthogonal, the hardest case for a graph search, and at
    /// 1,000,000 identities ef 64 found the enrolled face for 85 % of noisy re-probes, ef 256 for 99.0 % (1.3 ms),
    /// ef 512 for 100 % (2.4 ms); below 100,000 identities ef 64 already found all (docs/recognition.md, Scale).
    /// </summary>
    [Range(1, 4096)]
    public int EfSearch { get; set; } = 256;

    /// <summary>Gets or sets HNSW's links per node (memory against recall). The default value is 16.</summary>
    [Range(4, 64)]
    public int HnswM { get; set; } = 16;

    /// <summary>Gets or sets HNSW's build breadth (build time against graph quality). The default value is 200.</summary>
    [Range(8, 4096)]
    public int HnswEfConstruction { get; set; } = 200;

    internal void Validate()
    {
        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), errors, validateAllProperties: true))
        {
            throw new ArgumentException("Invalid FaceGalleryOptions: " + string.Join("; ", errors.Select(e => e.ErrorMessage)));
        }

        if (DuplicateThreshold < MatchThreshold)
        {
            throw new ArgumentException($"Invalid FaceGalleryOptions: DuplicateThreshold ({DuplicateThreshold}) must be at least MatchThreshold ({MatchThreshold}).");
        }
    }
}
