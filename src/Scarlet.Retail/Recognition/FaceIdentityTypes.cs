using Scarlet.Vision;

namespace Scarlet.Retail;

/// <summary>Who is being enrolled from face images (<see cref="FaceIdentityService.RegisterAsync(string, FaceRegistration, IReadOnlyList{OpenCvSharp.Mat}, CancellationToken)"/>).</summary>
public sealed record FaceRegistration
{
    /// <summary>Gets the name (required).</summary>
    public required string Name { get; init; }

    /// <summary>Gets the e-mail address (optional, unique per organisation).</summary>
    public string? Email { get; init; }

    /// <summary>Gets the consent to process the face data (required: who, when, how).</summary>
    public required ConsentRecord Consent { get; init; }

    /// <summary>Gets a value indicating whether a device registered an unrecognised face on its own (a provisional customer).</summary>
    public bool IsAutoRegistered { get; init; }
}

/// <summary>
/// The outcome of <see cref="FaceIdentityService.RegisterAsync(string, FaceRegistration, IReadOnlyList{OpenCvSharp.Mat}, CancellationToken)"/>:
/// the new customer, and the existing customers its face resembles without being taken for theirs (lookalikes, flagged
/// for review).
/// </summary>
/// <param name="Customer">The new customer.</param>
/// <param name="PossibleDuplicates">The flagged pairs, most similar first; empty for a clear registration.</param>
public sealed record FaceRegistrationResult(Customer Customer, IReadOnlyList<PossibleDuplicate> PossibleDuplicates)
{
    /// <summary>Gets a value indicating whether the face resembles another customer's.</summary>
    public bool IsPossibleDuplicate => PossibleDuplicates.Count > 0;
}

/// <summary>One face seen in an image and what it was identified as; the same data went out as a <see cref="Events.RecognitionEvent"/>.</summary>
public sealed record FaceSighting
{
    /// <summary>Gets the outcome (MATCHED, NEW_FACE, MULTIPLE_MATCHES, UNKNOWN).</summary>
    public required RecognitionStatus Status { get; init; }

    /// <summary>Gets the matched customer (MATCHED only).</summary>
    public Customer? Customer { get; init; }

    /// <summary>Gets the matched customer id (MATCHED only).</summary>
    public string? CustomerId => Customer?.Id;

    /// <summary>Gets the face box in image pixels.</summary>
    public required BoundingBox Box { get; init; }

    /// <summary>Gets the face's five landmarks in image pixels (for the attribute estimator's alignment).</summary>
    public FaceLandmarks5 Landmarks { get; init; }

    /// <summary>Gets the confidence in [0, 1]: the cosine similarity to the best identity when there is one, else the detector score.</summary>
    public float Confidence { get; init; }

    /// <summary>Gets the cosine distance (1 - similarity) to the best identity, or <see langword="null"/> when none was compared.</summary>
    public float? Distance { get; init; }

    /// <summary>Gets the cosine similarity to the best identity, or <see langword="null"/>.</summary>
    public float? Similarity { get; init; }

    /// <summary>Gets the quality verdict's reason when the face was too poor to decide (UNKNOWN), else <see langword="null"/>.</summary>
    public string? QualityReason { get; init; }

    /// <summary>Gets the detector's score for the face, in [0, 1].</summary>
    public float DetectorScore { get; init; }

    /// <summary>Gets the face embedding (L2-normalised); empty when the face failed the quality gate.</summary>
    public ReadOnlyMemory<float> Embedding { get; init; }

    /// <summary>
    /// Gets, for <see cref="RecognitionStatus.MultipleMatches"/>, the customers the face is ambiguous between (best first,
    /// each within the gallery's margin of the best); empty for every other status.
    /// </summary>
    public IReadOnlyList<CandidateCustomer> Candidates { get; init; } = [];

    /// <summary>
    /// Gets the id of the <see cref="Events.RecognitionEvent"/> published for this face, or <see langword="null"/> when none
    /// was published (<see cref="FaceIdentityService.RecognizeAsync"/> only looks faces up).
    /// </summary>
    public string? EventId { get; init; }
}

/// <summary>A customer a face resembles, with the cosine similarity (a candidate of an ambiguous face).</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="Similarity">The cosine similarity between the face and the customer's closest template.</param>
public readonly record struct CandidateCustomer(string CustomerId, float Similarity);

/// <summary>An enrolment face already matches another customer of the organisation: reported, never silently added.</summary>
/// <remarks>
/// "Matches" here means a similarity at or above the gallery's
/// <see cref="Scarlet.Recognition.FaceGalleryOptions.DuplicateThreshold"/>: the face is taken for that customer's. A
/// lookalike below it is registered and flagged instead (<see cref="FaceRegistrationResult.PossibleDuplicates"/>).
/// </remarks>
public sealed class DuplicateFaceException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="DuplicateFaceException"/> class.</summary>
    public DuplicateFaceException()
        : base("The face is already enrolled for another customer.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DuplicateFaceException"/> class.</summary>
    /// <param name="message">The message.</param>
    public DuplicateFaceException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DuplicateFaceException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public DuplicateFaceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DuplicateFaceException"/> class.</summary>
    /// <param name="existingCustomerId">The customer the face matches.</param>
    /// <param name="similarity">The cosine similarity to that customer.</param>
    /// <param name="imageIndex">Which enrolment image.</param>
    public DuplicateFaceException(string existingCustomerId, float similarity, int imageIndex)
        : base($"The face of image {imageIndex} already matches customer {existingCustomerId} (similarity {similarity:F3}).")
    {
        ExistingCustomerId = existingCustomerId;
        Similarity = similarity;
        ImageIndex = imageIndex;
    }

    /// <summary>Gets the customer the face matches.</summary>
    public string? ExistingCustomerId { get; }

    /// <summary>Gets the cosine similarity to that customer.</summary>
    public float Similarity { get; }

    /// <summary>Gets the index of the enrolment image whose face is the duplicate.</summary>
    public int ImageIndex { get; }
}
