namespace Scarlet.Tracking;

/// <summary>The association logic of <see cref="MultiObjectTracker"/>.</summary>
public enum TrackerMode
{
    /// <summary>
    /// ByteTrack (Zhang et al., ECCV 2022): high-score detections first, then low-score ones to keep tracks alive
    /// through occlusion, a lost-track buffer and optional appearance fusion (BoT-SORT style). The default.
    /// </summary>
    ByteTrack,

    /// <summary>
    /// SORT (Bewley et al., ICIP 2016) as a baseline: one IoU assignment over all detections, its own Kalman filter on
    /// (centre, area, aspect), a track reported after <see cref="TrackerOptions.SortMinHits"/> hits and dropped after
    /// <see cref="TrackerOptions.SortMaxAge"/> missed frames.
    /// </summary>
    Sort,
}
