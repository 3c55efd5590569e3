using Microsoft.Extensions.Options;
using OpenCvSharp;
using Scarlet.Recognition;
using Scarlet.Retail;
using Scarlet.Retail.Events;
using Scarlet.Vision;

namespace Scarlet.WebHost;

/// <summary>One face of an image, with the customer it was identified as (if any).</summary>
internal sealed record FaceMatch(BoundingBox Box, float Score, RecognitionStatus Status, string? CustomerId, float Similarity, float[]? Embedding, Customer? Customer);

/// <summary>
/// The face gallery kept in step with the customer store (identity id = customer id): filled at start from stored
/// embeddings, then from registrations, visitor assignments and erasures on the event stream.
/// </summary>
internal sealed class FaceIdentity(FaceRecognizer recognizer, CustomerService customers, ScarletEventStream stream, IOptions<ScarletHostOptions> options, ILogger<FaceIdentity> logger) : IHostedService, IDisposable
{
    private readonly string _org = options.Value.Organization;
    private IDisposable? _subscription;

    public FaceGallery Gallery => recognizer.Gallery;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var stored = await customers.ListEmbeddingsAsync(_org, cancellationToken);
        foreach (var group in stored.GroupBy(e => e.CustomerId, StringComparer.Ordinal))
        {
            if (!Gallery.Contains(group.Key))
            {
                Gallery.Enroll(group.Key, [.. group.Select(e => e.Vector)]);
            }
        }

        logger.LogInformation("Face gallery loaded: {Identities} customers, {Embeddings} embeddings.", Gallery.IdentityCount, Gallery.EmbeddingCount);
        _subscription = stream.Subscribe(OnEvent);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _subscription?.Dispose();

    /// <summary>The embedding of the largest usable face.</summary>
    /// <exception cref="NoUsableFaceException">No usable face.</exception>
    public float[] EmbedLargest(Mat image) => recognizer.LargestFace(image).Embedding!;

    /// <summary>Enrols an embedding for a customer right away (the stream event that follows is then a no-op).</summary>
    public void Enroll(string customerId, float[] embedding) => Gallery.Enroll(customerId, [embedding]);

    /// <summary>Detects and identifies every face of an image, best detector score first.</summary>
    public async Task<IReadOnlyList<FaceMatch>> IdentifyAsync(Mat image, CancellationToken ct)
    {
        var faces = recognizer.Recognize(image);
        var result = new List<FaceMatch>(faces.Count);
        foreach (var f in faces)
        {
            var status = f.Identity?.Status switch
            {
                MatchStatus.Matched => RecognitionStatus.Matched,
                MatchStatus.MultipleMatches => RecognitionStatus.MultipleMatches,
                MatchStatus.Unknown when f.Embedding is not null => RecognitionStatus.NewFace,
                _ => RecognitionStatus.Unknown,
            };
            var id = f.Identity?.IdentityId;
            var customer = id is null ? null : await customers.GetAsync(_org, id, ct);
            var similarity = f.Identity is { Best: not null } i ? i.Similarity : 0f;
            result.Add(new FaceMatch(f.Box, f.Score, status, customer?.Id, similarity, f.Embedding, customer));
        }

        return result;
    }

    private void OnEvent(ScarletEvent evt)
    {
        try
        {
            switch (evt)
            {
                case CustomerRegisteredEvent r when r.OrganizationId == _org && r.Embeddings.Count > 0 && !Gallery.Contains(r.CustomerId):
                    Gallery.Enroll(r.CustomerId, [.. r.Embeddings.Select(e => e.ToArray())]);
                    break;
                case VisitorAssignedEvent v when v.OrganizationId == _org && v.Centroid.Length > 0:
                    Gallery.Enroll(v.CustomerId, [v.Centroid.ToArray()]);
                    break;
                case CustomerErasedEvent e when e.OrganizationId == _org:
                    Gallery.Forget(e.CustomerId);
                    break;
            }
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            logger.LogWarning(ex, "Gallery update for {Type} failed", evt.GetType().Name);
        }
    }
}
