namespace Scarlet.ConsoleHost.Commands;

/// <summary><c>scarlet eval &lt;what&gt;</c>: evaluations of the product's decisions on labelled data.</summary>
internal static class EvalCommand
{
    public static Task<int> RunAsync(ArgReader args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Positional.Count == 0)
        {
            throw new UsageException("eval needs a target: identify, attributes");
        }

        return args.Positional[0] switch
        {
            "identify" => EvalIdentifyCommand.RunAsync(args),
            "attributes" => EvalAttributesCommand.RunAsync(args),
            var what => throw new UsageException($"unknown eval target '{what}'"),
        };
    }
}
