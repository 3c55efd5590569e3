namespace Scarlet.Vision.Models;

/// <summary>What a known model is for.</summary>
public enum ModelTask
{
    /// <summary>Face detection with five landmarks.</summary>
    FaceDetection,

    /// <summary>Object (person) detection.</summary>
    PersonDetection,

    /// <summary>Face embedding for recognition.</summary>
    FaceEmbedding,

    /// <summary>Person appearance embedding for re-identification.</summary>
    PersonReId,

    /// <summary>Face anti-spoofing (liveness).</summary>
    AntiSpoofing,

    /// <summary>Not a model: a media file (a sample video), resolved and checked the same way.</summary>
    Media,

    /// <summary>Face attributes: age, gender, emotion.</summary>
    FaceAttributes,
}

/// <summary>One known model: where it comes from, what it is, and how to check the bytes.</summary>
/// <param name="Id">Stable id used in options and on the command line (for example <c>yunet-2023mar</c>).</param>
/// <param name="FileName">The file name searched for.</param>
/// <param name="Sha256">Lower-case hex sha256 of the file.</param>
/// <param name="SizeBytes">The file size in bytes.</param>
/// <param name="Url">A pinned upstream URL the file can be downloaded from.</param>
/// <param name="Licence">The licence of the weights.</param>
/// <param name="Task">What the model does.</param>
/// <param name="Description">One line on the model.</param>
public sealed record ModelSpec(
    string Id,
    string FileName,
    string Sha256,
    long SizeBytes,
    Uri Url,
    string Licence,
    ModelTask Task,
    string Description)
{
    /// <summary>
    /// Gets the script that produces the file where no upstream URL serves it as is (models converted from another
    /// format, such as the TF.js human-models: <c>scripts/models/fetch-human-models.sh</c>); <see langword="null"/> for
    /// a plain download. The locator never downloads such a model; its error names the script.
    /// </summary>
    public string? FetchedBy { get; init; }
}
