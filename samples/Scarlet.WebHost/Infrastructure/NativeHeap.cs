using System.Runtime.InteropServices;

namespace Scarlet.WebHost;

/// <summary>
/// Keeps glibc's allocator from holding on to freed image buffers. Decoded images and OpenCV/ONNX Runtime scratch buffers
/// are megabytes each; glibc raises its mmap threshold after the first such buffer is freed (up to 32 MB), so later
/// ones come from the heap, whose freed pages stay resident, and every thread gets its own arena. A fixed 128 KB
/// threshold (buffers above it are mapped and returned to the kernel on free) and two arenas took the peak resident
/// memory of issue 21's bomb waves from 0.74 to 0.52 GB on the same budget (docs/hosting.md). The environment variables
/// <c>MALLOC_MMAP_THRESHOLD_</c> and <c>MALLOC_ARENA_MAX</c>, when set, win.
/// </summary>
internal static partial class NativeHeap
{
    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD
    private const int ArenaMax = -8; // M_ARENA_MAX

    public static void Configure()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            if (Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is null)
            {
                _ = MallOpt(MmapThreshold, 128 * 1024);
            }

            if (Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is null)
            {
                _ = MallOpt(ArenaMax, 2);
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl, for one): its allocator has its own behaviour and nothing to set here.
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int param, int value);
}
