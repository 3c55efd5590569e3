namespace Scarlet.Evaluation.Tracking;

/// <summary>Which MOTChallenge evaluation protocol to apply before scoring.</summary>
public enum MotBenchmark
{
    /// <summary>2D MOT 2015: every ground-truth row with a non-zero flag counts; no distractor removal.</summary>
    Mot15,

    /// <summary>MOT16/17: only flag=1 class=1 ground truth counts; predictions matched to classes 2, 7, 8, 12 are dropped.</summary>
    Mot17,

    /// <summary>MOT20: as MOT17, with class 6 (non-motorised vehicle) also a distractor.</summary>
    Mot20,
}
