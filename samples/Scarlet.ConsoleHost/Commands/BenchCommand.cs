namespace Scarlet.ConsoleHost.Commands;

/// <summary><c>scarlet bench &lt;what&gt;</c>: the measuring instrument. Each sub-verb lives in its own file.</summary>
internal static class BenchCommand
{
    public static Task<int> RunAsync(ArgReader args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Positional.Count == 0)
        {
            throw new UsageException("bench needs a target: vision, hnsw-gen, hnsw, tracker, cameras, faces, recognition or requests");
        }

        var what = args.Positional[0];
        return what switch
        {
            "vision" => BenchVisionCommand.RunAsync(args),
            "hnsw-gen" => BenchHnswGenCommand.RunAsync(args),
            "hnsw" => BenchHnswCommand.RunAsync(args),
            "tracker" => BenchTrackerCommand.RunAsync(args),
            "cameras" => BenchCamerasCommand.RunAsync(args),
            "faces" => BenchFacesCommand.RunAsync(args),
            "recognition" => BenchRecognitionCommand.RunAsync(args),
            "requests" => BenchRequestsCommand.RunAsync(args),
            _ => throw new UsageException($"unknown bench target '{what}'"),
        };
    }
}
