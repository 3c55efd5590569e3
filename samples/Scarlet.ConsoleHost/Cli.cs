using Scarlet.ConsoleHost.Commands;

namespace Scarlet.ConsoleHost;

/// <summary>The verb table of the <c>scarlet</c> command. Verbs and their output lines are contracts: keep them stable.</summary>
internal static class Cli
{
    private const string Usage = """
        usage: scarlet <verb> [options]
          detect <image|video|demo> [--json] [--max-frames N] [--overlay out.jpg|out.mp4]
          lfw --pairs <pairs.txt> --images <dir> [--model ID]
          eval identify --images <dir> [--images <dir> ...] [--enrol K] [--gallery 100,300,1000] [--out report.json]
          face-gate candidates --data <dir> --out <file> [--labels <file>] [--sheets <dir>] | evaluate --data <dir> --labels <file> [--min-precision P]
          track --det <det.txt> (--seqinfo <seqinfo.ini> | --size WxH --fps F) --out <result.txt>
          track --video <file> --out <result.txt> [--overlay out.mp4] [--reid] [--views LEFT_W,RIGHT_X] [--gt gt.txt] [--cache rec.bin]
          track-cv --gt <train folder> --trackers <trackers folder> --grid <grid.txt> [--sources A,B] [--select mean|hota|idf1]
          mot-eval --gt <gt.txt|folder> --res <result.txt|folder> [--benchmark MOT15|MOT17|MOT20]
          run --camera NAME=URL_OR_FILE [--camera ...] [--fps F] [--zones [CAMERA=]zones.json]
          bench vision | hnsw-gen ... | hnsw ... | tracker ... | cameras ...
          bench requests [--seconds 10] [--clients 1,4] [--endpoints recognize,process-frame] [--host Scarlet.WebHost.dll] [--host-env KEY=VALUE]
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? ExitCodes.BadInput : ExitCodes.Ok;
        }

        var rest = args.AsSpan(1).ToArray();
        try
        {
            return args[0] switch
            {
                "detect" => await DetectCommand.RunAsync(new ArgReader(rest)).ConfigureAwait(false),
                "lfw" => await LfwCommand.RunAsync(new ArgReader(rest)).ConfigureAwait(false),
                "eval" => await EvalCommand.RunAsync(new ArgReader(rest)).ConfigureAwait(false),
                "face-gate" => await FaceGateCommand.RunAsync(new ArgReader(rest)).ConfigureAwait(false),
                "track" => await TrackCommand.RunAsync(new ArgReader(rest)).ConfigureAwait(false),
                "track-cv" => await TrackCvCommand.RunAsync(new ArgReader(rest)).ConfigureAwait(false),
                "mot-eval" => await MotEvalCommand.RunAsync(new ArgReader(rest)).ConfigureAwait(false),
                "run" => await RunCommand.RunAsync(new ArgReader(rest)).ConfigureAwait(false),
                "bench" => await BenchCommand.RunAsync(new ArgReader(rest)).ConfigureAwait(false),
                _ => throw new UsageException($"unknown verb '{args[0]}'; run 'scarlet --help'"),
            };
        }
        catch (UsageException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.BadInput;
        }
        catch (Exception ex) when (ex is Vision.InvalidImageException or FileNotFoundException or DirectoryNotFoundException or FormatException or InvalidDataException or ArgumentException)
        {
            Console.Error.WriteLine($"error: {ex.Message.ReplaceLineEndings(" ")}");
            return ExitCodes.BadInput;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Anything else (a provider that cannot start, a broken model) is a failure, still reported on one line.
            Console.Error.WriteLine($"error: {ex.Message.ReplaceLineEndings(" ")}");
            return ExitCodes.Failure;
        }
    }
}

/// <summary>Process exit codes.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int BadInput = 2;
}

/// <summary>Bad command-line input: printed as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
