using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Scarlet.Vision.Models;

namespace Scarlet.Vision;

/// <summary>Settings of the vision layer, bound from configuration section <c>Scarlet:Vision</c> by hosts.</summary>
public sealed class VisionOptions
{
    /// <summary>Gets or sets the face detector model: a catalog id or a file path. The default value is <c>yunet-2023mar</c>.</summary>
    [Required]
    public string FaceDetectorModel { get; set; } = ModelCatalog.YuNet2023Mar.Id;

    /// <summary>Gets or sets the person detector model: a catalog id or a file path. The default value is <c>yolox-nano</c>.</summary>
    [Required]
    public string PersonDetectorModel { get; set; } = ModelCatalog.YoloxNano.Id;

    /// <summary>Gets where models are searched for and whether they may be downloaded.</summary>
    public ModelLocatorOptions Models { get; } = new();

    /// <summary>Gets how ONNX Runtime sessions are created (execution provider, threads).</summary>
    public InferenceOptions Inference { get; } = new();

    /// <summary>Gets the face detector settings.</summary>
    public FaceDetectorOptions FaceDetector { get; } = new();

    /// <summary>Gets the person detector settings.</summary>
    public PersonDetectorOptions PersonDetector { get; } = new();

    /// <summary>Gets the memory budget for decoded images (hosts bind it from <c>Scarlet:Images</c>).</summary>
    public ImageMemoryOptions Images { get; } = new();
}

/// <summary>Validates <see cref="VisionOptions"/> and its nested settings at start.</summary>
internal sealed class VisionOptionsValidator : IValidateOptions<VisionOptions>
{
    public ValidateOptionsResult Validate(string? name, VisionOptions options)
    {
        var errors = new List<string>();
        Check(options, errors);
        Check(options.FaceDetector, errors);
        Check(options.PersonDetector, errors);
        Check(options.Images, errors);
        if (options.Inference.IntraOpThreads < 0 || options.Inference.InterOpThreads < 0)
        {
            errors.Add("Inference thread counts must be 0 (automatic) or positive.");
        }

        if (!Enum.IsDefined(options.Inference.ExecutionProvider))
        {
            // A misspelt provider must not silently become the CPU one (a name the binder cannot read fails the bind).
            errors.Add($"Inference.ExecutionProvider must be Cpu or Cuda, got '{options.Inference.ExecutionProvider}'.");
        }

        if (options.Models.DownloadTimeout <= TimeSpan.Zero)
        {
            errors.Add("Models.DownloadTimeout must be positive.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static void Check(object target, List<string> errors)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(target, new ValidationContext(target), results, validateAllProperties: true))
        {
            foreach (var r in results)
            {
                errors.Add($"{target.GetType().Name}: {r.ErrorMessage}");
            }
        }
    }
}
