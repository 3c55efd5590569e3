using System.Diagnostics;
using Scarlet.Vision;

namespace Scarlet.Recognition;

/// <summary>The activity source of Scarlet.Recognition (<c>Scarlet.Recognition</c>; see <see cref="ScarletDiagnostics.ActivitySourcePrefix"/>).</summary>
internal static class RecognitionActivities
{
    public static ActivitySource Source { get; } = new(ScarletDiagnostics.ActivitySourcePrefix + "Recognition", "0.1.0");
}
