using System.Diagnostics;

namespace Scarlet.Fuzz.Tests;

/// <summary>
/// Replays the fuzzing corpus (fuzz/corpus/TARGET: generated seeds, the inputs afl-fuzz found that add coverage, and
/// regression inputs of fixed findings) through the harness's entry functions: every input must end normally or with
/// the target's expected refusal, within a time bound.
/// </summary>
public sealed class CorpusReplayTests
{
    // Generous for a shared CI core: the slowest input today decodes in well under 300 ms. A hang runs far longer.
    private static readonly TimeSpan PerInput = TimeSpan.FromSeconds(3);

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var target in FuzzTargets.Names)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(CorpusDirectory, target)).Order(StringComparer.Ordinal))
            {
                data.Add(target, Path.GetFileName(file));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Input_is_handled_or_refused_in_time(string target, string file)
    {
        var input = File.ReadAllBytes(Path.Combine(CorpusDirectory, target, file));
        var watch = Stopwatch.StartNew();
        try
        {
            FuzzTargets.Run(target, input);
        }
        catch (Exception ex) when (FuzzTargets.IsExpected(target, ex))
        {
            // The documented refusal of bad input.
        }

        watch.Stop();
        Assert.True(watch.Elapsed < PerInput, $"{target}/{file} took {watch.Elapsed.TotalMilliseconds:F0} ms (bound {PerInput.TotalSeconds} s).");
    }

    [Fact]
    public void Every_target_has_seeds_and_the_corpus_stays_small()
    {
        foreach (var target in FuzzTargets.Names)
        {
            Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(CorpusDirectory, target), "seed-*"));
        }

        // Generated inputs only, kept small (docs/fuzzing.md): a data-set image or a runaway merge would show here.
        var bytes = Directory.EnumerateFiles(CorpusDirectory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.True(bytes < 200 * 1024, $"fuzz/corpus holds {bytes} bytes; keep it under 200 KB.");
    }

    [Fact]
    public void Unexpected_exceptions_are_findings()
    {
        // The classifier is what turns a crash into a finding; a wrong-type exception must never pass as a refusal.
        Assert.False(FuzzTargets.IsExpected("image", new IndexOutOfRangeException()));
        Assert.False(FuzzTargets.IsExpected("mjpeg", new ArgumentOutOfRangeException()));
        Assert.False(FuzzTargets.IsExpected("json", new NullReferenceException()));
        Assert.False(FuzzTargets.IsExpected("json", new FuzzFindingException("bomb")));
        Assert.True(FuzzTargets.IsExpected("json", new System.Text.Json.JsonException()));
        Assert.True(FuzzTargets.IsExpected("base64", new Scarlet.Vision.InvalidImageException("bad")));
    }

    private static string CorpusDirectory { get; } = FindCorpus();

    private static string FindCorpus()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var corpus = Path.Combine(dir.FullName, "fuzz", "corpus");
            if (Directory.Exists(corpus))
            {
                return corpus;
            }
        }

        throw new DirectoryNotFoundException($"fuzz/corpus not found above {AppContext.BaseDirectory}.");
    }
}
