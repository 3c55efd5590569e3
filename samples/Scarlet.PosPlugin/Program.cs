using Microsoft.Extensions.Options;
using Scarlet.PosPlugin;
using Scarlet.Recognition;
using Scarlet.Retail;
using Scarlet.Vision;
using Scarlet.Vision.Models;

// Exit codes: 0 done, 2 bad command line or input (one line on stderr), 1 anything else (models missing, I/O).
try
{
    return await CliRunner.InvokeAsync(PosCli.Build(Console.Out), args);
}
catch (Exception ex) when (ex is UsageException or InvalidImageException or NoUsableFaceException or DuplicateFaceException
    or DuplicateEntityException or RetailNotFoundException or ArgumentException or OptionsValidationException)
{
    await Console.Error.WriteLineAsync("error: " + OneLine(ex.Message));
    return 2;
}
catch (ModelNotFoundException ex)
{
    await Console.Error.WriteLineAsync("error: " + OneLine(ex.Message) + " (set SCARLET_MODELS or run from the repository root)");
    return 1;
}
catch (Exception ex)
{
    await Console.Error.WriteLineAsync($"error: {ex.GetType().Name}: {OneLine(ex.Message)}");
    return 1;
}

static string OneLine(string s) => s.ReplaceLineEndings(" ");
