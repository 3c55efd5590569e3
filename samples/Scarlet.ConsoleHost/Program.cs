using Scarlet.ConsoleHost;

return await Cli.RunAsync(args).ConfigureAwait(false);
