using System.CommandLine;
using System.CommandLine.Parsing;

namespace Scarlet.Samples.CommandLine;

/// <summary>
/// Parses and runs a sample's command tree with the samples' one set of rules: a command-line mistake is one
/// <c>error:</c> line on stderr and exit code 2 (scripts read that contract), <c>--help</c> and <c>--version</c> exit 0,
/// no arguments prints the help and exits 2, and the verbs' exceptions reach the host's own handler.
/// </summary>
internal static class CliRunner
{
    /// <summary>The parser settings every sample uses.</summary>
    public static ParserConfiguration Parser { get; } = new()
    {
        // "@file" stays a literal path (a photo named @shop.jpg), not a response file.
        ResponseFileTokenReplacer = null,
    };

    /// <summary>Parses <paramref name="args"/> and runs the chosen verb's action.</summary>
    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0)
        {
            await root.Parse(["--help"], Parser).InvokeAsync().ConfigureAwait(false);
            return 2;
        }

        // "help" and "help <verb>" keep working as they did before System.CommandLine: they mean "[verb] --help".
        if (args[0] == "help")
        {
            args = [.. args[1..], "--help"];
        }

        var parse = root.Parse(args, Parser);
        if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
        {
            await Console.Error.WriteLineAsync("error: " + Describe(parse)).ConfigureAwait(false);
            return 2;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
    }

    /// <summary>One line for the first mistake, naming the verb's help.</summary>
    public static string Describe(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var command = parse.CommandResult.Command;
        var path = new CliArgs(parse).Verb;
        var help = $"run '{parse.RootCommandResult.Command.Name}{(path.Length == 0 ? "" : " " + path)} --help'";
        if (parse.UnmatchedTokens.Count > 0)
        {
            var token = parse.UnmatchedTokens[0];
            var what = token.StartsWith('-') ? $"unknown option {token}"
                : command.Subcommands.Count > 0 ? $"unknown command '{(path.Length == 0 ? token : path + " " + token)}'"
                : $"unexpected argument '{token}'";
            return $"{what}{(path.Length == 0 || token.StartsWith('-') is false ? "" : $" for '{path}'")}; {help}";
        }

        return $"{parse.Errors[0].Message.ReplaceLineEndings(" ")} ({help})";
    }
}
