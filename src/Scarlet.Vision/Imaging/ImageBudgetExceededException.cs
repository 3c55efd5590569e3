namespace Scarlet.Vision;

/// <summary>
/// Thrown when an image could not get its share of the <see cref="ImageMemoryBudget"/> in time: the process is busy
/// decoding other images, not the caller's fault. Hosts answer 503 with <c>Retry-After</c>.
/// </summary>
public sealed class ImageBudgetExceededException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ImageBudgetExceededException()
        : this("Too many images are being decoded; try again shortly.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public ImageBudgetExceededException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ImageBudgetExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets how long the caller should wait before trying again.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);
}
