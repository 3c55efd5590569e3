using System.Diagnostics;
using System.Diagnostics.Metrics;
using Scarlet.Vision;

namespace Scarlet.Retail;

/// <summary>
/// The activity source and the meter of Scarlet.Retail, both named <c>Scarlet.Retail</c> (see
/// <see cref="ScarletDiagnostics.ActivitySourcePrefix"/> and <see cref="ScarletDiagnostics.MeterPrefix"/>).
/// </summary>
internal static class RetailDiagnostics
{
    public static ActivitySource Source { get; } = new(ScarletDiagnostics.ActivitySourcePrefix + "Retail", "0.1.0");

    public static Meter Meter { get; } = new(ScarletDiagnostics.MeterPrefix + "Retail", "0.1.0");
}
