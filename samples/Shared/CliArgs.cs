using System.CommandLine;
using System.CommandLine.Parsing;

namespace Scarlet.Samples.CommandLine;

/// <summary>Bad command-line input or bad input named on it: printed as one <c>error:</c> line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The values a verb was given, read by option name from System.CommandLine's parse result. The options themselves
/// (their types, arity and help) are declared once per verb in the host's command tree; this view only reads them, so
/// the verbs' work code keeps asking for <c>Int("runs", 50)</c> and the parser has already refused what is not an int.
/// </summary>
internal sealed class CliArgs
{
    private readonly ParseResult _parse;
    private readonly Dictionary<string, Option> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>Reads the options of the command that was chosen, and the recursive options of its parents.</summary>
    public CliArgs(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        _parse = parse;
        for (var c = parse.CommandResult; c is not null; c = c.Parent as CommandResult)
        {
            foreach (var o in c.Command.Options)
            {
                if (c == parse.CommandResult || o.Recursive)
                {
                    _options.TryAdd(o.Name, o);
                }
            }
        }

        Positional = [.. parse.CommandResult.Command.Arguments
            .Select(a => parse.GetResult(a))
            .Where(r => r is not null)
            .SelectMany(r => r!.Tokens.Select(t => t.Value))];
    }

    /// <summary>The words of the chosen command (<c>bench vision</c>, <c>product add</c>), without the program name.</summary>
    public string Verb
    {
        get
        {
            var words = new List<string>();
            for (var c = _parse.CommandResult; c.Parent is CommandResult; c = (CommandResult)c.Parent)
            {
                words.Insert(0, c.Command.Name);
            }

            return string.Join(' ', words);
        }
    }

    /// <summary>The values of the chosen command's arguments, in order.</summary>
    public IReadOnlyList<string> Positional { get; }

    /// <summary>Whether the option was given on the command line (not a default).</summary>
    public bool Has(string name)
    {
        _read.Add(name);
        return _parse.GetResult(Find(name)) is { Implicit: false };
    }

    /// <summary>A switch (<c>--json</c>): true when given. Switches take no value, so they never swallow the next word.</summary>
    public bool Flag(string name) => Has(name) && Value<bool>(name);

    /// <summary>A text option's last value, or null when it was not given.</summary>
    public string? Optional(string name) => Has(name) ? Value<string>(name) : null;

    /// <summary>A text option that must be given.</summary>
    public string Required(string name) => Optional(name) ?? throw new UsageException($"--{name} is required");

    /// <summary>A whole-number option, or <paramref name="defaultValue"/> when it was not given.</summary>
    /// <exception cref="InvalidOperationException">The option declares another default (its help would lie).</exception>
    public int Int(string name, int defaultValue) => Has(name) ? Value<int>(name) : SameDefault(name, defaultValue);

    /// <summary>A number option, or <paramref name="defaultValue"/> when it was not given.</summary>
    /// <exception cref="InvalidOperationException">The option declares another default (its help would lie).</exception>
    public double Double(string name, double defaultValue) => Has(name) ? Value<double>(name) : SameDefault(name, defaultValue);

    /// <summary>Every value of a repeatable option (<c>--camera A --camera B</c>), in order.</summary>
    public IReadOnlyList<string> All(string name) => Has(name) ? Value<string[]>(name) ?? [] : [];

    /// <summary>
    /// Fails on an option that was given but that this path of the verb did not read (<c>track --det ... --reid</c>:
    /// <c>--reid</c> belongs to <c>track --video</c>), so a misplaced option is refused rather than silently ignored.
    /// </summary>
    public void EnsureAllUsed()
    {
        foreach (var (name, option) in _options)
        {
            if (!_read.Contains(name[2..]) && _parse.GetResult(option) is { Implicit: false })
            {
                throw new UsageException($"{name} does not apply to '{Verb}' with these options");
            }
        }
    }

    // The default shown by --help is declared on the option, the one used is passed by the verb: they must agree.
    private T SameDefault<T>(string name, T used)
    {
        var option = Find(name);
        if (option.HasDefaultValue && !EqualityComparer<T>.Default.Equals((T?)option.GetDefaultValue(), used))
        {
            throw new InvalidOperationException($"--{name} on '{Verb}' declares the default {option.GetDefaultValue()} but the verb uses {used}");
        }

        return used;
    }

    private T? Value<T>(string name) => Find(name) is Option<T> typed
        ? _parse.GetValue(typed)
        : throw new InvalidOperationException($"--{name} is not declared as {typeof(T).Name} on '{Verb}'");

    private Option Find(string name) => _options.TryGetValue("--" + name, out var o)
        ? o
        : throw new InvalidOperationException($"--{name} is not declared on '{Verb}': add it to the verb's options");
}
