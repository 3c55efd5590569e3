namespace Scarlet.Vision.Models;

/// <summary>Thrown when a model file cannot be found or fetched; the message lists every place searched.</summary>
public sealed class ModelNotFoundException : FileNotFoundException
{
    /// <summary>Creates the exception.</summary>
    public ModelNotFoundException()
        : base("The model was not found.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What was searched.</param>
    public ModelNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What was searched.</param>
    /// <param name="innerException">The cause.</param>
    public ModelNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
