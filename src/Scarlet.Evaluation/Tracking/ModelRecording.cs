using System.Text;
using OpenCvSharp;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;

namespace Scarlet.Evaluation.Tracking;

/// <summary>
/// The person detections and re-ID embeddings camera pipelines obtained, per camera and detection frame, recorded once
/// and replayed without the models: tracker and cross-camera options can then be tuned on a recorded clip in seconds
/// instead of re-running detection and re-ID for every try.
/// </summary>
/// <remarks>
/// <see cref="Record"/> wraps a camera's models: each detector call appends one frame, each re-ID call stores the
/// embeddings of that frame's boxes. <see cref="Replay"/> gives models that return the same detections in the same
/// order (the n-th detector call gets the n-th recorded frame; the image is ignored) and the recorded embedding of
/// each box. A camera's models belong to one pipeline, which calls them from one thread at a time; different
/// cameras may record concurrently. Replay is exact as long as the pipeline asks for the same detection frames
/// (same <see cref="CameraPipelineOptions.DetectionInterval"/>) and for embeddings of recorded boxes only (re-ID was
/// on while recording, and the tracker's low score threshold is not lowered).
/// </remarks>
public sealed class ModelRecording
{
    private const int Magic = 0x52444353; // "SCDR"
    private const int Version = 1;

    private readonly Dictionary<string, List<RecordedFrame>> _cameras = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private int _dimension;

    /// <summary>Gets or sets free text stored with the recording (e.g. the source and settings it was made with).</summary>
    public string Description { get; set; } = string.Empty;

    /// <summary>Gets the re-ID embedding dimension (0 when nothing was embedded).</summary>
    public int ReIdDimension
    {
        get
        {
            lock (_gate)
            {
                return _dimension;
            }
        }
    }

    /// <summary>Gets the recorded cameras.</summary>
    public IReadOnlyList<string> Cameras
    {
        get
        {
            lock (_gate)
            {
                return [.. _cameras.Keys];
            }
        }
    }

    /// <summary>Gets how many detection frames were recorded for a camera (0 when unknown).</summary>
    public int FrameCount(string cameraId)
    {
        lock (_gate)
        {
            return _cameras.TryGetValue(cameraId, out var frames) ? frames.Count : 0;
        }
    }

    /// <summary>Gets the recorded detections of one detection frame of a camera, with their embeddings where recorded.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The camera or frame was not recorded.</exception>
    public IReadOnlyList<RecordedDetection> Detections(string cameraId, int index)
    {
        lock (_gate)
        {
            if (!_cameras.TryGetValue(cameraId, out var frames) || (uint)index >= (uint)frames.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"No recorded frame {index} for camera '{cameraId}'.");
            }

            return frames[index].Detections;
        }
    }

    /// <summary>Wraps a camera's models so that what they produce is recorded for <paramref name="cameraId"/>.</summary>
    /// <param name="cameraId">The camera the returned models serve (one pipeline).</param>
    /// <param name="models">The real models.</param>
    /// <returns>Models with the same behaviour that record as they go (face models are passed through, not recorded).</returns>
    /// <exception cref="ArgumentException">The camera was already recorded or replayed.</exception>
    public CameraPipelineModels Record(string cameraId, CameraPipelineModels models)
    {
        ArgumentNullException.ThrowIfNull(models);
        var frames = NewCamera(cameraId);
        var detector = new RecordingDetector(models.Persons, frames, _gate);
        var reId = models.ReId is null ? null : new RecordingEmbedder(models.ReId, detector, this);
        return new CameraPipelineModels(detector, reId, models.Faces);
    }

    /// <summary>Models that replay what was recorded for <paramref name="cameraId"/>, in order, without running anything.</summary>
    /// <param name="cameraId">The camera.</param>
    /// <param name="withReId">Whether to include a re-ID embedder (needs recorded embeddings).</param>
    /// <exception cref="ArgumentException">The camera was not recorded, or re-ID is asked for and none was recorded.</exception>
    public CameraPipelineModels Replay(string cameraId, bool withReId)
    {
        List<RecordedFrame> frames;
        int dim;
        lock (_gate)
        {
            if (!_cameras.TryGetValue(cameraId, out var f))
            {
                throw new ArgumentException($"Camera '{cameraId}' was not recorded.", nameof(cameraId));
            }

            frames = f;
            dim = _dimension;
        }

        if (withReId && dim == 0)
        {
            throw new ArgumentException("The recording holds no re-ID embeddings.", nameof(withReId));
        }

        var detector = new ReplayDetector(cameraId, frames);
        return new CameraPipelineModels(detector, withReId ? new ReplayEmbedder(detector, dim) : null);
    }

    /// <summary>Writes the recording (binary, little-endian floats).</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        lock (_gate)
        {
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            w.Write(Magic);
            w.Write(Version);
            w.Write(Description);
            w.Write(_dimension);
            w.Write(_cameras.Count);
            foreach (var (camera, frames) in _cameras)
            {
                w.Write(camera);
                w.Write(frames.Count);
                foreach (var frame in frames)
                {
                    w.Write(frame.Detections.Length);
                    foreach (var d in frame.Detections)
                    {
                        w.Write(d.Box.X);
                        w.Write(d.Box.Y);
                        w.Write(d.Box.Width);
                        w.Write(d.Box.Height);
                        w.Write(d.Score);
                        w.Write(d.Embedding is not null);
                        if (d.Embedding is { } e)
                        {
                            foreach (var v in e)
                            {
                                w.Write(v);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Reads a recording written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The data is not a recording of this version.</exception>
    public static ModelRecording Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (r.ReadInt32() != Magic || r.ReadInt32() != Version)
            {
                throw new InvalidDataException("Not a Scarlet model recording (or another version).");
            }

            var rec = new ModelRecording { Description = r.ReadString() };
            rec._dimension = r.ReadInt32();
            var cameras = r.ReadInt32();
            for (var c = 0; c < cameras; c++)
            {
                var frames = rec.NewCamera(r.ReadString());
                var count = r.ReadInt32();
                for (var f = 0; f < count; f++)
                {
                    var n = r.ReadInt32();
                    var dets = new RecordedDetection[n];
                    for (var i = 0; i < n; i++)
                    {
                        var box = new BoundingBox(r.ReadSingle(), r.ReadSingle(), r.ReadSingle(), r.ReadSingle());
                        var score = r.ReadSingle();
                        float[]? e = null;
                        if (r.ReadBoolean())
                        {
                            e = new float[rec._dimension];
                            for (var k = 0; k < e.Length; k++)
                            {
                                e[k] = r.ReadSingle();
                            }
                        }

                        dets[i] = new RecordedDetection(box, score, e);
                    }

                    frames.Add(new RecordedFrame(dets));
                }
            }

            return rec;
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("The recording is truncated.", ex);
        }
    }

    private List<RecordedFrame> NewCamera(string cameraId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cameraId);
        lock (_gate)
        {
            if (_cameras.ContainsKey(cameraId))
            {
                throw new ArgumentException($"Camera '{cameraId}' is already in the recording.", nameof(cameraId));
            }

            var frames = new List<RecordedFrame>();
            _cameras[cameraId] = frames;
            return frames;
        }
    }

    private void SetDimension(int dimension)
    {
        lock (_gate)
        {
            if (_dimension != 0 && _dimension != dimension)
            {
                throw new InvalidOperationException($"Re-ID dimension changed from {_dimension} to {dimension} within one recording.");
            }

            _dimension = dimension;
        }
    }

    // The box a pipeline asks to embed is the detection's own box (TrackerDetection.FromPersonDetection), so exact
    // equality finds it; several identical boxes in one frame carry identical crops, hence identical embeddings.
    private static int IndexOf(RecordedDetection[] detections, in BoundingBox box)
    {
        for (var i = 0; i < detections.Length; i++)
        {
            if (detections[i].Box == box)
            {
                return i;
            }
        }

        return -1;
    }

    private sealed record RecordedFrame(RecordedDetection[] Detections);

    private sealed class RecordingDetector(IPersonDetector inner, List<RecordedFrame> frames, object gate) : IPersonDetector
    {
        public RecordedDetection[] Last { get; private set; } = [];

        public IReadOnlyList<PersonDetection> Detect(Mat image)
        {
            var result = inner.Detect(image);
            var dets = new RecordedDetection[result.Count];
            for (var i = 0; i < dets.Length; i++)
            {
                dets[i] = new RecordedDetection(result[i].Box, result[i].Score, null);
            }

            Last = dets;
            lock (gate)
            {
                frames.Add(new RecordedFrame(dets));
            }

            return result;
        }
    }

    private sealed class RecordingEmbedder(IReIdEmbedder inner, RecordingDetector detector, ModelRecording owner) : IReIdEmbedder
    {
        public int Dimension => inner.Dimension;

        public void Embed(Mat image, ReadOnlySpan<BoundingBox> boxes, Span<float> destination)
        {
            inner.Embed(image, boxes, destination);
            var dim = inner.Dimension;
            owner.SetDimension(dim);
            var dets = detector.Last;
            for (var i = 0; i < boxes.Length; i++)
            {
                var k = IndexOf(dets, boxes[i]);
                if (k >= 0)
                {
                    dets[k] = dets[k] with { Embedding = destination.Slice(i * dim, dim).ToArray() };
                }
            }
        }
    }

    private sealed class ReplayDetector(string camera, List<RecordedFrame> frames) : IPersonDetector
    {
        private int _next;

        public RecordedDetection[] Last { get; private set; } = [];

        public IReadOnlyList<PersonDetection> Detect(Mat image)
        {
            if (_next >= frames.Count)
            {
                throw new InvalidOperationException($"The recording of camera '{camera}' ends after {frames.Count} detection frames.");
            }

            Last = frames[_next++].Detections;
            var result = new PersonDetection[Last.Length];
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = new PersonDetection(Last[i].Box, Last[i].Score);
            }

            return result;
        }
    }

    private sealed class ReplayEmbedder(ReplayDetector detector, int dimension) : IReIdEmbedder
    {
        public int Dimension => dimension;

        public void Embed(Mat image, ReadOnlySpan<BoundingBox> boxes, Span<float> destination)
        {
            var dets = detector.Last;
            for (var i = 0; i < boxes.Length; i++)
            {
                var k = IndexOf(dets, boxes[i]);
                if (k < 0 || dets[k].Embedding is not { } e)
                {
                    throw new InvalidOperationException($"No recorded embedding for box {boxes[i]}: record with re-ID on and the same tracker thresholds.");
                }

                e.CopyTo(destination.Slice(i * dimension, dimension));
            }
        }
    }
}

/// <summary>One recorded person detection.</summary>
/// <param name="Box">The box in image pixels.</param>
/// <param name="Score">The detector's score.</param>
/// <param name="Embedding">The re-ID embedding (L2-normalised), or null when it was not embedded.</param>
public sealed record RecordedDetection(BoundingBox Box, float Score, float[]? Embedding);
