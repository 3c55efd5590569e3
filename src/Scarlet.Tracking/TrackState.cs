namespace Scarlet.Tracking;

/// <summary>The life cycle of a <see cref="Track"/>.</summary>
public enum TrackState
{
    /// <summary>Born from a detection but not yet confirmed by enough further detections; not reported.</summary>
    Tentative,

    /// <summary>Matched to a detection in the current frame and confirmed.</summary>
    Confirmed,

    /// <summary>Confirmed once, but unmatched recently; kept (and predicted) for the lost-track buffer, so it can resume.</summary>
    Lost,

    /// <summary>Ended: dropped as tentative or lost longer than the buffer. Its id is never reused.</summary>
    Removed,
}
