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
    /// Gets or sets how the embedding model's input is normalised: <see cref="EmbeddingNormalization.ImageNet"/> (RGB,
    /// ImageNet mean and std: MobileFaceNet), <see cref="EmbeddingNormalization.ArcFace"/> (RGB, (x - 127.5) / 127.5:
    /// InsightFace ArcFace-class models) or <see cref="EmbeddingNormalization.Raw"/> (RGB 0..255: faceres, faceres-deep). Input size and dimension are read from the model itself, so a second model is
    /// a setting: <see cref="EmbeddingModel"/> and this. The default value is <see cref="EmbeddingNormalization.ImageNet"/>.
    /// </summary>
    public EmbeddingNormalization EmbeddingNormalization { get; set; } = EmbeddingNormalization.ImageNet;

    /// <summary>Gets or sets whether the mirrored crop's embedding is added (better accuracy, twice the embedding cost). The default value is <see langword="true"/>.</summary>
    public bool FlipAugmentation { get; set; } = true;

    /// <summary>
    /// Gets or sets whether landmarks are refined by a second detection on the mirrored face before embedding
    /// (<see cref="Scarlet.Vision.MirrorLandmarkRefiner"/>: better alignment, one more detector run per good face). The default value is <see langword="true"/>.
    /// </summary>
    public bool RefineLandmarks { get; set; } = true;

    /// <summary>
    /// Gets or sets how close to a decision boundary (cosine similarity) an identification on unrefined landmarks must be
    /// for the face to be refined and identified again (<see cref="FaceRecognizer.RefinementMargin"/>; 0 never refines an
    /// identified face, 2 always does; enrolment always refines). The default value is
    /// <see cref="FaceRecognizer.DefaultRefinementMargin"/>, chosen by cross-validation on LFW and on the open-set protocol (docs/recognition.md).
    /// </summary>
    [Range(0f, 2f)]
    public float RefinementMargin { get; set; } = FaceRecognizer.DefaultRefinementMargin;

    /// <summary>Gets or sets a gallery snapshot loaded at start when the file exists. The default value is <see langword="null"/> (start empty).</summary>
    public string? GallerySnapshotPath { get; set; }

    /// <summary>Gets the gallery thresholds.</summary>
    public FaceGalleryOptions Gallery { get; } = new();

    /// <summary>Gets the quality gate limits.</summary>
    public FaceQualityOptions Quality { get; } = new();
}

/// <summary>How a face embedding model's input pixels are normalised (see <see cref="FaceEmbedderOptions"/>).</summary>
public enum EmbeddingNormalization
{
    /// <summary>RGB, x / 255, ImageNet mean and standard deviation (MobileFaceNet).</summary>
    ImageNet,

    /// <summary>RGB, (x - 127.5) / 127.5 (ArcFace / InsightFace models).</summary>
    ArcFace,

    /// <summary>RGB, x unscaled in 0..255 (the HSE <c>faceres</c> / <c>faceres-deep</c> models converted from human-models).</summary>
    Raw,
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
        if (options.Gallery.DuplicateThreshold < options.Gallery.MatchThreshold)
        {
            errors.Add(FormattableString.Invariant($"Recognition.Gallery: DuplicateThreshold ({options.Gallery.DuplicateThreshold}) must be at least MatchThreshold ({options.Gallery.MatchThreshold})."));
        }

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
