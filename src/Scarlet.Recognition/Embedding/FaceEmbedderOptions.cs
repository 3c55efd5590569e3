using System.ComponentModel.DataAnnotations;

namespace Scarlet.Recognition;

/// <summary>How a face embedding model's input is prepared.</summary>
public sealed class FaceEmbedderOptions
{
    /// <summary>
    /// Gets or sets whether the embedding of the horizontally mirrored crop is added before normalising (the upstream
    /// MobileFaceNet evaluation does this). It doubles the inference cost. The default value is <see langword="true"/>:
    /// on LFW through our own YuNet-s alignment it raised accuracy (docs/recognition.md has the table).
    /// </summary>
    public bool FlipAugmentation { get; set; } = true;

    /// <summary>Gets or sets whether the network takes RGB (else BGR) channel order. The default value is <see langword="true"/>.</summary>
    public bool Rgb { get; set; } = true;

    /// <summary>
    /// Gets or sets the per-channel mean in [0, 1] units, in the network's channel order. The default value is the
    /// ImageNet mean (0.485, 0.456, 0.406) that MobileFaceNet was trained with.
    /// </summary>
    [Length(3, 3)]
    public float[] Mean { get; set; } = [0.485f, 0.456f, 0.406f];

    /// <summary>
    /// Gets or sets the per-channel standard deviation in [0, 1] units, in the network's channel order. The default
    /// value is the ImageNet std (0.229, 0.224, 0.225).
    /// </summary>
    [Length(3, 3)]
    public float[] Std { get; set; } = [0.229f, 0.224f, 0.225f];

    /// <summary>The options of a normalisation preset.</summary>
    /// <param name="normalization">The preset.</param>
    /// <param name="flip">Whether the mirrored crop's embedding is added.</param>
    /// <returns>New options.</returns>
    public static FaceEmbedderOptions For(EmbeddingNormalization normalization, bool flip)
    {
        var o = normalization switch
        {
            EmbeddingNormalization.ArcFace => ArcFace,
            EmbeddingNormalization.Raw => Raw,
            _ => new FaceEmbedderOptions(),
        };
        o.FlipAugmentation = flip;
        return o;
    }

    /// <summary>Gets the preset for ArcFace/InsightFace-style models: RGB, (x - 127.5) / 127.5.</summary>
    public static FaceEmbedderOptions ArcFace => new() { Mean = [0.5f, 0.5f, 0.5f], Std = [0.5f, 0.5f, 0.5f] };

    /// <summary>Gets the preset for networks that take unscaled RGB 0..255 (the HSE faceres models): mean 0, std 1/255.</summary>
    public static FaceEmbedderOptions Raw => new() { Mean = [0f, 0f, 0f], Std = [1f / 255f, 1f / 255f, 1f / 255f] };

    internal void Validate()
    {
        if (Mean is not { Length: 3 } || Std is not { Length: 3 })
        {
            throw new ArgumentException("FaceEmbedderOptions: Mean and Std take exactly three values.");
        }

        foreach (var s in Std)
        {
            if (!(s > 0) || !float.IsFinite(s))
            {
                throw new ArgumentException($"FaceEmbedderOptions: every Std value must be positive and finite; got {s}.");
            }
        }

        foreach (var m in Mean)
        {
            if (!float.IsFinite(m))
            {
                throw new ArgumentException($"FaceEmbedderOptions: every Mean value must be finite; got {m}.");
            }
        }
    }
}
