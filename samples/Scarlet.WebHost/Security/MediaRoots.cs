using Microsoft.Extensions.Options;

namespace Scarlet.WebHost.Security;

/// <summary>
/// Where camera sources added through the API may come from: <c>rtsp(s)://</c> and <c>http(s)://</c> URLs, or files and
/// folders under the media roots (<c>Scarlet:Media:Roots</c>; by default the folders the host already reads media from:
/// <c>SCARLET_MEDIA</c>, <c>media/</c>, <c>../shared/data/</c> and the demo video's folder). Without this, adding a camera
/// would open any file the host can read, or any OpenCV capture string.
/// </summary>
internal sealed class MediaRoots
{
    public MediaRoots(IOptions<ScarletHostOptions> options)
    {
        var o = options.Value;
        IEnumerable<string> roots = o.Media.Roots.Count > 0 ? o.Media.Roots : Defaults(o);
        Roots = [.. roots.Where(r => !string.IsNullOrWhiteSpace(r)).Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).Distinct(StringComparer.Ordinal)];
    }

    public IReadOnlyList<string> Roots { get; }

    /// <summary>Refuses (with <see cref="ApiException"/> 400) a source that is neither an allowed URL nor under a root.</summary>
    public void Validate(string? source)
    {
        if (string.IsNullOrWhiteSpace(source))
        {
            throw ApiException.BadRequest("source is required (rtsp:// or http(s):// URL, or a video file or image folder under Scarlet:Media:Roots)");
        }

        if (source.Contains("://", StringComparison.Ordinal) || source.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(source, UriKind.Absolute, out var url) || url.Scheme is not ("rtsp" or "rtsps" or "http" or "https") || string.IsNullOrEmpty(url.Host))
            {
                throw ApiException.BadRequest("source URL must be rtsp://, rtsps://, http:// or https://");
            }

            return;
        }

        var full = Path.GetFullPath(source);
        if (!Roots.Any(root => full == root || full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
        {
            throw ApiException.BadRequest("source must be a file or folder under the configured media roots (Scarlet:Media:Roots)");
        }

        if (!File.Exists(full) && !Directory.Exists(full))
        {
            throw ApiException.BadRequest("source file or folder does not exist");
        }
    }

    private static IEnumerable<string> Defaults(ScarletHostOptions o)
    {
        if (Environment.GetEnvironmentVariable(Scarlet.Evaluation.DemoVideo.MediaEnvironmentVariable) is { Length: > 0 } env)
        {
            yield return env;
        }

        yield return "media";
        yield return Path.Combine("..", "shared", "data");
        if (!string.IsNullOrWhiteSpace(o.Demo.Video) && Path.GetDirectoryName(Path.GetFullPath(o.Demo.Video)) is { } demo)
        {
            yield return demo;
        }
    }
}
