namespace Scarlet.ConsoleHost.Commands;

/// <summary>Placeholder until the verb lands; exits with a clear message.</summary>
internal static class DetectCommand
{
    public static Task<int> RunAsync(ArgReader args)
    {
        ArgumentNullException.ThrowIfNull(args);
        Console.Error.WriteLine("error: this verb is not available yet");
        return Task.FromResult(ExitCodes.Failure);
    }
}
