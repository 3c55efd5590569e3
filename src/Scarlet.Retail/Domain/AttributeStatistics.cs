namespace Scarlet.Retail;

/// <summary>Which face attribute a statistic counts.</summary>
public enum AttributeKind
{
    /// <summary>Gender: <c>female</c>, <c>male</c>, <c>unknown</c>.</summary>
    Gender,

    /// <summary>Age group: <c>0-18</c>, <c>19-30</c>, <c>31-50</c>, <c>51+</c> (Nome.ai's groups).</summary>
    AgeGroup,

    /// <summary>Emotion: the FER-2013 classes in lower case.</summary>
    Emotion,
}

/// <summary>One person's face attributes where and when they were seen, as counted by <see cref="Storage.IAttributeStatisticsStore"/>.</summary>
/// <param name="Timestamp">When (counted in its UTC hour).</param>
/// <param name="CameraId">The camera.</param>
/// <param name="Zone">The store zone, or an empty string for none.</param>
/// <param name="Gender">The gender value, or <see langword="null"/> to count none.</param>
/// <param name="AgeGroup">The age group value, or <see langword="null"/>.</param>
/// <param name="Emotion">The emotion value, or <see langword="null"/>.</param>
public sealed record AttributeObservation(DateTimeOffset Timestamp, string CameraId, string Zone, string? Gender, string? AgeGroup, string? Emotion);

/// <summary>A value of an attribute and how many people had it.</summary>
/// <param name="Value">The value (for example <c>female</c>, <c>19-30</c>, <c>happy</c>).</param>
/// <param name="Count">How many.</param>
public sealed record AttributeCount(string Value, long Count);

/// <summary>A consenting customer's latest estimated attributes.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="Gender">The gender value.</param>
/// <param name="AgeYears">The estimated age in years, if any.</param>
/// <param name="Emotion">The emotion value, if any.</param>
/// <param name="UpdatedAt">When they were estimated.</param>
public sealed record CustomerAttributes(string CustomerId, string Gender, float? AgeYears, string? Emotion, DateTimeOffset UpdatedAt);
