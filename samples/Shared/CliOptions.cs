using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Scarlet.Samples.CommandLine;

/// <summary>The kinds of option the samples declare, so every verb of every sample follows the same rules.</summary>
internal static class CliOptions
{
    /// <summary>A text option (<c>--out file</c>).</summary>
    public static Option<string> Text(string name, string description, bool required = false) =>
        new("--" + name) { Description = description, Required = required };

    /// <summary>A switch: it takes no value, so <c>--json x.jpg</c> leaves <c>x.jpg</c> to the verb.</summary>
    public static Option<bool> Switch(string name, string description) =>
        new("--" + name) { Description = description, Arity = ArgumentArity.Zero };

    /// <summary>A whole number, read in the invariant culture (as scripts write it, whatever the machine's locale).</summary>
    public static Option<int> Whole(string name, string description) => new("--" + name)
    {
        Description = description,
        CustomParser = r => int.TryParse(r.Tokens[0].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v : Refuse<int>(r, $"--{name} takes a whole number, got '{r.Tokens[0].Value}'"),
    };

    /// <summary>A number, read in the invariant culture.</summary>
    public static Option<double> Number(string name, string description) => new("--" + name)
    {
        Description = description,
        CustomParser = r => double.TryParse(r.Tokens[0].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v : Refuse<double>(r, $"--{name} takes a number, got '{r.Tokens[0].Value}'"),
    };

    /// <summary>A repeatable option (<c>--camera A --camera B</c>); with <paramref name="severalPerWord"/> also <c>--buy A B C</c>.</summary>
    public static Option<string[]> Many(string name, string description, bool severalPerWord = false) =>
        new("--" + name) { Description = description, AllowMultipleArgumentsPerToken = severalPerWord };

    private static T Refuse<T>(ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }
}
