using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;

namespace Scarlet.Vision;

/// <summary>
/// Frames from a video file (any container and codec OpenCV reads), optionally looped (a demo camera) and paced at the
/// file's frame rate. Status goes Connecting, Live, then Stopped at the end of the file, or Failed (with
/// <see cref="LastError"/>: not found, not a video) when the file cannot be read.
/// </summary>
public sealed class VideoFileSource : IFrameSource
{
    private const double FallbackFps = 25;
    private readonly FrameSourceCore _core;
    private long _sequence;

    /// <summary>Creates a source; the file is opened when reading starts.</summary>
    /// <param name="cameraId">The camera id stamped on every frame.</param>
    /// <param name="path">The video file.</param>
    /// <param name="options">Looping and pacing; <see langword="null"/> for defaults.</param>
    /// <param name="timeProvider">The clock for timestamps and pacing; <see langword="null"/> for the system clock.</param>
    /// <param name="logger">The logger; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">An argument is empty or the options are invalid.</exception>
    public VideoFileSource(string cameraId, string path, FrameSourceOptions? options = null, TimeProvider? timeProvider = null, ILogger<VideoFileSource>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cameraId);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new FrameSourceOptions();
        options.Validate();
        CameraId = cameraId;
        Path = path;
        _core = new FrameSourceCore(this, options, timeProvider ?? TimeProvider.System, logger ?? (ILogger)NullLogger.Instance);
    }

    /// <inheritdoc />
    public event EventHandler<FrameSourceStatus>? StatusChanged
    {
        add => _core.StatusChanged += value;
        remove => _core.StatusChanged -= value;
    }

    /// <inheritdoc />
    public string CameraId { get; }

    /// <summary>Gets the video file path.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public FrameSourceStatus Status => _core.Status;

    /// <inheritdoc />
    public FrameSourceError? LastError => _core.LastError;

    /// <inheritdoc />
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a video OpenCV can read, or holds no frame it decodes.</exception>
    /// <exception cref="OperationCanceledException">Reading was cancelled.</exception>
    public IAsyncEnumerable<Frame> ReadFramesAsync(CancellationToken cancellationToken = default) =>
        _core.RunOnceAsync(ReadFileAsync, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _core.DisposeAsync();

    private async IAsyncEnumerable<Frame> ReadFileAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            throw new FileNotFoundException($"Video file not found: {Path}", Path);
        }

        var time = _core.TimeProvider;
        using var capture = await Task.Run(() => new VideoCapture(Path), cancellationToken).ConfigureAwait(false);
        if (!capture.IsOpened())
        {
            throw new InvalidDataException($"Cannot open '{Path}' as a video.");
        }

        var fps = capture.Get(VideoCaptureProperties.Fps);
        if (!(fps > 0 && fps < 1000))
        {
            fps = FallbackFps;
        }

        var start = time.GetUtcNow();
        var startTicks = time.GetTimestamp();
        long index = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_core.Options.RealTimePacing)
            {
                var due = TimeSpan.FromSeconds(index / fps) - time.GetElapsedTime(startTicks);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, time, cancellationToken).ConfigureAwait(false);
                }
            }

            var mat = await VideoCaptureFrames.ReadAsync(capture).ConfigureAwait(false);
            if (mat is null)
            {
                if (index == 0)
                {
                    // Opened but nothing decodes: for a camera that is the same fault as a file that does not open.
                    throw new InvalidDataException($"'{Path}' holds no frame OpenCV can decode.");
                }

                if (!_core.Options.Loop || !capture.Set(VideoCaptureProperties.PosFrames, 0))
                {
                    yield break;
                }

                // Some containers cannot seek; if rewinding yields nothing, stop rather than spin.
                mat = await VideoCaptureFrames.ReadAsync(capture).ConfigureAwait(false);
                if (mat is null)
                {
                    yield break;
                }
            }

            var frame = VideoCaptureFrames.ToFrame(mat, CameraId, start + TimeSpan.FromSeconds(index / fps), _sequence++);
            index++;
            SourceMetrics.FramesRead.Add(1, SourceMetrics.Camera(CameraId));
            yield return frame;
        }
    }
}
