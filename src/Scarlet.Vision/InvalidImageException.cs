namespace Scarlet.Vision;

/// <summary>
/// Thrown when input meant to be an image is not one Scarlet accepts: empty, not base64, not a supported format,
/// truncated, too large, too many pixels, or too small. The message says which, and is safe to show to a client.
/// </summary>
public sealed class InvalidImageException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public InvalidImageException()
        : base("The input is not a valid image.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong with the input.</param>
    public InvalidImageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    /// <param name="message">What is wrong with the input.</param>
    /// <param name="innerException">The underlying cause.</param>
    public InvalidImageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
