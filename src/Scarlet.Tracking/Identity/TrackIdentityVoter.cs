using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Scarlet.Tracking.Identity;

/// <summary>What a track's face votes say about who it is.</summary>
public enum TrackIdentityStatus
{
    /// <summary>Too few faces yet, or the votes fall in the unknown band: no decision.</summary>
    [JsonStringEnumMemberName("undecided")]
    Undecided,

    /// <summary>The votes agree on one gallery identity (a known customer).</summary>
    [JsonStringEnumMemberName("known")]
    Known,

    /// <summary>Enough faces were seen and none resembles a gallery identity: a stranger.</summary>
    [JsonStringEnumMemberName("unknown")]
    Unknown,
}

/// <summary>The identity of a track decided over all its faces.</summary>
/// <param name="Status">The decision.</param>
/// <param name="IdentityId">The customer id when <see cref="TrackIdentityStatus.Known"/>.</param>
/// <param name="Score">The weighted mean similarity of the winning identity's votes (NaN when none).</param>
/// <param name="Faces">How many faces voted.</param>
public readonly record struct TrackIdentityDecision(TrackIdentityStatus Status, string? IdentityId, float Score, int Faces)
{
    /// <summary>Gets the decision before any face.</summary>
    public static TrackIdentityDecision None { get; } = new(TrackIdentityStatus.Undecided, null, float.NaN, 0);
}

/// <summary>Options of <see cref="TrackIdentityVoter"/> (Frigate-style: minimum faces, an unknown band, area weighting).</summary>
public sealed class IdentityVotingOptions
{
    /// <summary>Gets or sets the minimum number of usable faces before any decision.</summary>
    [Range(1, 1000)]
    public int MinFaces { get; set; } = 3;

    /// <summary>
    /// Gets or sets the similarity at or above which a face votes for its best gallery identity with full weight.
    /// The default value, 0.50, is the gallery's match threshold (chosen for 1,000 customers by the open-set evaluation,
    /// docs/recognition.md): a track is never named on weaker evidence than a single photo would be.
    /// </summary>
    [Range(-1.0, 1.0)]
    public float MatchSimilarity { get; set; } = 0.50f;

    /// <summary>
    /// Gets or sets the similarity below which a face is a vote for "unknown". Between this and
    /// <see cref="MatchSimilarity"/> lies the unknown band: the face counts, for nobody. The default value is 0.40, where
    /// about 1 stranger in 10 already resembles one of 1,000 customers (the open-set evaluation's sweep).
    /// </summary>
    [Range(-1.0, 1.0)]
    public float UnknownSimilarity { get; set; } = 0.40f;

    /// <summary>Gets or sets the share of the total vote weight the winning identity needs to be decided.</summary>
    [Range(0.0, 1.0)]
    public float MinWinnerShare { get; set; } = 0.5f;

    /// <summary>Returns the problems with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
        {
            errors.AddRange(results.Select(r => r.ErrorMessage ?? "invalid value"));
        }

        if (UnknownSimilarity > MatchSimilarity)
        {
            errors.Add("UnknownSimilarity must not exceed MatchSimilarity.");
        }

        return errors;
    }
}

/// <summary>
/// Decides a track's identity from all the faces seen on it: each face votes for its best gallery candidate, weighted
/// by face area and quality; a decision needs a minimum number of faces, a clear winner and a mean similarity above
/// the match threshold; faces in the band between the unknown and match similarities count for nobody.
/// </summary>
/// <remarks>Not thread-safe; one per track.</remarks>
public sealed class TrackIdentityVoter
{
    private readonly IdentityVotingOptions _options;
    private readonly Dictionary<string, (double Weight, double WeightedSimilarity)> _votes = new(StringComparer.Ordinal);
    private double _unknownWeight;
    private double _bandWeight;

    /// <summary>Creates a voter.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public TrackIdentityVoter(IdentityVotingOptions? options = null)
    {
        _options = options ?? new IdentityVotingOptions();
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid identity voting options: " + string.Join(" ", errors), nameof(options));
        }
    }

    /// <summary>Gets the number of faces that voted.</summary>
    public int Faces { get; private set; }

    /// <summary>Gets the current decision.</summary>
    public TrackIdentityDecision Decision { get; private set; } = TrackIdentityDecision.None;

    /// <summary>Adds one face's vote and returns the updated decision.</summary>
    /// <param name="candidateId">The best gallery identity for the face (null when the gallery is empty).</param>
    /// <param name="similarity">The similarity to that identity.</param>
    /// <param name="faceSize">The face size in pixels (the shorter box side); the weight grows with its square (area).</param>
    /// <param name="quality">A quality factor in (0, 1] (e.g. detector score × sharpness factor).</param>
    /// <exception cref="ArgumentOutOfRangeException">A number is not finite, the size is not positive, or the quality is outside (0, 1].</exception>
    public TrackIdentityDecision Add(string? candidateId, float similarity, float faceSize, float quality)
    {
        if (!float.IsFinite(faceSize) || faceSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(faceSize), faceSize, "The face size must be positive.");
        }

        if (!float.IsFinite(quality) || quality <= 0 || quality > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(quality), quality, "The quality must be in (0, 1].");
        }

        if (candidateId is not null && !float.IsFinite(similarity))
        {
            throw new ArgumentOutOfRangeException(nameof(similarity), similarity, "The similarity must be finite.");
        }

        var weight = (double)faceSize * faceSize * quality;
        Faces++;
        if (candidateId is null || similarity < _options.UnknownSimilarity)
        {
            _unknownWeight += weight;
        }
        else if (similarity < _options.MatchSimilarity)
        {
            _bandWeight += weight;
        }
        else
        {
            _votes.TryGetValue(candidateId, out var v);
            _votes[candidateId] = (v.Weight + weight, v.WeightedSimilarity + (weight * similarity));
        }

        Decision = Decide();
        return Decision;
    }

    private TrackIdentityDecision Decide()
    {
        string? best = null;
        (double Weight, double WeightedSimilarity) bestVote = default;
        var total = _unknownWeight + _bandWeight;
        foreach (var (id, v) in _votes)
        {
            total += v.Weight;
            // Ordinal tie-break keeps the decision deterministic.
            if (best is null || v.Weight > bestVote.Weight || (v.Weight == bestVote.Weight && string.CompareOrdinal(id, best) < 0))
            {
                best = id;
                bestVote = v;
            }
        }

        if (Faces < _options.MinFaces || total <= 0)
        {
            return new TrackIdentityDecision(TrackIdentityStatus.Undecided, null, best is null ? float.NaN : (float)(bestVote.WeightedSimilarity / bestVote.Weight), Faces);
        }

        if (best is not null && bestVote.Weight / total >= _options.MinWinnerShare)
        {
            return new TrackIdentityDecision(TrackIdentityStatus.Known, best, (float)(bestVote.WeightedSimilarity / bestVote.Weight), Faces);
        }

        if (_unknownWeight / total >= _options.MinWinnerShare)
        {
            return new TrackIdentityDecision(TrackIdentityStatus.Unknown, null, float.NaN, Faces);
        }

        return new TrackIdentityDecision(TrackIdentityStatus.Undecided, null, best is null ? float.NaN : (float)(bestVote.WeightedSimilarity / bestVote.Weight), Faces);
    }
}
