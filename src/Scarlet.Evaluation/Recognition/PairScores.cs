using System.Numerics.Tensors;

namespace Scarlet.Evaluation.Recognition;

/// <summary>
/// The similarities of every pair of embedded photos of a face set, as histograms (1/2000 wide bins over [-1, 1]) of
/// same-person and different-person pairs: per-pair false-accept and true-accept rates at any threshold, and the
/// extrapolation to a gallery of N independent customers, 1 - (1 - FAR)^N.
/// </summary>
public sealed class PairScores
{
    private const int Bins = 2000;
    private readonly long[] _impostor = new long[Bins];
    private readonly long[] _genuine = new long[Bins];

    private PairScores()
    {
    }

    /// <summary>Gets the number of different-person pairs.</summary>
    public long ImpostorPairs { get; private set; }

    /// <summary>Gets the number of same-person pairs.</summary>
    public long GenuinePairs { get; private set; }

    /// <summary>Compares every pair of embedded photos among the given people.</summary>
    /// <param name="samples">Embedded photos.</param>
    /// <param name="include">Which people take part; every one when <see langword="null"/>.</param>
    /// <returns>The histograms.</returns>
    public static PairScores Of(IReadOnlyList<FaceSample> samples, Func<string, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var embedded = samples.Where(s => s.Embedding is not null && (include is null || include(s.PersonId))).ToArray();
        var result = new PairScores();
        for (var i = 0; i < embedded.Length; i++)
        {
            var a = embedded[i].Embedding!;
            for (var j = i + 1; j < embedded.Length; j++)
            {
                var bin = Bin(TensorPrimitives.Dot(a, embedded[j].Embedding!));
                if (string.Equals(embedded[i].PersonId, embedded[j].PersonId, StringComparison.Ordinal))
                {
                    result._genuine[bin]++;
                    result.GenuinePairs++;
                }
                else
                {
                    result._impostor[bin]++;
                    result.ImpostorPairs++;
                }
            }
        }

        return result;
    }

    /// <summary>The share of different-person pairs at or above a threshold (per-pair false-accept rate).</summary>
    /// <param name="threshold">The similarity threshold (rounded down to the bin).</param>
    /// <returns>The rate.</returns>
    public double FalseAcceptRate(float threshold) => Tail(_impostor, ImpostorPairs, threshold);

    /// <summary>The share of same-person pairs at or above a threshold.</summary>
    /// <param name="threshold">The similarity threshold.</param>
    /// <returns>The rate.</returns>
    public double TrueAcceptRate(float threshold) => Tail(_genuine, GenuinePairs, threshold);

    /// <summary>The lowest bin edge whose per-pair false-accept rate is at most <paramref name="far"/>.</summary>
    /// <param name="far">The rate wanted.</param>
    /// <returns>The threshold.</returns>
    public float ThresholdForFalseAcceptRate(double far)
    {
        long above = 0;
        for (var b = Bins - 1; b >= 0; b--)
        {
            if (above + _impostor[b] > far * ImpostorPairs)
            {
                return Edge(b + 1);
            }

            above += _impostor[b];
        }

        return -1f;
    }

    /// <summary>
    /// The false-match rate a stranger meets in a gallery of <paramref name="gallerySize"/> customers at a threshold, if
    /// each customer resembled the stranger independently at the per-pair rate: 1 - (1 - FAR)^N.
    /// </summary>
    /// <param name="threshold">The threshold.</param>
    /// <param name="gallerySize">The number of customers.</param>
    /// <returns>The rate.</returns>
    public double GalleryFalseMatchRate(float threshold, int gallerySize) => 1 - Math.Pow(1 - FalseAcceptRate(threshold), gallerySize);

    /// <summary>The threshold at which <see cref="GalleryFalseMatchRate"/> is at most <paramref name="target"/>.</summary>
    /// <param name="target">The gallery false-match rate wanted.</param>
    /// <param name="gallerySize">The number of customers.</param>
    /// <returns>The threshold.</returns>
    public float ThresholdForGallery(double target, int gallerySize) =>
        ThresholdForFalseAcceptRate(1 - Math.Pow(1 - target, 1.0 / gallerySize));

    private static double Tail(long[] hist, long total, float threshold)
    {
        if (total == 0)
        {
            return double.NaN;
        }

        long above = 0;
        for (var b = Bin(threshold); b < Bins; b++)
        {
            above += hist[b];
        }

        return above / (double)total;
    }

    private static int Bin(float s) => Math.Clamp((int)MathF.Floor((s + 1f) * (Bins / 2f)), 0, Bins - 1);

    private static float Edge(int bin) => (bin / (Bins / 2f)) - 1f;
}
