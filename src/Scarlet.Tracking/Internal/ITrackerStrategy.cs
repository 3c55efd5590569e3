namespace Scarlet.Tracking.Internal;

/// <summary>
/// One tracking algorithm behind <see cref="MultiObjectTracker"/> (<see cref="ByteTrackStrategy"/>,
/// <see cref="SortStrategy"/>). It writes the frame's reported tracks and removed tracks into the lists it was given.
/// </summary>
internal interface ITrackerStrategy
{
    /// <summary>Processes frame number <paramref name="frame"/> (1-based).</summary>
    void Update(ReadOnlySpan<TrackerDetection> dets, int frame);

    /// <summary>Adds every live track (tentative, confirmed, lost) to <paramref name="into"/>.</summary>
    void AddLiveTracks(List<Track> into);

    /// <summary>Forgets every track; ids keep counting up.</summary>
    void Reset();
}
