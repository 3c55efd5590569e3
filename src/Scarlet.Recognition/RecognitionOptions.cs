using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Scarlet.Recognition;

/// <summary>Settings of the recognition layer, bound by <c>AddScarletRecognition</c>.</summary>
public sealed class RecognitionOptions
{
    /// <summary>Gets or sets the embedding model: a catalog id or a file path. The default value is <c>mobilefacenet</c>.</summary>
    [Required]
    public string EmbeddingModel { get; set; } = "mobilefacenet";

    /// <summary>
    /// Gets or sets the face detector used when no <c>IFaceDetector</c> is registered: a catalog id or a file path.
    /// The default value is <c>yunet-2023mar</c> (YuNet-s aligned best on LFW; docs/recognition.md).
    /// </summary>
    [Required]
    public string FaceDetectorModel { get; set; } = "yunet-2023mar";

    /// <summary>Gets or sets whether the mirrored crop's embedding is added (better accuracy, twice the embedding cost). The default value is <see langword="true"/>.</summary>
    public bool FlipAugmentation { get; set; } = true;

    /// <summary>
    /// Gets or sets whether landmarks are refined by a second detection on the mirrored face before embedding
    /// (<see cref="Scarlet.Vision.MirrorLandmarkRefiner"/>: better alignment, one more detector run per good face). The default value is <see langword="true"/>.
    /// </summary>
    public bool RefineLandmarks { get; set; } = true;

    /// <summary>Gets or sets a gallery snapshot loaded at start when the file exists. The default value is <see langword="null"/> (start empty).</summary>
    public string? GallerySnapshotPath { get; set; }

    /// <summary>Gets the gallery thresholds.</summary>
    public FaceGalleryOptions Gallery { get; } = new();

    /// <summary>Gets the quality gate limits.</summary>
    public FaceQualityOptions Quality { get; } = new();
}

/// <summary>Validates <see cref="RecognitionOptions"/> with its nested gallery and quality options.</summary>
internal sealed class RecognitionOptionsValidator : IValidateOptions<RecognitionOptions>
{
    public ValidateOptionsResult Validate(string? name, RecognitionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        Check(options, "Recognition", errors);
        Check(options.Gallery, "Recognition.Gallery", errors);
        Check(options.Quality, "Recognition.Quality", errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Check(object target, string prefix, List<string> errors)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(target, new ValidationContext(target), results, validateAllProperties: true))
        {
            foreach (var r in results)
            {
                errors.Add($"{prefix}: {r.ErrorMessage}");
            }
        }
    }
}
