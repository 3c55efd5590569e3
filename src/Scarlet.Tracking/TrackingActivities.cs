using System.Diagnostics;
using Scarlet.Vision;

namespace Scarlet.Tracking;

/// <summary>The activity source of Scarlet.Tracking (<c>Scarlet.Tracking</c>; see <see cref="ScarletDiagnostics.ActivitySourcePrefix"/>).</summary>
internal static class TrackingActivities
{
    public static ActivitySource Source { get; } = new(ScarletDiagnostics.ActivitySourcePrefix + "Tracking", "0.1.0");
}
