using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Scarlet.Vision;

/// <summary>
/// Process-wide diagnostics for Scarlet: a count of live native-backed objects (frames, tensors, sessions)
/// that tests assert returns to zero, and the naming of the per-library meters and activity sources.
/// </summary>
public static class ScarletDiagnostics
{
    private static long s_liveNativeObjects;

    /// <summary>
    /// The prefix of every Scarlet <see cref="System.Diagnostics.Metrics.Meter"/>: one per library, named like its
    /// activity source (<c>Scarlet.Vision</c>, <c>Scarlet.Recognition</c>, <c>Scarlet.Tracking</c>, <c>Scarlet.Retail</c>),
    /// so a metrics pipeline subscribes to all with <c>Scarlet.*</c>. Instrument names (<c>scarlet.…</c>) are the library's
    /// and do not carry the meter's name.
    /// </summary>
    public const string MeterPrefix = "Scarlet.";

    /// <summary>Gets the meter of this library: frame sources and the image memory budget.</summary>
    internal static Meter Meter { get; } = new(MeterPrefix + "Vision", "0.1.0");

    /// <summary>
    /// The prefix of every Scarlet <see cref="ActivitySource"/>: one per library (<c>Scarlet.Vision</c>,
    /// <c>Scarlet.Recognition</c>, <c>Scarlet.Tracking</c>, <c>Scarlet.Retail</c>), so a tracer subscribes to all with
    /// <c>Scarlet.*</c>. Spans cost nothing while nobody listens.
    /// </summary>
    public const string ActivitySourcePrefix = "Scarlet.";

    /// <summary>Gets the activity source of this library: spans for decoding, detection and landmark refinement.</summary>
    internal static ActivitySource Activities { get; } = new(ActivitySourcePrefix + "Vision", "0.1.0");

    /// <summary>Gets the number of Scarlet objects that own native memory and have not been disposed yet.</summary>
    public static long LiveNativeObjects => Interlocked.Read(ref s_liveNativeObjects);

    internal static void NativeObjectCreated() => Interlocked.Increment(ref s_liveNativeObjects);

    internal static void NativeObjectReleased() => Interlocked.Decrement(ref s_liveNativeObjects);
}
