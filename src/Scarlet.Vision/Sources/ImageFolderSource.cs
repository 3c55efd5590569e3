using System.Buffers;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Scarlet.Vision;

/// <summary>
/// Frames from the images in a folder (JPEG, PNG, BMP, WebP; not recursive), in ordinal file-name order, optionally
/// looped and paced at <see cref="FrameSourceOptions.FolderFrameRate"/>. Files that are not valid images are logged and
/// skipped (the last one shows as <see cref="LastError"/>). Status goes Connecting, Live, then Stopped at the end, or
/// Failed when the folder is missing.
/// </summary>
public sealed class ImageFolderSource : IFrameSource
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp"];
    private readonly FrameSourceCore _core;
    private readonly ImageDecoder _decoder;
    private readonly ILogger _logger;
    private long _sequence;

    /// <summary>Creates a source; the folder is listed when reading starts (and again on each loop).</summary>
    /// <param name="cameraId">The camera id stamped on every frame.</param>
    /// <param name="folder">The folder of images.</param>
    /// <param name="options">Looping, pacing and image limits; <see langword="null"/> for defaults.</param>
    /// <param name="timeProvider">The clock for timestamps and pacing; <see langword="null"/> for the system clock.</param>
    /// <param name="logger">The logger; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">An argument is empty or the options are invalid.</exception>
    public ImageFolderSource(string cameraId, string folder, FrameSourceOptions? options = null, TimeProvider? timeProvider = null, ILogger<ImageFolderSource>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cameraId);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        options ??= new FrameSourceOptions();
        options.Validate();
        CameraId = cameraId;
        Folder = folder;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        var time = timeProvider ?? TimeProvider.System;
        _decoder = new ImageDecoder(options.Decoder, time);
        _core = new FrameSourceCore(this, options, time, _logger);
    }

    /// <inheritdoc />
    public event EventHandler<FrameSourceStatus>? StatusChanged
    {
        add => _core.StatusChanged += value;
        remove => _core.StatusChanged -= value;
    }

    /// <inheritdoc />
    public string CameraId { get; }

    /// <summary>Gets the folder path.</summary>
    public string Folder { get; }

    /// <inheritdoc />
    public FrameSourceStatus Status => _core.Status;

    /// <inheritdoc />
    public FrameSourceError? LastError => _core.LastError;

    /// <summary>Lists the image files of a folder in the order this source reads them.</summary>
    /// <param name="folder">The folder.</param>
    /// <returns>Full paths, sorted by ordinal file name.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static IReadOnlyList<string> ListImages(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Image folder not found: {folder}");
        }

        var files = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            var extension = System.IO.Path.GetExtension(file);
            foreach (var allowed in Extensions)
            {
                if (extension.Equals(allowed, StringComparison.OrdinalIgnoreCase))
                {
                    files.Add(file);
                    break;
                }
            }
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <inheritdoc />
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="OperationCanceledException">Reading was cancelled.</exception>
    public IAsyncEnumerable<Frame> ReadFramesAsync(CancellationToken cancellationToken = default) =>
        _core.RunOnceAsync(ReadFolderAsync, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _core.DisposeAsync();

    private async IAsyncEnumerable<Frame> ReadFolderAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var time = _core.TimeProvider;
        var options = _core.Options;
        var startTicks = time.GetTimestamp();
        long index = 0;
        while (true)
        {
            var files = ListImages(Folder);
            if (files.Count == 0)
            {
                SourceLog.EmptyFolder(_logger, CameraId, Folder);
                yield break;
            }

            var delivered = 0;
            foreach (var file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (options.RealTimePacing)
                {
                    var due = TimeSpan.FromSeconds(index / options.FolderFrameRate) - time.GetElapsedTime(startTicks);
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, time, cancellationToken).ConfigureAwait(false);
                    }
                }

                var frame = await ReadImageAsync(file, cancellationToken).ConfigureAwait(false);
                if (frame is null)
                {
                    continue;
                }

                index++;
                delivered++;
                SourceMetrics.FramesRead.Add(1, SourceMetrics.Camera(CameraId));
                yield return frame;
            }

            // Stop a loop over a folder whose every file is bad instead of spinning on it.
            if (!options.Loop || delivered == 0)
            {
                yield break;
            }
        }
    }

    private async Task<Frame?> ReadImageAsync(string file, CancellationToken cancellationToken)
    {
        byte[]? buffer = null;
        try
        {
            var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, useAsync: true);
            int length;
            await using (stream.ConfigureAwait(false))
            {
                if (stream.Length > _decoder.Options.MaxEncodedBytes)
                {
                    throw new InvalidImageException($"The image is too large: {stream.Length} bytes; the limit is {_decoder.Options.MaxEncodedBytes}.");
                }

                length = (int)stream.Length;
                buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
                await stream.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            }

            var frame = _decoder.Decode(buffer.AsSpan(0, length), CameraId, _core.TimeProvider.GetUtcNow(), _sequence);
            _sequence++;
            return frame;
        }
        catch (Exception ex) when (ex is InvalidImageException or IOException or UnauthorizedAccessException)
        {
            var detail = $"{System.IO.Path.GetFileName(file)}: {ex.Message}";
            SourceLog.SkippedImage(_logger, CameraId, detail);
            _core.ReportSkipped(detail);
            SourceMetrics.FramesSkipped.Add(1, SourceMetrics.Camera(CameraId));
            return null;
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
