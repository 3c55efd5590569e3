using Scarlet.Recognition;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>The embedder options shared by the evaluation verbs (<c>lfw</c>, <c>eval identify</c>).</summary>
internal static class EmbedderArgs
{
    /// <summary>Reads <c>--normalization imagenet|arcface|raw</c> (default imagenet, MobileFaceNet's).</summary>
    public static EmbeddingNormalization Normalization(CliArgs args)
    {
        var text = args.Optional("normalization");
        return text is null ? EmbeddingNormalization.ImageNet
            : Enum.TryParse<EmbeddingNormalization>(text, ignoreCase: true, out var n) && Enum.IsDefined(n) ? n
            : throw new UsageException($"--normalization takes imagenet, arcface or raw; got '{text}'");
    }

    /// <summary>Reads <c>--align-margin M</c>: the aligned crop's field of view relative to the ArcFace template (default 1).</summary>
    public static float AlignMargin(CliArgs args)
    {
        var m = args.Double("align-margin", 1);
        return m is >= 0.5 and <= 3 ? (float)m : throw new UsageException($"--align-margin takes 0.5 to 3; got {m}");
    }
}
