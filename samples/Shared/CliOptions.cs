using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Scarlet.Samples.CommandLine;

/// <summary>The kinds of option the samples declare, so every verb of every sample follows the same rules.</summary>
internal static class CliOptions
{
    private delegate bool TryParse<T>(string text, out T value);

    /// <summary>A text option (<c>--out file</c>).</summary>
    public static Option<string> Text(string name, string description, bool required = false) =>
        new("--" + name) { Description = description, Required = required };

    /// <summary>A switch: it takes no value, so <c>--json x.jpg</c> leaves <c>x.jpg</c> to the verb.</summary>
    public static Option<bool> Switch(string name, string description) =>
        new("--" + name) { Description = description, Arity = ArgumentArity.Zero };

    /// <summary>A whole number, read in the invariant culture (as scripts write it, whatever the machine's locale).</summary>
    /// <param name="name">The name without dashes.</param>
    /// <param name="description">The help text.</param>
    /// <param name="default">The value when not given, shown by <c>--help</c> as <c>[default: N]</c>; the verb must read the same
    /// (<see cref="CliArgs.Int"/> refuses another).</param>
    public static Option<int> Whole(string name, string description, int? @default = null) =>
        Parsed(name, description, @default, "a whole number", static (string text, out int v) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out v));

    /// <summary>A number, read in the invariant culture.</summary>
    /// <param name="name">The name without dashes.</param>
    /// <param name="description">The help text.</param>
    /// <param name="default">The value when not given, shown by <c>--help</c>; the verb must read the same
    /// (<see cref="CliArgs.Double"/> refuses another).</param>
    public static Option<double> Number(string name, string description, double? @default = null) =>
        Parsed(name, description, @default, "a number", static (string text, out double v) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out v));

    /// <summary>A repeatable option (<c>--camera A --camera B</c>); with <paramref name="severalPerWord"/> also <c>--buy A B C</c>.</summary>
    public static Option<string[]> Many(string name, string description, bool severalPerWord = false) =>
        new("--" + name) { Description = description, AllowMultipleArgumentsPerToken = severalPerWord };

    private static Option<T> Parsed<T>(string name, string description, T? @default, string what, TryParse<T> parse)
        where T : struct
    {
        var option = new Option<T>("--" + name)
        {
            Description = description,
            CustomParser = r => r.Tokens.Count == 0 && @default is { } d
                ? d
                : parse(r.Tokens[0].Value, out var v) ? v : Refuse<T>(r, $"--{name} takes {what}, got '{r.Tokens[0].Value}'"),
        };
        if (@default is { } value)
        {
            option.DefaultValueFactory = _ => value;
        }

        return option;
    }

    private static T Refuse<T>(ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }
}
