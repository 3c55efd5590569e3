using Microsoft.Extensions.Logging;

namespace Scarlet.Vision;

/// <summary>Creates the right <see cref="IFrameSource"/> for a camera URL or a local path.</summary>
public static class FrameSourceFactory
{
    /// <summary>
    /// Checks a camera source without opening it: a URL must use a scheme <see cref="Create"/> opens (rtsp, rtsps, rtmp,
    /// rtmps, http, https); anything else must name an existing file or folder.
    /// </summary>
    /// <param name="uriOrPath">A camera URL, a video file or an image folder.</param>
    /// <exception cref="ArgumentException">The source is empty, its scheme is not supported, or no such file or folder exists.</exception>
    public static void Validate(string? uriOrPath)
    {
        if (string.IsNullOrWhiteSpace(uriOrPath))
        {
            throw new ArgumentException("source is required (rtsp:// or http(s):// URL, video file or image folder)", nameof(uriOrPath));
        }

        var location = uriOrPath.Trim();
        if (Uri.TryCreate(location, UriKind.Absolute, out var uri) && !uri.IsFile)
        {
            if (!IsSupportedScheme(uri.Scheme))
            {
                throw new ArgumentException($"Unsupported camera URL scheme '{uri.Scheme}'", nameof(uriOrPath));
            }

            return;
        }

        var path = uri is { IsFile: true } ? uri.LocalPath : location;
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new ArgumentException("source file or folder does not exist", nameof(uriOrPath));
        }
    }

    /// <summary>Hides the credentials (<c>user:pass@</c>) of a camera URL, for anything shown to a user; paths are returned as they are.</summary>
    /// <param name="uriOrPath">A camera URL, a video file or an image folder.</param>
    /// <returns>The source with <c>***</c> in place of its credentials.</returns>
    public static string Redact(string uriOrPath)
    {
        ArgumentNullException.ThrowIfNull(uriOrPath);
        return Uri.TryCreate(uriOrPath, UriKind.Absolute, out var u) && !u.IsFile && !string.IsNullOrEmpty(u.UserInfo)
            ? uriOrPath.Replace(u.UserInfo + "@", "***@", StringComparison.Ordinal)
            : uriOrPath;
    }

    private static bool IsSupportedScheme(string scheme) =>
        scheme.ToUpperInvariant() is "RTSP" or "RTSPS" or "RTMP" or "RTMPS" or "HTTP" or "HTTPS";

    /// <summary>
    /// Creates a source by scheme: <c>rtsp://</c>, <c>rtsps://</c>, <c>rtmp://</c> give an <see cref="RtspSource"/>;
    /// <c>http://</c>, <c>https://</c> an <see cref="MjpegHttpSource"/>; an existing folder an
    /// <see cref="ImageFolderSource"/>; a file (or <c>file://</c> URL) a <see cref="VideoFileSource"/>.
    /// </summary>
    /// <param name="cameraId">The camera id stamped on every frame.</param>
    /// <param name="uriOrPath">A camera URL, a video file or an image folder.</param>
    /// <param name="options">Options for the source; <see langword="null"/> for defaults.</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> for the system clock.</param>
    /// <param name="loggerFactory">Creates the source's logger; <see langword="null"/> for none.</param>
    /// <returns>A source the caller disposes.</returns>
    /// <exception cref="ArgumentException">The id or location is empty, or the options are invalid.</exception>
    /// <exception cref="FileNotFoundException">A local path names neither a file nor a folder.</exception>
    public static IFrameSource Create(string cameraId, string uriOrPath, FrameSourceOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cameraId);
        ArgumentException.ThrowIfNullOrWhiteSpace(uriOrPath);
        var location = uriOrPath.Trim();
        if (Uri.TryCreate(location, UriKind.Absolute, out var uri) && !uri.IsFile)
        {
            if (!IsSupportedScheme(uri.Scheme))
            {
                throw new ArgumentException($"Unsupported camera URL scheme '{uri.Scheme}' in '{RtspSource.Redact(location)}'; use rtsp, http(s), a video file or an image folder.", nameof(uriOrPath));
            }

            return uri.Scheme.StartsWith("http", StringComparison.OrdinalIgnoreCase)
                ? new MjpegHttpSource(cameraId, uri, options, httpClient: null, timeProvider, loggerFactory?.CreateLogger<MjpegHttpSource>())
                : new RtspSource(cameraId, location, options, timeProvider, loggerFactory?.CreateLogger<RtspSource>());
        }

        var path = uri is { IsFile: true } ? uri.LocalPath : location;
        if (Directory.Exists(path))
        {
            return new ImageFolderSource(cameraId, path, options, timeProvider, loggerFactory?.CreateLogger<ImageFolderSource>());
        }

        if (File.Exists(path))
        {
            return new VideoFileSource(cameraId, path, options, timeProvider, loggerFactory?.CreateLogger<VideoFileSource>());
        }

        throw new FileNotFoundException($"Camera source not found: '{path}' is neither a URL, a file nor a folder.", path);
    }
}
