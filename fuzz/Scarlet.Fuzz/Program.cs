using System.Diagnostics;
using Scarlet.Fuzz;
using SharpFuzz;

// scripts/fuzz.sh runs "fuzz TARGET" under afl-fuzz on an instrumented copy; "replay" and "seeds" run without afl.
if (args.Length < 2 || args[0] is not ("fuzz" or "replay" or "seeds"))
{
    Console.Error.WriteLine($"usage: Scarlet.Fuzz fuzz <target> | replay <target> <file|dir>... | seeds <corpus-dir>; targets: {string.Join(", ", FuzzTargets.Names)}");
    return 2;
}

if (args[0] == "seeds")
{
    Seeds.Write(args[1]);
    return 0;
}

var target = args[1];
if (!FuzzTargets.Names.Contains(target))
{
    Console.Error.WriteLine($"error: unknown target '{target}'; expected one of {string.Join(", ", FuzzTargets.Names)}");
    return 2;
}

if (args[0] == "fuzz")
{
    // Out of process: a native crash in a decoder or a stack overflow kills a child SharpFuzz restarts, and afl-fuzz
    // records the input, instead of taking the fork server down. Unexpected exceptions escape RunOne as crashes.
    Fuzzer.OutOfProcess.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        FuzzTargets.RunOne(target, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    });
    return 0;
}

// Replay runs on the instrumented copy too (scripts/fuzz.sh replays what afl found): give its coverage counters a
// scratch map, as afl's shared memory is absent here.
unsafe
{
    SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 16);
}

// Replay: one line per input with its outcome and time; exit 1 when any input is a finding.
var files = args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]).Order(StringComparer.Ordinal);
var findings = 0;
foreach (var file in files)
{
    var input = File.ReadAllBytes(file);
    var watch = Stopwatch.StartNew();
    string outcome;
    try
    {
        FuzzTargets.Run(target, input);
        outcome = "ok";
    }
    catch (Exception ex) when (FuzzTargets.IsExpected(target, ex))
    {
        outcome = $"refused ({ex.GetType().Name}: {ex.Message})";
    }
    catch (Exception ex)
    {
        findings++;
        outcome = $"FINDING {ex}";
    }

    Console.WriteLine($"{watch.Elapsed.TotalMilliseconds,8:F1} ms  {file}: {outcome}");
}

return findings == 0 ? 0 : 1;
