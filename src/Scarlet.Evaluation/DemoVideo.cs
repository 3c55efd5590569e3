using Scarlet.Vision.Models;

namespace Scarlet.Evaluation;

/// <summary>
/// The demo video: OpenCV's <c>vtest.avi</c> = PETS 2009 S2.L1 View 001 (768x576, 795 frames, 10 fps), the demo camera
/// of the hosts and the video the tracking and recognition benchmarks run on. Research and workshop use (PETS 2009
/// terms); never packed.
/// </summary>
public static class DemoVideo
{
    /// <summary>The environment variable naming a folder holding demo media (the sample video).</summary>
    public const string MediaEnvironmentVariable = "SCARLET_MEDIA";

    /// <summary>Gets the video's file, checksum and pinned upstream URL.</summary>
    public static ModelSpec Spec { get; } = new(
        "demo-video",
        "vtest.avi",
        "45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf",
        8_131_690,
        new Uri("https://raw.githubusercontent.com/opencv/opencv/4.6.0/samples/data/vtest.avi"),
        "PETS 2009 (University of Reading): academic and industrial research use",
        ModelTask.Media,
        "PETS09-S2L1 pedestrian video, the demo camera");

    /// <summary>
    /// Resolves the demo video: an explicit path, then <c>SCARLET_MEDIA</c>, <c>media/</c>, <c>../shared/data/video/</c>,
    /// the locator's download cache, then (if the locator allows it) a sha256-checked download.
    /// </summary>
    /// <param name="locator">The model locator whose cache and download rules apply.</param>
    /// <param name="explicitPath">A path given by the user; must exist when given.</param>
    /// <returns>The full path of an existing file.</returns>
    /// <exception cref="ModelNotFoundException">Found nowhere, or <paramref name="explicitPath"/> does not exist.</exception>
    public static string Resolve(ModelLocator locator, string? explicitPath = null)
    {
        ArgumentNullException.ThrowIfNull(locator);
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return File.Exists(explicitPath)
                ? Path.GetFullPath(explicitPath)
                : throw new ModelNotFoundException($"The demo video {Path.GetFullPath(explicitPath)} does not exist.");
        }

        var dirs = new List<string>();
        var env = Environment.GetEnvironmentVariable(MediaEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            dirs.Add(Path.GetFullPath(env));
        }

        dirs.Add(Path.GetFullPath("media"));
        dirs.Add(Path.GetFullPath(Path.Combine("..", "shared", "data", "video")));
        dirs.Add(locator.CacheDirectory);
        return locator.Resolve(Spec, dirs);
    }
}
