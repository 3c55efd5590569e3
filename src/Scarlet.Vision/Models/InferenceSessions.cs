using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace Scarlet.Vision.Models;

/// <summary>Which ONNX Runtime execution provider runs the models.</summary>
public enum ExecutionProviderKind
{
    /// <summary>The CPU provider (default).</summary>
    Cpu,

    /// <summary>NVIDIA CUDA; needs the GPU build of ONNX Runtime and a CUDA driver.</summary>
    Cuda,
}

/// <summary>How ONNX Runtime sessions are created.</summary>
public sealed class InferenceOptions
{
    /// <summary>Gets or sets the execution provider. The default value is <see cref="ExecutionProviderKind.Cpu"/>.</summary>
    public ExecutionProviderKind ExecutionProvider { get; set; } = ExecutionProviderKind.Cpu;

    /// <summary>Gets or sets the CUDA device. The default value is 0.</summary>
    public int CudaDeviceId { get; set; }

    /// <summary>
    /// Gets or sets whether CUDA may fall back to the CPU when it cannot start. The default value is <see langword="false"/>:
    /// a configured provider that fails is an error, never a silent fallback. When <see langword="true"/> the fallback is
    /// logged as a warning and reported by <see cref="InferenceSessionCache.ActiveProvider"/>.
    /// </summary>
    public bool AllowCpuFallback { get; set; }

    /// <summary>Gets or sets the intra-op thread count per session; 0 lets ONNX Runtime choose. The default value is 0.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Gets or sets the inter-op thread count per session. The default value is 1.</summary>
    public int InterOpThreads { get; set; } = 1;

    /// <summary>
    /// Gets or sets whether ONNX Runtime's intra-op worker threads spin while waiting for work (its own default). The
    /// default value is <see langword="true"/>. Spinning saves a wake-up per parallel section for one caller at a time;
    /// with concurrent requests on few cores the spinning threads take the cores the other requests need, so hosts
    /// serving parallel requests turn it off (docs/benchmarks.md, request level).
    /// </summary>
    public bool AllowSpinning { get; set; } = true;

    /// <summary>Creates ONNX Runtime session options for these settings; the caller disposes them.</summary>
    /// <param name="activeProvider">The provider actually configured.</param>
    /// <param name="fallbackReason">Why CUDA fell back to the CPU, if it did.</param>
    public SessionOptions CreateSessionOptions(out ExecutionProviderKind activeProvider, out string? fallbackReason)
    {
        var so = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = IntraOpThreads,
            InterOpNumThreads = InterOpThreads,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        if (!AllowSpinning)
        {
            so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }

        activeProvider = ExecutionProviderKind.Cpu;
        fallbackReason = null;
        if (ExecutionProvider == ExecutionProviderKind.Cuda)
        {
            try
            {
                so.AppendExecutionProvider_CUDA(CudaDeviceId);
                activeProvider = ExecutionProviderKind.Cuda;
            }
            catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                if (!AllowCpuFallback)
                {
                    so.Dispose();
                    throw new InvalidOperationException(
                        $"The CUDA execution provider was configured but cannot start: {ex.Message} " +
                        "Install the GPU build of ONNX Runtime (Microsoft.ML.OnnxRuntime.Gpu) and a CUDA driver, or set ExecutionProvider to Cpu.", ex);
                }

                fallbackReason = ex.Message;
            }
        }

        return so;
    }
}

/// <summary>
/// One shared <see cref="InferenceSession"/> per model file, created on first use. <c>InferenceSession.Run</c> is
/// thread-safe, so every camera and request shares the same session. Disposing the cache disposes the sessions.
/// </summary>
public sealed class InferenceSessionCache : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<InferenceSession>> _sessions = new(StringComparer.Ordinal);
    private readonly InferenceOptions _options;
    private readonly ILogger _logger;
    private int _disposed;
    private int _providerLogged;

    /// <summary>Creates the cache.</summary>
    public InferenceSessionCache(InferenceOptions? options = null, ILogger<InferenceSessionCache>? logger = null)
    {
        _options = options ?? new InferenceOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        ActiveProvider = _options.ExecutionProvider;
    }

    /// <summary>Gets the execution provider sessions actually run on (reported by hosts; differs from the configured one only after a logged fallback).</summary>
    public ExecutionProviderKind ActiveProvider { get; private set; }

    /// <summary>Gets the configured execution provider.</summary>
    public ExecutionProviderKind ConfiguredProvider => _options.ExecutionProvider;

    /// <summary>Gets the shared session for a model file, creating it on first use. Do not dispose it.</summary>
    public InferenceSession Get(string modelPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var key = Path.GetFullPath(modelPath);
        return _sessions.GetOrAdd(key, k => new Lazy<InferenceSession>(() => Create(k), LazyThreadSafetyMode.ExecutionAndPublication)).Value;
    }

    /// <summary>Disposes every session.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var lazy in _sessions.Values)
        {
            if (lazy.IsValueCreated)
            {
                lazy.Value.Dispose();
                ScarletDiagnostics.NativeObjectReleased();
            }
        }

        _sessions.Clear();
    }

    private InferenceSession Create(string path)
    {
        if (!File.Exists(path))
        {
            throw new Models.ModelNotFoundException($"Model file not found: {path}");
        }

        using var so = _options.CreateSessionOptions(out var active, out var fallback);
        var session = new InferenceSession(path, so);
        ScarletDiagnostics.NativeObjectCreated();
        ActiveProvider = active;
        if (fallback is not null)
        {
            LogFallback(_logger, fallback, null);
        }

        if (Interlocked.Exchange(ref _providerLogged, 1) == 0)
        {
            LogProvider(_logger, active.ToString(), _options.IntraOpThreads, null);
        }

        return session;
    }

    private static readonly Action<ILogger, string, int, Exception?> LogProvider =
        LoggerMessage.Define<string, int>(LogLevel.Information, new EventId(10, "ExecutionProvider"), "ONNX Runtime execution provider in use: {Provider} (intra-op threads {Threads}, 0 = automatic)");

    private static readonly Action<ILogger, string, Exception?> LogFallback =
        LoggerMessage.Define<string>(LogLevel.Warning, new EventId(11, "ExecutionProviderFallback"), "CUDA could not start and AllowCpuFallback is set: running on CPU. Reason: {Reason}");
}
