using System.Text.Json.Serialization;
using OpenCvSharp;
using Scarlet.Recognition;
using Scarlet.Retail;
using Scarlet.Vision;
using Scarlet.WebHost.Live;
using Scarlet.WebHost.Security;

namespace Scarlet.WebHost.Api;

internal sealed record FaceImageRequest(Base64Image? FaceImageB64);

/// <summary>
/// A registration: <c>face_image_b64</c> as in the seed, and optionally <c>face_images_b64</c> with more photos of the same
/// person (up to 5 in all): every photo becomes a template, which finds the customer again more often at the same
/// false-match rate (94 % instead of 91 % with two photos; docs/recognition.md).
/// </summary>
internal sealed record RegisterRequest(string? Name, string? Email, Base64Image? FaceImageB64, IReadOnlyList<Base64Image?>? FaceImagesB64 = null);

/// <summary>
/// A registration: <c>possible_duplicate</c> when the face resembles another customer's (a lookalike, registered and
/// flagged for review); <c>possible_duplicate_of</c> names the most similar one, for callers allowed to read customers only.
/// </summary>
internal sealed record RegisterResponse(
    string Message,
    string CustomerId,
    bool PossibleDuplicate,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PossibleDuplicateOf)
{
    public static RegisterResponse From(string message, FaceRegistrationResult r, HttpContext http) =>
        new(message, r.Customer.Id, r.IsPossibleDuplicate, r.IsPossibleDuplicate && AdminAuth.CanReadCustomers(http) ? r.PossibleDuplicates[0].ExistingCustomerId : null);
}

internal sealed record EmbeddingResponse(float[] Embedding);

internal sealed record RecognizedUser(string Id, string Name, float Confidence, string LoyaltyStatus, float[] Bbox);

/// <summary>Matched faces; boxes in the pixels of the image sent, whose size is <c>frame_width</c> x <c>frame_height</c>.</summary>
internal sealed record RecognizeResponse(IReadOnlyList<RecognizedUser> TrackedObjects, int FrameWidth, int FrameHeight);

internal sealed record ProcessFrameRequest(Base64Image? FrameB64, string? CameraId, string? StoreZone);

internal sealed record FrameDetection(float[] Bbox, string? UserId, float Confidence, string? Name, string? LoyaltyStatus, string ObjectId, string Status)
{
    /// <summary>Gets, for MULTIPLE_MATCHES only, the customers the face is ambiguous between, with their similarities.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<MatchCandidate>? Candidates { get; init; }
}

internal sealed record MatchCandidate(string CustomerId, float Similarity);

/// <summary>The faces of a frame; boxes in the pixels of the frame sent, whose size is <c>frame_width</c> x <c>frame_height</c>.</summary>
internal sealed record ProcessFrameResponse(string CameraId, DateTimeOffset Timestamp, IReadOnlyList<FrameDetection> Detections, int FrameWidth, int FrameHeight);

internal sealed record UserFace(string Id, string Name, string LoyaltyStatus, int Embeddings, bool Enrolled);

/// <summary>Face recognition and the edge processor's <c>POST /process-frame</c>, plus customer registration.</summary>
internal static class FaceApi
{
    private const int MaxRegistrationPhotos = 5;

    public static void MapFaceApi(this IEndpointRouteBuilder app)
    {
        var device = app.MapGroup(string.Empty).Require(ScarletPolicies.Device);
        if (app.ServiceProvider.GetService<ServerTiming>() is not null)
        {
            device.AddEndpointFilter(ServerTiming.FilterAsync);
        }

        device.MapPost("/register", RegisterAsync).SeedOpen(app).WithTags("Customers").WithSummary("Register a customer with name, optional e-mail and a face photo (base64)");
        device.MapPost("/auto-register", AutoRegisterAsync).WithTags("Customers").WithSummary("Register an unrecognised face as a provisional customer (the caller vouches for consent)");
        device.MapPost("/generate-embedding", GenerateEmbeddingAsync).SeedOpen(app).WithTags("Faces");
        device.MapPost("/recognize", RecognizeAsync).SeedOpen(app).WithTags("Faces");
        device.MapPost("/process-frame", ProcessFrameAsync).SeedOpen(app).WithTags("Edge");
        app.MapGet("/users/{user_id}/face", GetUserFaceAsync).WithTags("Faces").Require(ScarletPolicies.Read).SeedOpen(app);
    }

    /// <summary>
    /// Decodes a request's base64 image through the process's one <see cref="ImageDecoder"/> (its memory budget, pooled
    /// base64 buffer and JPEG scaled decode) and gives the text's buffer back: a bad image is a 400, a busy budget a 503
    /// with Retry-After (ErrorMapper).
    /// </summary>
    public static async ValueTask<DecodedImage> DecodeAsync(ImageDecoder decoder, Base64Image? base64, string field, CancellationToken ct)
    {
        if (base64 is null || base64.IsBlank)
        {
            throw ApiException.BadRequest($"{field} is required", field);
        }

        using (base64)
        {
            return await decoder.DecodeBase64Utf8Async(base64.Utf8, ct);
        }
    }

    public static async Task<IResult> RegisterAsync(RegisterRequest? body, HttpContext http, HostContext ctx, ImageDecoder decoder, FaceIdentityService faces, TimeProvider time, CancellationToken ct)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.Name))
        {
            throw ApiException.BadRequest("name is required");
        }

        if (body.Name.Length > 200)
        {
            throw ApiException.BadRequest("name must be at most 200 characters");
        }

        var more = body.FaceImagesB64 ?? [];
        if (more.Count > MaxRegistrationPhotos - 1)
        {
            throw ApiException.BadRequest($"face_images_b64 takes at most {MaxRegistrationPhotos - 1} more photos");
        }

        var images = new List<DecodedImage>(1 + more.Count);
        try
        {
            images.Add(await DecodeAsync(decoder, body.FaceImageB64, "face_image_b64", ct));
            for (var i = 0; i < more.Count; i++)
            {
                images.Add(await DecodeAsync(decoder, more[i], $"face_images_b64[{i}]", ct));
            }

            var result = await faces.RegisterAsync(ctx.Org, new FaceRegistration
            {
                Name = body.Name.Trim(),
                Email = string.IsNullOrWhiteSpace(body.Email) ? null : body.Email.Trim(),
                Consent = new ConsentRecord(body.Name.Trim(), time.GetUtcNow(), "registration"),
            }, images.ConvertAll(i => i.Pixels), ct);
            return TypedResults.Ok(RegisterResponse.From("Registration successful", result, http));
        }
        finally
        {
            foreach (var m in images)
            {
                m.Dispose();
            }
        }
    }

    public static async Task<IResult> AutoRegisterAsync(FaceImageRequest? body, HttpContext http, HostContext ctx, ImageDecoder decoder, FaceIdentityService faces, TimeProvider time, CancellationToken ct)
    {
        using var image = await DecodeAsync(decoder, body?.FaceImageB64, "face_image_b64", ct);
        var result = await faces.RegisterAsync(ctx.Org, new FaceRegistration
        {
            Name = "Visitor " + Guid.NewGuid().ToString("N")[..8],
            Consent = new ConsentRecord(http.Name(), time.GetUtcNow(), "auto-register"),
            IsAutoRegistered = true,
        }, [image.Pixels], ct);
        return TypedResults.Ok(RegisterResponse.From("Auto-registration successful", result, http));
    }

    public static async Task<IResult> GenerateEmbeddingAsync(FaceImageRequest? body, ImageDecoder decoder, FaceRecognizer recognizer, InferenceGate gate, CancellationToken ct)
    {
        using var slot = await gate.EnterAsync(ct);
        using var image = await DecodeAsync(decoder, body?.FaceImageB64, "face_image_b64", ct);
        return TypedResults.Ok(new EmbeddingResponse(recognizer.LargestFace(image.Pixels).Embedding!));
    }

    public static async Task<IResult> RecognizeAsync(FaceImageRequest? body, HttpContext http, HostContext ctx, ImageDecoder decoder, FaceIdentityService faces, AuditTrail audit, InferenceGate gate, TimeProvider time, CancellationToken ct)
    {
        int scale, width, height;
        IReadOnlyList<FaceSighting> sightings;
        using (await gate.EnterAsync(ct))
        {
            using var image = await DecodeAsync(decoder, body?.FaceImageB64, "face_image_b64", ct);
            scale = image.Scale;
            (width, height) = FrameSize(image);
            sightings = await faces.RecognizeAsync(ctx.Org, image.Pixels, ct);
        }

        var users = sightings
            .Where(s => s.Customer is not null)
            .Select(s => new RecognizedUser(s.Customer!.Id, s.Customer.Name, s.Similarity ?? 0f, StoreCamera.LoyaltyText(s.Customer.LoyaltyStatus), Xyxy(s.Box, scale)))
            .ToList();
        HostMetrics.FacesRecognized.Add(users.Count, HostMetrics.Tag("camera", "api"));

        // A till's look-up is a sighting: it counts as a visit unless the customer was seen within the visit timeout.
        foreach (var id in users.Select(u => u.Id).Distinct(StringComparer.Ordinal))
        {
            await ctx.Visits.RecordSightingAsync(ctx.Org, id, time.GetUtcNow(), ct);
        }

        await AuditLookupAsync(audit, http, AuditActions.FaceRecognized, users.Select(u => u.Id), $"faces={sightings.Count}");
        return TypedResults.Ok(new RecognizeResponse(users, width, height));
    }

    /// <summary>One audit entry per customer a look-up named, or one <c>no_match</c> entry when it named nobody.</summary>
    private static async Task AuditLookupAsync(AuditTrail audit, HttpContext http, string action, IEnumerable<string> customerIds, string detail)
    {
        var any = false;
        foreach (var id in customerIds.Distinct(StringComparer.Ordinal))
        {
            any = true;
            await audit.RecordAsync(http, action, id, detail: detail);
        }

        if (!any)
        {
            await audit.RecordAsync(http, action, null, "no_match", detail);
        }
    }

    public static async Task<IResult> GetUserFaceAsync(string user_id, HttpContext http, HostContext ctx, FaceIdentityService faces, AuditTrail audit, CancellationToken ct)
    {
        var customer = await RetailApi.ReadAuditedAsync(http, audit, user_id, await ctx.Customers.GetAsync(ctx.Org, user_id, ct), "route=face");
        var n = await faces.EnrolledEmbeddingCountAsync(ctx.Org, customer, ct);
        return TypedResults.Ok(new UserFace(customer.Id, customer.Name, StoreCamera.LoyaltyText(customer.LoyaltyStatus), n, n > 0));
    }

    public static async Task<IResult> ProcessFrameAsync(ProcessFrameRequest? body, HttpContext http, HostContext ctx, ImageDecoder decoder, FaceIdentityService faces, AuditTrail audit, TimeProvider time, InferenceGate gate, FaceAttributesFeature attributes, AttributeStatistics statistics, CancellationToken ct)
    {
        if (body?.FrameB64 is null || body.FrameB64.IsBlank)
        {
            throw ApiException.BadRequest("frame_b64 is required");
        }

        var cameraId = string.IsNullOrWhiteSpace(body.CameraId) ? "device-camera" : body.CameraId.Trim();
        if (cameraId.Length > 64)
        {
            throw ApiException.BadRequest("camera_id must be at most 64 characters");
        }

        int scale, width, height;
        DateTimeOffset now;
        IReadOnlyList<FaceSighting> sightings;
        using (await gate.EnterAsync(ct))
        {
            using var image = await DecodeAsync(decoder, body.FrameB64, "frame_b64", ct);
            scale = image.Scale;
            (width, height) = FrameSize(image);
            now = time.GetUtcNow();

            // The library publishes one RecognitionEvent per face; the retail pipeline records and acts on it.
            sightings = await faces.IdentifyAsync(ctx.Org, image.Pixels, cameraId, body.StoreZone ?? "entrance", now, ct);

            // Attributes run a model on the pixels: inside the gate, while the image is alive.
            await StatisticsApi.RecordFrameAsync(attributes, statistics, ctx.Org, image.Pixels, sightings, cameraId, body.StoreZone ?? "entrance", now, ct);
        }

        var detections = new List<FrameDetection>(sightings.Count);
        for (var i = 0; i < sightings.Count; i++)
        {
            var s = sightings[i];
            var matched = s.Status == RecognitionStatus.Matched;
            detections.Add(new FrameDetection(Xyxy(s.Box, scale), s.CustomerId, matched ? s.Similarity ?? 0f : s.DetectorScore, s.Customer?.Name, s.Customer is null ? null : StoreCamera.LoyaltyText(s.Customer.LoyaltyStatus), $"{cameraId}-face-{i}", StatusText(s.Status))
            {
                Candidates = s.Candidates.Count == 0 ? null : s.Candidates.Select(c => new MatchCandidate(c.CustomerId, c.Similarity)).ToList(),
            });
            if (matched)
            {
                HostMetrics.FacesRecognized.Add(1, HostMetrics.Tag("camera", cameraId));
            }
        }

        HostMetrics.FramesProcessed.Add(1, HostMetrics.Tag("camera", cameraId));
        await AuditLookupAsync(audit, http, AuditActions.FaceIdentified, sightings.Where(s => s.Status == RecognitionStatus.Matched && s.CustomerId is not null).Select(s => s.CustomerId!), $"camera={cameraId}; faces={sightings.Count}");
        return TypedResults.Ok(new ProcessFrameResponse(cameraId, now, detections, width, height));
    }

    public static float[] Xyxy(BoundingBox b) => Xyxy(b, 1);

    /// <summary>The size of the image as sent, in the orientation the boxes use (a JPEG turned by its EXIF tag is turned).</summary>
    public static (int Width, int Height) FrameSize(DecodedImage image)
    {
        var s = image.Source;
        return (s.Width + image.Scale - 1) / image.Scale == image.Pixels.Width ? (s.Width, s.Height) : (s.Height, s.Width);
    }

    /// <summary>The box in the source image's pixels when the image was decoded at 1/<paramref name="scale"/> (a large JPEG).</summary>
    public static float[] Xyxy(BoundingBox b, int scale) =>
        [MathF.Round(b.X * scale, 1), MathF.Round(b.Y * scale, 1), MathF.Round(b.Right * scale, 1), MathF.Round(b.Bottom * scale, 1)];

    public static string StatusText(RecognitionStatus s) => s switch
    {
        RecognitionStatus.Matched => "MATCHED",
        RecognitionStatus.NewFace => "NEW_FACE",
        RecognitionStatus.MultipleMatches => "MULTIPLE_MATCHES",
        _ => "UNKNOWN",
    };
}
