using System.Diagnostics;
using System.Diagnostics.Metrics;
using Scarlet.Vision;

namespace Scarlet.Recognition;

/// <summary>
/// The activity source and the meter of Scarlet.Recognition, both named <c>Scarlet.Recognition</c> (see
/// <see cref="ScarletDiagnostics.ActivitySourcePrefix"/> and <see cref="ScarletDiagnostics.MeterPrefix"/>).
/// </summary>
internal static class RecognitionDiagnostics
{
    public static ActivitySource Source { get; } = new(ScarletDiagnostics.ActivitySourcePrefix + "Recognition", "0.1.0");

    public static Meter Meter { get; } = new(ScarletDiagnostics.MeterPrefix + "Recognition", "0.1.0");
}
