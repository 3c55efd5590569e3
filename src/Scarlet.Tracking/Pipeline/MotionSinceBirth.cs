using Scarlet.Vision;

namespace Scarlet.Tracking.Pipeline;

/// <summary>
/// Whether a track has moved since it appeared: its box centre has left the spot where the track began by at least a
/// share of the box height. A person walked in and has; a static false detection (a poster, a coat on a stand, a
/// reflection) never does. Once moved, a track stays moved (a customer who stops at a shelf is still there).
/// </summary>
internal struct MotionSinceBirth
{
    private float _x;
    private float _y;
    private bool _started;

    /// <summary>Gets whether the track has moved.</summary>
    public bool Moved { get; private set; }

    /// <summary>Records the track's box of this frame; returns <see cref="Moved"/>.</summary>
    /// <param name="box">The track's box.</param>
    /// <param name="minMotion">The least distance from the first centre, in box heights, that counts as moving (0: every track has moved).</param>
    public bool Update(in BoundingBox box, float minMotion)
    {
        if (!_started)
        {
            (_x, _y, _started) = (box.CenterX, box.CenterY, true);
        }

        if (!Moved)
        {
            var dx = box.CenterX - _x;
            var dy = box.CenterY - _y;
            var limit = minMotion * box.Height;
            Moved = (dx * dx) + (dy * dy) >= limit * limit;
        }

        return Moved;
    }
}
