namespace Scarlet.Recognition;

/// <summary>A face's estimated gender.</summary>
public enum Gender
{
    /// <summary>Not estimated, or below the confidence threshold.</summary>
    Unknown,

    /// <summary>Female.</summary>
    Female,

    /// <summary>Male.</summary>
    Male,
}

/// <summary>The seven emotion classes of the mini-Xception FER-2013 model, in its output order.</summary>
public enum Emotion
{
    /// <summary>Angry.</summary>
    Angry,

    /// <summary>Disgust.</summary>
    Disgust,

    /// <summary>Fear.</summary>
    Fear,

    /// <summary>Happy.</summary>
    Happy,

    /// <summary>Sad.</summary>
    Sad,

    /// <summary>Surprise.</summary>
    Surprise,

    /// <summary>Neutral.</summary>
    Neutral,
}

/// <summary>What <see cref="IFaceAttributeEstimator"/> estimated for one face.</summary>
/// <param name="AgeYears">The estimated age in years; <see langword="null"/> when the model gives none.</param>
/// <param name="AgeLow">The low end of the age range (the model's bin, or its 10th percentile).</param>
/// <param name="AgeHigh">The high end of the age range (the model's bin, or its 90th percentile).</param>
/// <param name="Gender">The gender; <see cref="Gender.Unknown"/> below <see cref="FaceAttributeOptions.MinGenderConfidence"/>.</param>
/// <param name="GenderConfidence">The model's probability of the gender it leans to, 0.5 to 1.</param>
/// <param name="Emotion">The most probable emotion; <see langword="null"/> when emotion is off.</param>
/// <param name="EmotionConfidence">The probability of <paramref name="Emotion"/>.</param>
public sealed record FaceAttributes(
    float? AgeYears,
    float? AgeLow,
    float? AgeHigh,
    Gender Gender,
    float GenderConfidence,
    Emotion? Emotion,
    float EmotionConfidence);
