namespace Scarlet.PosPlugin;

/// <summary>A bad command line or bad input: one line on stderr, exit code 2.</summary>
internal sealed class PosUsageException(string message) : Exception(message);

/// <summary>
/// The command line: global options (<c>--db</c>, <c>--org</c>), a verb (one or two words), then the verb's options.
/// An option may take several values (<c>--buy A B C</c>) or be repeated.
/// </summary>
internal sealed class PosArgs
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    private PosArgs(List<string> verb) => Verb = verb;

    public IReadOnlyList<string> Verb { get; }

    public static PosArgs Parse(string[] args)
    {
        var verb = new List<string>();
        var parsed = new PosArgs(verb);
        string? current = null;
        var currentAfterVerb = false;
        foreach (var a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                current = a[2..];
                currentAfterVerb = verb.Count > 0;
                if (!parsed._options.ContainsKey(current))
                {
                    parsed._options[current] = [];
                }
            }
            else if (current is not null && (parsed._options[current].Count == 0 || currentAfterVerb))
            {
                // An option's first value always belongs to it; further values only after the verb (--buy A B C),
                // so global options before the verb take one value and the verb follows.
                parsed._options[current].Add(a);
            }
            else
            {
                verb.Add(a);
            }
        }

        return parsed;
    }

    public string Required(string name) =>
        Optional(name) ?? throw new PosUsageException($"--{name} is required.");

    public string? Optional(string name)
    {
        _used.Add(name);
        if (!_options.TryGetValue(name, out var values))
        {
            return null;
        }

        if (values.Count != 1)
        {
            throw new PosUsageException($"--{name} takes exactly one value.");
        }

        return values[0];
    }

    public IReadOnlyList<string> All(string name)
    {
        _used.Add(name);
        return _options.TryGetValue(name, out var values) ? values : [];
    }

    public void EnsureAllUsed()
    {
        foreach (var name in _options.Keys)
        {
            if (!_used.Contains(name))
            {
                throw new PosUsageException($"Unknown option --{name} for '{string.Join(' ', Verb)}'.");
            }
        }
    }
}
