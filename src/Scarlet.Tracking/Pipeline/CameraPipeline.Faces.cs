using Scarlet.Vision;

namespace Scarlet.Tracking.Pipeline;

public sealed partial class CameraPipeline
{
    private long _detectionFrames;

    // Faces are looked for every FaceInterval-th detection frame; a face is embedded and identified only when it is
    // better (size × score) than the best one already embedded for its track, and its result is one vote.
    private void ProcessFaces(Frame frame, IReadOnlyList<Track> tracks)
    {
        var faces = _models.Faces;
        if (faces is null || !_options.EnableFaces || tracks.Count == 0 || _detectionFrames++ % _options.FaceInterval != 0)
        {
            return;
        }

        var detected = faces.Detector.Detect(frame.Image);
        foreach (var face in detected)
        {
            var size = MathF.Min(face.Box.Width, face.Box.Height);
            if (size < _options.MinFaceSize)
            {
                continue;
            }

            var owner = OwnerOf(face.Box, tracks);
            if (owner is null)
            {
                continue;
            }

            var state = StateOf(owner.Id);
            var goodness = size * face.Score;
            if (goodness < state.BestFace * _options.FaceImprovement)
            {
                continue;
            }

            state.BestFace = goodness;
            var recognized = faces.Recognizer.Analyze(frame.Image, face, identify: true);
            if (recognized.Embedding is null)
            {
                continue; // failed the quality gate: no vote
            }

            var best = recognized.Identity?.Best;
            state.Voter.Add(best?.IdentityId, best?.Similarity ?? float.NaN, size, Math.Clamp(face.Score, 0.01f, 1f));
        }
    }

    // The face belongs to the person whose box holds the face centre in its upper two thirds (head-and-shoulders views included); the smallest such box wins
    // (the nearer of two overlapping people).
    private static Track? OwnerOf(in BoundingBox face, IReadOnlyList<Track> tracks)
    {
        Track? owner = null;
        var cx = face.CenterX;
        var cy = face.CenterY;
        foreach (var t in tracks)
        {
            var b = t.Box;
            if (cx >= b.X && cx <= b.Right && cy >= b.Y && cy <= b.Y + (b.Height * 0.67f) && (owner is null || b.Area < owner.Box.Area))
            {
                owner = t;
            }
        }

        return owner;
    }
}
