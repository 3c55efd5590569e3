using System.ComponentModel.DataAnnotations;

namespace Scarlet.Recognition.Index;

/// <summary>Parameters of an <see cref="HnswIndex"/> (names as in Malkov &amp; Yashunin and hnswlib).</summary>
public sealed class HnswIndexOptions
{
    /// <summary>Gets or sets the number of links per node on upper levels (level 0 keeps twice as many).</summary>
    /// <value>The default value is 16.</value>
    [Range(2, 128)]
    public int M { get; set; } = 16;

    /// <summary>Gets or sets the candidate-list size while inserting (build quality versus build time).</summary>
    /// <value>The default value is 200.</value>
    [Range(1, 100_000)]
    public int EfConstruction { get; set; } = 200;

    /// <summary>Gets or sets the default candidate-list size while searching (recall versus speed); raised to k when smaller.</summary>
    /// <value>The default value is 64.</value>
    [Range(1, 100_000)]
    public int EfSearch { get; set; } = 64;

    /// <summary>Gets or sets the seed of the level generator: the same seed and insert order give the same graph.</summary>
    /// <value>The default value is 42.</value>
    public long Seed { get; set; } = 42;

    /// <summary>Gets or sets the number of vectors to reserve room for up front (the index grows beyond it).</summary>
    /// <value>The default value is 1024.</value>
    [Range(1, 1 << 28)]
    public int InitialCapacity { get; set; } = 1024;

    internal void Validate()
    {
        Check(M, 2, 128, nameof(M));
        Check(EfConstruction, 1, 100_000, nameof(EfConstruction));
        Check(EfSearch, 1, 100_000, nameof(EfSearch));
        Check(InitialCapacity, 1, 1 << 28, nameof(InitialCapacity));

        static void Check(int value, int min, int max, string name)
        {
            if (value < min || value > max)
            {
                throw new ArgumentOutOfRangeException(name, value, $"HnswIndexOptions.{name} must be in [{min}, {max}], got {value}.");
            }
        }
    }
}
