using Microsoft.Extensions.Logging;
using OpenCvSharp;
using Scarlet.Recognition;
using Scarlet.Retail.Events;

namespace Scarlet.Retail;

/// <summary>Identification of every face of an image against its organisation's gallery, as a sighting (published) or a look-up.</summary>
internal sealed class FaceIdentifier(FaceRecognizer recognizer, OrganizationGalleries galleries, CustomerService customers, ScarletEventStream stream, string defaultCameraId, TimeProvider time, ILogger logger)
{
    public async Task<IReadOnlyList<FaceSighting>> IdentifyAsync(string organizationId, Mat image, string? cameraId, string? storeZone, DateTimeOffset? timestamp, bool publish, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        var gallery = (await galleries.GetAsync(organizationId, cancellationToken).ConfigureAwait(false)).Gallery;
        var at = timestamp ?? time.GetUtcNow();
        var camera = string.IsNullOrWhiteSpace(cameraId) ? defaultCameraId : cameraId;

        // Identified inside the recognizer: it refines the landmarks only of faces near a decision boundary.
        var faces = recognizer.Recognize(image, gallery);
        var result = new FaceSighting[faces.Count];
        for (var i = 0; i < faces.Count; i++)
        {
            var face = faces[i];
            var status = RecognitionStatus.Unknown;
            Customer? customer = null;
            float? similarity = null;
            IReadOnlyList<CandidateCustomer> candidates = [];
            if (face.Embedding is not null)
            {
                var found = face.Identity!;
                similarity = found.Best?.Similarity;
                status = found.Status switch
                {
                    MatchStatus.Matched => RecognitionStatus.Matched,
                    MatchStatus.MultipleMatches => RecognitionStatus.MultipleMatches,
                    MatchStatus.NewFace => RecognitionStatus.NewFace,
                    _ => RecognitionStatus.Unknown,
                };
                if (status == RecognitionStatus.MultipleMatches)
                {
                    candidates = await CandidatesOfAsync(organizationId, found.Candidates, cancellationToken).ConfigureAwait(false);
                }

                if (status == RecognitionStatus.Matched)
                {
                    customer = await GalleryIdentity.CustomerOfAsync(customers, organizationId, found.Best!.Value.IdentityId, cancellationToken).ConfigureAwait(false);
                    if (customer is null)
                    {
                        // The store no longer has it (erased by another process): treat the face as not enrolled.
                        logger.LogWarning("Gallery identity {VectorId} of organisation {Org} has no customer", found.Best!.Value.IdentityId, organizationId);
                        status = RecognitionStatus.NewFace;
                    }
                }
            }

            var confidence = similarity is { } s ? Math.Clamp(s, 0f, 1f) : Math.Clamp(face.Score, 0f, 1f);
            float? distance = similarity is { } d ? 1f - d : null;
            if (!publish)
            {
                result[i] = Sighting(face, status, customer, confidence, distance, similarity, eventId: null) with { Candidates = candidates };
                continue;
            }

            var evt = new RecognitionEvent
            {
                OrganizationId = organizationId,
                Timestamp = at,
                CameraId = camera,
                Status = status,
                CustomerId = customer?.Id,
                Box = face.Box,
                Confidence = confidence,
                Distance = distance,
                Embedding = face.Embedding,
                StoreZone = storeZone,
            };
            result[i] = Sighting(face, status, customer, confidence, distance, similarity, evt.EventId) with { Candidates = candidates };
            stream.Publish(evt);
        }

        return result;
    }

    private static FaceSighting Sighting(RecognizedFace face, RecognitionStatus status, Customer? customer, float confidence, float? distance, float? similarity, string? eventId) => new()
    {
        Status = status,
        Customer = customer,
        Box = face.Box,
        Landmarks = face.Landmarks,
        Confidence = confidence,
        Distance = distance,
        Similarity = similarity,
        DetectorScore = face.Score,
        Embedding = face.Embedding,
        QualityReason = face.Embedding is null ? face.Quality.Reason : null,
        EventId = eventId,
    };

    private async Task<IReadOnlyList<CandidateCustomer>> CandidatesOfAsync(string organizationId, IReadOnlyList<IdentityScore> scores, CancellationToken cancellationToken)
    {
        var list = new List<CandidateCustomer>(scores.Count);
        foreach (var c in scores)
        {
            if (await GalleryIdentity.CustomerOfAsync(customers, organizationId, c.IdentityId, cancellationToken).ConfigureAwait(false) is { } customer)
            {
                list.Add(new CandidateCustomer(customer.Id, c.Similarity));
            }
        }

        return list;
    }
}
