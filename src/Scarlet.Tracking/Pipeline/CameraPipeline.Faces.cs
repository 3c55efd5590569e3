using Scarlet.Vision;

namespace Scarlet.Tracking.Pipeline;

public sealed partial class CameraPipeline
{
    // Faces land with the recognition layer: until then no face votes are cast.
    private void ProcessFaces(Frame frame, IReadOnlyList<Track> tracks)
    {
        _ = frame;
        _ = tracks;
    }
}
