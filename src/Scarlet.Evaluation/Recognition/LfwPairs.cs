using System.Globalization;

namespace Scarlet.Evaluation.Recognition;

/// <summary>One verification pair of the LFW protocol: two image paths (relative to the <c>images/</c> folder) and whether they show the same person.</summary>
/// <param name="Fold">The fold, from 0.</param>
/// <param name="ImageA">The first image, relative to the images folder.</param>
/// <param name="ImageB">The second image, relative to the images folder.</param>
/// <param name="Same">Whether both images show the same person.</param>
public readonly record struct LfwPair(int Fold, string ImageA, string ImageB, bool Same);

/// <summary>
/// The LFW "View 2" pairs file: a header <c>folds pairs-per-class</c>, then per fold the same-person lines
/// <c>name i j</c> followed by the different-person lines <c>name1 i name2 j</c> (tab-separated).
/// Image paths are <c>&lt;name&gt;/&lt;name&gt;_&lt;i:D4&gt;.jpg</c>.
/// </summary>
public sealed class LfwPairs
{
    private LfwPairs(int folds, int pairsPerClass, IReadOnlyList<LfwPair> pairs)
    {
        Folds = folds;
        PairsPerClass = pairsPerClass;
        Pairs = pairs;
    }

    /// <summary>Gets the number of folds.</summary>
    public int Folds { get; }

    /// <summary>Gets the number of same-person (and of different-person) pairs per fold.</summary>
    public int PairsPerClass { get; }

    /// <summary>Gets every pair, fold by fold.</summary>
    public IReadOnlyList<LfwPair> Pairs { get; }

    /// <summary>Reads a pairs file.</summary>
    /// <param name="path">The <c>pairs.txt</c> file.</param>
    /// <returns>The parsed pairs.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="FormatException">A line does not follow the format; the message names the line.</exception>
    public static LfwPairs Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"LFW pairs file not found: {path}", path);
        }

        return Parse(File.ReadLines(path), path);
    }

    /// <summary>Parses the lines of a pairs file.</summary>
    /// <param name="lines">The lines, header first.</param>
    /// <param name="source">A name for error messages.</param>
    /// <returns>The parsed pairs.</returns>
    /// <exception cref="FormatException">A line does not follow the format.</exception>
    public static LfwPairs Parse(IEnumerable<string> lines, string source = "pairs")
    {
        ArgumentNullException.ThrowIfNull(lines);
        using var e = lines.GetEnumerator();
        if (!e.MoveNext())
        {
            throw new FormatException($"{source}: the file is empty; expected a header 'folds<TAB>pairs-per-class'.");
        }

        var header = Split(e.Current);
        if (header.Length != 2 || !TryInt(header[0], out var folds) || !TryInt(header[1], out var perClass) || folds < 2 || perClass < 1)
        {
            throw new FormatException($"{source} line 1: expected 'folds<TAB>pairs-per-class' with folds >= 2, got '{e.Current}'.");
        }

        var pairs = new List<LfwPair>(folds * perClass * 2);
        var lineNo = 1;
        for (var fold = 0; fold < folds; fold++)
        {
            for (var i = 0; i < 2 * perClass; i++)
            {
                lineNo++;
                if (!e.MoveNext())
                {
                    throw new FormatException($"{source}: ended at line {lineNo - 1}; expected {folds} folds of {2 * perClass} pairs.");
                }

                var f = Split(e.Current);
                var sameExpected = i < perClass;
                if (sameExpected && f.Length == 3 && TryInt(f[1], out var a) && TryInt(f[2], out var b))
                {
                    pairs.Add(new LfwPair(fold, ImagePath(f[0], a), ImagePath(f[0], b), true));
                }
                else if (!sameExpected && f.Length == 4 && TryInt(f[1], out var c) && TryInt(f[3], out var d))
                {
                    pairs.Add(new LfwPair(fold, ImagePath(f[0], c), ImagePath(f[2], d), false));
                }
                else
                {
                    throw new FormatException(
                        $"{source} line {lineNo}: expected a {(sameExpected ? "same-person line 'name<TAB>i<TAB>j'" : "different-person line 'name1<TAB>i<TAB>name2<TAB>j'")}, got '{e.Current}'.");
                }
            }
        }

        return new LfwPairs(folds, perClass, pairs);
    }

    /// <summary>The path of image <paramref name="index"/> of <paramref name="name"/>, relative to the images folder.</summary>
    /// <param name="name">The person, as in the pairs file.</param>
    /// <param name="index">The image number, from 1.</param>
    /// <returns><c>name/name_0001.jpg</c>.</returns>
    public static string ImagePath(string name, int index) =>
        Path.Combine(name, string.Create(CultureInfo.InvariantCulture, $"{name}_{index:D4}.jpg"));

    /// <summary>Keeps the first <paramref name="perClassPerFold"/> same and different pairs of every fold (a quick subset with the same protocol).</summary>
    /// <param name="perClassPerFold">Pairs per class and fold, 1 or more.</param>
    /// <returns>A smaller pairs set.</returns>
    public LfwPairs Take(int perClassPerFold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perClassPerFold, 1);
        var n = Math.Min(perClassPerFold, PairsPerClass);
        var kept = new List<LfwPair>(Folds * n * 2);
        for (var fold = 0; fold < Folds; fold++)
        {
            var start = fold * 2 * PairsPerClass;
            for (var i = 0; i < n; i++)
            {
                kept.Add(Pairs[start + i]);
            }

            for (var i = 0; i < n; i++)
            {
                kept.Add(Pairs[start + PairsPerClass + i]);
            }
        }

        return new LfwPairs(Folds, n, kept);
    }

    private static string[] Split(string line) => line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool TryInt(string s, out int value) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
}
