using System.Diagnostics;
using System.Diagnostics.Metrics;
using Scarlet.Vision;

namespace Scarlet.Tracking;

/// <summary>
/// The activity source and the meter of Scarlet.Tracking, both named <c>Scarlet.Tracking</c> (see
/// <see cref="ScarletDiagnostics.ActivitySourcePrefix"/> and <see cref="ScarletDiagnostics.MeterPrefix"/>).
/// </summary>
internal static class TrackingDiagnostics
{
    public static ActivitySource Source { get; } = new(ScarletDiagnostics.ActivitySourcePrefix + "Tracking", "0.1.0");

    public static Meter Meter { get; } = new(ScarletDiagnostics.MeterPrefix + "Tracking", "0.1.0");
}
