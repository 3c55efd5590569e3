using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Scarlet.Vision.Models;

/// <summary>Where <see cref="ModelLocator"/> looks for model files.</summary>
public sealed class ModelLocatorOptions
{
    /// <summary>Gets or sets an explicit folder searched first. The default value is <see langword="null"/>.</summary>
    public string? ModelsDirectory { get; set; }

    /// <summary>Gets explicit file paths by model id; a path here wins over every folder.</summary>
    public IDictionary<string, string> ModelPaths { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets or sets whether a model found nowhere may be downloaded from its pinned upstream URL (sha256-checked) into
    /// <see cref="CacheDirectory"/>. The default value is <see langword="true"/>.
    /// </summary>
    public bool AllowDownload { get; set; } = true;

    /// <summary>Gets or sets the download cache. The default value is <c>$XDG_CACHE_HOME/scarlet/models</c> (or <c>~/.cache/scarlet/models</c>).</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>Gets or sets the download timeout. The default value is 2 minutes.</summary>
    public TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// Resolves model files: an explicit path, then <see cref="ModelLocatorOptions.ModelsDirectory"/>, then <c>SCARLET_MODELS</c>,
/// then <c>models/</c> and <c>../shared/models/</c> under the working directory, then the download cache, then (if allowed)
/// a sha256-checked download of the pinned upstream URL.
/// </summary>
public sealed class ModelLocator
{
    /// <summary>The environment variable naming a models folder.</summary>
    public const string EnvironmentVariable = "SCARLET_MODELS";

    private readonly ModelLocatorOptions _options;
    private readonly HttpMessageHandler? _handler;
    private readonly ILogger _logger;
    private readonly Lock _downloadLock = new();

    /// <summary>Creates a locator.</summary>
    /// <param name="options">Where to search; defaults if <see langword="null"/>.</param>
    /// <param name="logger">Logs where each model was found.</param>
    /// <param name="downloadHandler">The HTTP handler used for downloads (tests pass their own); <see langword="null"/> uses the default.</param>
    public ModelLocator(ModelLocatorOptions? options = null, ILogger<ModelLocator>? logger = null, HttpMessageHandler? downloadHandler = null)
    {
        _options = options ?? new ModelLocatorOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _handler = downloadHandler;
    }

    /// <summary>Gets the cache folder downloads go to.</summary>
    public string CacheDirectory => _options.CacheDirectory ?? DefaultCacheDirectory();

    /// <summary>The folders searched, in order, for a model file (the download cache last).</summary>
    public IReadOnlyList<string> SearchDirectories()
    {
        var dirs = new List<string>();
        if (!string.IsNullOrWhiteSpace(_options.ModelsDirectory))
        {
            dirs.Add(Path.GetFullPath(_options.ModelsDirectory));
        }

        var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            dirs.Add(Path.GetFullPath(env));
        }

        dirs.Add(Path.GetFullPath("models"));
        dirs.Add(Path.GetFullPath(Path.Combine("..", "shared", "models")));
        dirs.Add(CacheDirectory);
        return dirs;
    }

    /// <summary>Resolves the file of a known model.</summary>
    /// <param name="spec">The model.</param>
    /// <returns>The full path of an existing file.</returns>
    /// <exception cref="ModelNotFoundException">Found nowhere; the message lists every place searched.</exception>
    public string Resolve(ModelSpec spec) => Resolve(spec, SearchDirectories());

    /// <summary>
    /// Resolves the file of <paramref name="spec"/> (a model or a media file such as a sample video) in the given folders:
    /// an explicit <see cref="ModelLocatorOptions.ModelPaths"/> entry first, then each folder in order, then (if allowed)
    /// a sha256-checked download into <see cref="CacheDirectory"/>.
    /// </summary>
    /// <param name="spec">The file.</param>
    /// <param name="directories">The folders searched, in order.</param>
    /// <returns>The full path of an existing file.</returns>
    /// <exception cref="ModelNotFoundException">Found nowhere; the message lists every place searched.</exception>
    public string Resolve(ModelSpec spec, IReadOnlyList<string> directories)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(directories);
        var tried = new List<string>();
        if (_options.ModelPaths.TryGetValue(spec.Id, out var explicitPath))
        {
            var full = Path.GetFullPath(explicitPath);
            if (File.Exists(full))
            {
                return Found(spec, full, "explicit path");
            }

            throw new ModelNotFoundException($"Model '{spec.Id}': the configured path {full} does not exist.");
        }

        foreach (var dir in directories)
        {
            var candidate = Path.Combine(dir, spec.FileName);
            tried.Add(candidate);
            if (File.Exists(candidate))
            {
                return Found(spec, candidate, dir == CacheDirectory ? "download cache" : "search path");
            }
        }

        if (spec.FetchedBy is { } script)
        {
            throw new ModelNotFoundException(
                $"'{spec.Id}' ({spec.FileName}) not found. Searched: {string.Join(", ", tried)}. It is converted, not downloaded: run {script} (scripts/setup.sh does).");
        }

        Exception? downloadError = null;
        if (_options.AllowDownload)
        {
            try
            {
                return Download(spec);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or InvalidDataException or UnauthorizedAccessException)
            {
                downloadError = ex;
            }
        }

        var message = $"'{spec.Id}' ({spec.FileName}) not found. Searched: {string.Join(", ", tried)}." +
            (downloadError is null
                ? " Downloads are disabled; set ModelsDirectory, SCARLET_MODELS, or put the file in one of those folders."
                : $" Download from {spec.Url} failed: {downloadError.Message}");
        throw downloadError is null ? new ModelNotFoundException(message) : new ModelNotFoundException(message, downloadError);
    }

    /// <summary>Resolves a model by catalog id, or treats <paramref name="idOrPath"/> as a file path if it names an existing file.</summary>
    public string Resolve(string idOrPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idOrPath);
        return File.Exists(idOrPath) ? Path.GetFullPath(idOrPath) : Resolve(ModelCatalog.Get(idOrPath));
    }

    /// <summary>Computes the lower-case hex sha256 of a file.</summary>
    public static string ComputeSha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private string Found(ModelSpec spec, string path, string how)
    {
        LogFound(_logger, spec.Id, path, how, null);
        return path;
    }

    private string Download(ModelSpec spec)
    {
        lock (_downloadLock)
        {
            var dir = CacheDirectory;
            Directory.CreateDirectory(dir);
            var target = Path.Combine(dir, spec.FileName);
            if (File.Exists(target))
            {
                return target;
            }

            LogDownloading(_logger, spec.Id, spec.Url, null);
            using var client = _handler is null ? new HttpClient() : new HttpClient(_handler, disposeHandler: false);
            client.Timeout = _options.DownloadTimeout;
            var bytes = client.GetByteArrayAsync(spec.Url).GetAwaiter().GetResult();
            var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (!string.Equals(actual, spec.Sha256, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"sha256 mismatch for {spec.Url}: expected {spec.Sha256}, got {actual}; the file was not kept.");
            }

            // Write to a temporary name then move, so a crash never leaves a partial model under the real name.
            var temp = target + ".part";
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, target, overwrite: true);
            return target;
        }
    }

    private static string DefaultCacheDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrWhiteSpace(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "scarlet", "models");
    }

    private static readonly Action<ILogger, string, string, string, Exception?> LogFound =
        LoggerMessage.Define<string, string, string>(LogLevel.Debug, new EventId(1, "ModelFound"), "Model {ModelId} at {Path} ({How})");

    private static readonly Action<ILogger, string, Uri, Exception?> LogDownloading =
        LoggerMessage.Define<string, Uri>(LogLevel.Information, new EventId(2, "ModelDownload"), "Downloading model {ModelId} from {Url}");
}
