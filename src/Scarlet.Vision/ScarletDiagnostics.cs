using System.Diagnostics.Metrics;

namespace Scarlet.Vision;

/// <summary>
/// Process-wide diagnostics for Scarlet: a count of live native-backed objects (frames, tensors, sessions)
/// that tests assert returns to zero, and the <see cref="Meter"/> every Scarlet layer publishes on.
/// </summary>
public static class ScarletDiagnostics
{
    private static long s_liveNativeObjects;

    /// <summary>The name of the meter shared by all Scarlet libraries.</summary>
    public const string MeterName = "Scarlet";

    /// <summary>The meter all Scarlet instruments are created on.</summary>
    public static Meter Meter { get; } = new(MeterName, "0.1.0");

    /// <summary>Gets the number of Scarlet objects that own native memory and have not been disposed yet.</summary>
    public static long LiveNativeObjects => Interlocked.Read(ref s_liveNativeObjects);

    internal static void NativeObjectCreated() => Interlocked.Increment(ref s_liveNativeObjects);

    internal static void NativeObjectReleased() => Interlocked.Decrement(ref s_liveNativeObjects);
}
