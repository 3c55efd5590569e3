using Microsoft.Extensions.Options;
using Scarlet.Recognition;
using Scarlet.Retail;
using Scarlet.Vision;

namespace ScarletStore;

/// <summary>A registration: a name, an optional e-mail and a face photo (base64 JPEG/PNG, or a data: URL).</summary>
public sealed record RegisterRequest(string? Name, string? Email, string? FaceImageB64);

/// <summary>A registered customer; <c>PossibleDuplicate</c> when the face resembles another customer's (flagged for review).</summary>
public sealed record RegisterResponse(string CustomerId, string Name, bool PossibleDuplicate);

/// <summary>A photo to recognise, and the store zone it was taken in (for zone promotions).</summary>
public sealed record RecognizeRequest(string? FaceImageB64, string? Zone);

/// <summary>A promotion for a recognised customer.</summary>
public sealed record PromotionView(string Id, string Title, string Discount);

/// <summary>One face of the photo: MATCHED (with the customer and promotions), NEW_FACE, MULTIPLE_MATCHES or UNKNOWN.</summary>
public sealed record RecognizedFace(string Status, string? CustomerId, string? Name, float? Similarity, float[] Box, IReadOnlyList<PromotionView> Promotions);

/// <summary>The faces found in a photo.</summary>
public sealed record RecognizeResponse(IReadOnlyList<RecognizedFace> Faces);

/// <summary>The endpoints: thin mappings from JSON to the Scarlet services.</summary>
public static class StoreApi
{
    /// <summary>Maps /register, /recognize and /camera.</summary>
    /// <param name="app">The application.</param>
    public static void MapStoreApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/register", RegisterAsync);
        app.MapPost("/recognize", RecognizeAsync);
        app.MapGet("/camera", (StoreCamera camera) => TypedResults.Ok(new { people = camera.Latest?.Persons.Count, status = camera.Status }));
    }

    private static async Task<IResult> RegisterAsync(RegisterRequest request, FaceIdentityService faces, TimeProvider time, IOptions<StoreOptions> store, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            return TypedResults.Problem("name is required", statusCode: StatusCodes.Status400BadRequest);
        }

        try
        {
            var photo = Photo(request.FaceImageB64);
            var registered = await faces.RegisterAsync(store.Value.Organization, new FaceRegistration
            {
                Name = request.Name.Trim(),
                Email = string.IsNullOrWhiteSpace(request.Email) ? null : request.Email.Trim(),
                // Registration at this endpoint stands for the customer's own consent; record who else gave it otherwise.
                Consent = new ConsentRecord(request.Name.Trim(), time.GetUtcNow(), "registration"),
            }, [photo], ct);
            return TypedResults.Ok(new RegisterResponse(registered.Customer.Id, registered.Customer.Name, registered.IsPossibleDuplicate));
        }
        catch (Exception ex) when (ex is FormatException or InvalidImageException or NoUsableFaceException or DuplicateFaceException or DuplicateEntityException)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }
    }

    private static async Task<IResult> RecognizeAsync(RecognizeRequest request, FaceIdentityService faces, PromotionEngine promotions, IOptions<StoreOptions> store, CancellationToken ct)
    {
        var org = store.Value.Organization;
        IReadOnlyList<FaceSighting> sightings;
        try
        {
            sightings = await faces.IdentifyAsync(org, Photo(request.FaceImageB64), cameraId: "api", storeZone: request.Zone, cancellationToken: ct);
        }
        catch (Exception ex) when (ex is FormatException or InvalidImageException)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }

        var result = new List<RecognizedFace>(sightings.Count);
        foreach (var s in sightings)
        {
            IReadOnlyList<PromotionView> offers = [];
            if (s.Status == RecognitionStatus.Matched && s.Customer is { } customer)
            {
                offers = [.. (await promotions.GetPromotionsForAsync(org, customer.Id, request.Zone, cancellationToken: ct))
                    .Select(p => new PromotionView(p.Id, p.Title, p.Discount))];
            }

            result.Add(new RecognizedFace(Status(s.Status), s.Customer?.Id, s.Customer?.Name, s.Similarity, [s.Box.X, s.Box.Y, s.Box.Width, s.Box.Height], offers));
        }

        return TypedResults.Ok(new RecognizeResponse(result));
    }

    private static byte[] Photo(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            throw new FormatException("face_image_b64 is required");
        }

        // Accept a data: URL as browsers produce it, as well as plain base64.
        var comma = base64.StartsWith("data:", StringComparison.OrdinalIgnoreCase) ? base64.IndexOf(',', StringComparison.Ordinal) : -1;
        return Convert.FromBase64String(comma >= 0 ? base64[(comma + 1)..] : base64);
    }

    private static string Status(RecognitionStatus status) => status switch
    {
        RecognitionStatus.Matched => "MATCHED",
        RecognitionStatus.NewFace => "NEW_FACE",
        RecognitionStatus.MultipleMatches => "MULTIPLE_MATCHES",
        _ => "UNKNOWN",
    };
}
