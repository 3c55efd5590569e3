namespace Scarlet.ConsoleHost.Commands;

/// <summary>Placeholder until the bench target lands; exits with a clear message.</summary>
internal static class BenchHnswCommand
{
    public static Task<int> RunAsync(ArgReader args)
    {
        ArgumentNullException.ThrowIfNull(args);
        Console.Error.WriteLine("error: this bench target is not available yet");
        return Task.FromResult(ExitCodes.Failure);
    }
}
