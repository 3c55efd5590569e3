using Scarlet.Tracking.Identity;
using Scarlet.Vision;

namespace Scarlet.Tracking.Pipeline;

public sealed partial class CameraPipeline
{
    private readonly List<(Track Track, bool Known, long LastSearched, int Id)> _needing = [];
    private readonly Dictionary<int, (FaceDetection Face, Track Owner)> _bestFaces = [];
    private long _detectionFrames;
    private IReadOnlyList<FaceDetection>? _frameFaces; // the whole-frame faces of this detection frame when they anchor tracks

    // Faces are looked for every FaceInterval-th detection frame, on the whole frame and/or in the head regions of the
    // tracks that still need a face (within the crop budget); each face is given to its track's owner, and each track's
    // best face of the frame is embedded, identified and counted as one vote (see Vote for when a face is skipped).
    private void ProcessFaces(Frame frame, IReadOnlyList<Track> tracks)
    {
        var faces = _models.Faces;
        if (faces is null || !_options.EnableFaces || tracks.Count == 0 || _detectionFrames++ % _options.FaceInterval != 0)
        {
            return;
        }

        var frameNumber = _detectionFrames;
        _bestFaces.Clear();
        if (_options.FaceSearch != FaceSearchMode.PersonCrops)
        {
            foreach (var face in _frameFaces ?? faces.Detector.Detect(frame.Image))
            {
                Offer(face, tracks, frameNumber);
            }
        }

        if (_options.FaceSearch != FaceSearchMode.WholeFrame)
        {
            SearchHeadRegions(frame, tracks, faces, frameNumber);
        }

        foreach (var (face, owner) in _bestFaces.Values)
        {
            Vote(frame, face, owner, faces);
        }
    }

    // A person has one face: of the faces that fall on a track in one frame (a head region also shows a printed face on a
    // shirt, or a neighbour's), only the largest, surest one votes; the others would vote "unknown" or for someone else.
    private void Offer(in FaceDetection face, IReadOnlyList<Track> tracks, long frameNumber)
    {
        var owner = OwnerOf(face.Box, tracks);
        if (owner is null)
        {
            return;
        }

        StateOf(owner.Id).LastFace = frameNumber;
        if (!_bestFaces.TryGetValue(owner.Id, out var kept) || Goodness(face) > Goodness(kept.Face))
        {
            _bestFaces[owner.Id] = (face, owner);
        }
    }

    private static float Goodness(in FaceDetection face) => MathF.Min(face.Box.Width, face.Box.Height) * face.Score;

    // Tracks not yet known first (never searched, the newest of them first; then the longest-waiting), then known tracks
    // due again (every KnownFaceInterval-th face frame: a better face can still re-decide them, at a bounded cost); a
    // track that got a face from the whole frame this time waits.
    private void SearchHeadRegions(Frame frame, IReadOnlyList<Track> tracks, FaceModels faces, long frameNumber)
    {
        _needing.Clear();
        foreach (var t in tracks)
        {
            var state = StateOf(t.Id);
            var known = state.Voter.Decision.Status == TrackIdentityStatus.Known;
            if (state.LastFace != frameNumber && (!known || frameNumber - state.LastSearched >= _options.KnownFaceInterval))
            {
                _needing.Add((t, known, state.LastSearched, t.Id));
            }
        }

        if (_needing.Count == 0)
        {
            return;
        }

        _needing.Sort(static (a, b) => a.Known != b.Known ? a.Known.CompareTo(b.Known) : a.LastSearched != b.LastSearched ? a.LastSearched.CompareTo(b.LastSearched) : b.Id.CompareTo(a.Id));
        var count = Math.Min(_needing.Count, _options.FaceCropsPerFrame);
        Span<BoundingBox> boxes = count <= 64 ? stackalloc BoundingBox[count] : new BoundingBox[count];
        for (var i = 0; i < count; i++)
        {
            boxes[i] = _needing[i].Track.Box;
            StateOf(_needing[i].Id).LastSearched = frameNumber;
        }

        foreach (var found in faces.HeadRegions.Search(frame.Image, boxes))
        {
            Offer(found.Face, tracks, frameNumber);
        }
    }

    private void Vote(Frame frame, in FaceDetection face, Track owner, FaceModels faces)
    {
        var size = MathF.Min(face.Box.Width, face.Box.Height);
        var state = StateOf(owner.Id);
        if (size < _options.MinFaceSize)
        {
            return;
        }

        // A track not yet known takes every usable face as a vote (it needs MinFaces of them, and a stranger's first poor
        // face must not shut out the customer's later good ones); a known one is re-decided only on a clearly better
        // face, so a customer is not embedded again frame after frame.
        var goodness = Goodness(face);
        EstimateAttributes(frame, face, faces, state, goodness);
        if (state.Voter.Decision.Status == TrackIdentityStatus.Known && goodness < state.BestFace * _options.FaceImprovement)
        {
            return;
        }

        var best = goodness >= state.BestFace;
        state.BestFace = MathF.Max(state.BestFace, goodness);
        var recognized = faces.Recognizer.Analyze(frame.Image, face, identify: false);
        if (recognized.Embedding is null)
        {
            return; // failed the quality gate: no vote
        }

        if (best)
        {
            state.BestEmbedding = recognized.Embedding;
        }

        var match = faces.Gallery.Identify(recognized.Embedding, recognized.Quality).Best;
        state.Voter.Add(match?.IdentityId, match?.Similarity ?? float.NaN, size, Math.Clamp(face.Score, 0.01f, 1f));
    }

    // Attributes cost about one embedding per run (faceres: a 224x224 network), so a track gets them once, on its first
    // usable face, and once more only on a clearly better face: the cost is per track, not per face.
    private void EstimateAttributes(Frame frame, in FaceDetection face, FaceModels faces, PerTrack state, float goodness)
    {
        if (!_options.EnableAttributes || faces.Attributes is not { } estimator
            || state.AttributeRuns >= 2 || (state.AttributeRuns == 1 && goodness < state.AttributeFace * _options.AttributeImprovement))
        {
            return;
        }

        state.Attributes = estimator.Estimate(frame.Image, [face.Landmarks])[0];
        state.AttributeFace = goodness;
        state.AttributeRuns++;
    }

    // The face belongs to the person whose box holds the face centre in its upper two thirds; the smallest such box wins
    // (the nearer of two overlapping people).
    private static Track? OwnerOf(in BoundingBox face, IReadOnlyList<Track> tracks)
    {
        Track? owner = null;
        foreach (var t in tracks)
        {
            if (FaceAnchor.Holds(t.Box, face) && (owner is null || t.Box.Area < owner.Box.Area))
            {
                owner = t;
            }
        }

        return owner;
    }

    // Whether this camera's whole-frame faces anchor tracks of their own (found before tracking on every detection frame).
    private bool AnchorsFaces => _options.FaceAnchoredTracks && _options.EnableFaces && _models.Faces is not null && _options.FaceSearch != FaceSearchMode.PersonCrops;

    // Each face of at least MinFaceSize (smaller ones could not be identified anyway) that no high-score person detection
    // holds becomes a detection of its own, a head-and-shoulders box derived from the face with the face's score (a weak
    // person detection cannot start a track, so it must not keep a sure face from starting one); returns the new count.
    private int AddFaceAnchors(IReadOnlyList<FaceDetection> faces, TrackerDetection[] dets, int kept, int width, int height)
    {
        var persons = kept;
        foreach (var face in faces)
        {
            if (MathF.Min(face.Box.Width, face.Box.Height) < _options.MinFaceSize || face.Score <= _options.Tracker.LowScoreThreshold)
            {
                continue;
            }

            var held = false;
            for (var i = 0; i < persons && !held; i++)
            {
                held = dets[i].Score >= _options.Tracker.HighScoreThreshold && FaceAnchor.Holds(dets[i].Box, face.Box);
            }

            if (!held)
            {
                dets[kept++] = new TrackerDetection(FaceAnchor.PersonBox(face.Box, width, height), face.Score);
            }
        }

        return kept;
    }
}
