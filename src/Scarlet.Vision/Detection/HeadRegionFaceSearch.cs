using System.ComponentModel.DataAnnotations;
using OpenCvSharp;

namespace Scarlet.Vision;

/// <summary>Options of <see cref="HeadRegionFaceSearch"/>.</summary>
public sealed class HeadRegionFaceSearchOptions
{
    /// <summary>
    /// Gets or sets the side of one tile of the mosaic (pixels): each head region is scaled to fit a tile. The default
    /// value, 320, puts a standing person's face at about 70 px (YuNet's sweet spot) and four tiles exactly into the
    /// fixed 640x640 YuNet input, so a search of four persons costs one whole-frame detection.
    /// </summary>
    [Range(64, 1280)]
    public int TileSize { get; set; } = 320;

    /// <summary>Gets or sets the most head regions searched per detector run (tiles of one mosaic). The default value is 4.</summary>
    [Range(1, 16)]
    public int TilesPerRun { get; set; } = 4;

    /// <summary>Gets or sets the share of the person box's height, from its top, that holds the head. The default value is 0.6 (standing persons and head-and-shoulders views, whose face sits lower in the box).</summary>
    [Range(0.1, 1.0)]
    public float HeadHeight { get; set; } = 0.6f;

    /// <summary>Gets or sets the margin added left, right and above the person box, as a share of its width (boxes cut heads). The default value is 0.15.</summary>
    [Range(0.0, 1.0)]
    public float Margin { get; set; } = 0.15f;

    /// <summary>Gets or sets the largest upscale of a head region (beyond it a face has too few pixels to be worth it). The default value is 8.</summary>
    [Range(1.0, 32.0)]
    public float MaxUpscale { get; set; } = 8f;

    /// <summary>Returns the problems with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var results = new List<ValidationResult>();
        return Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true)
            ? []
            : [.. results.Select(r => r.ErrorMessage ?? "invalid value")];
    }
}

/// <summary>A face found in a person's head region.</summary>
/// <param name="PersonIndex">The index of the person box (in the span given) whose head region held the face.</param>
/// <param name="Face">The face, in pixels of the original image.</param>
public readonly record struct HeadRegionFace(int PersonIndex, FaceDetection Face);

/// <summary>
/// Finds faces at store-camera distances: a 20–40 px face of a 1920x1080 frame shrinks below what YuNet finds once the
/// frame is scaled to the detector's input, so the head region of each person box is cut at native resolution, scaled
/// up into one tile of a mosaic (several persons per detector run) and searched there; faces are mapped back to the
/// original image.
/// </summary>
/// <remarks>Thread-safe when the detector is.</remarks>
public sealed class HeadRegionFaceSearch
{
    private readonly IFaceDetector _detector;
    private readonly HeadRegionFaceSearchOptions _options;

    /// <summary>Creates a search on <paramref name="detector"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public HeadRegionFaceSearch(IFaceDetector detector, HeadRegionFaceSearchOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(detector);
        _detector = detector;
        _options = options ?? new HeadRegionFaceSearchOptions();
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid head-region face search options: " + string.Join(" ", errors), nameof(options));
        }
    }

    /// <summary>Gets the options.</summary>
    public HeadRegionFaceSearchOptions Options => _options;

    /// <summary>Gets the head region searched for a person box, clipped to the image (empty when outside).</summary>
    public Rect HeadRegion(in BoundingBox person, int imageWidth, int imageHeight)
    {
        var m = person.Width * _options.Margin;
        var x1 = (int)MathF.Floor(Math.Clamp(person.X - m, 0, imageWidth));
        var y1 = (int)MathF.Floor(Math.Clamp(person.Y - m, 0, imageHeight));
        var x2 = (int)MathF.Ceiling(Math.Clamp(person.Right + m, 0, imageWidth));
        var y2 = (int)MathF.Ceiling(Math.Clamp(person.Y + (person.Height * _options.HeadHeight), 0, imageHeight));
        return new Rect(x1, y1, Math.Max(0, x2 - x1), Math.Max(0, y2 - y1));
    }

    /// <summary>
    /// Searches the head regions of <paramref name="persons"/> (all of them, <see cref="HeadRegionFaceSearchOptions.TilesPerRun"/>
    /// per detector run; a caller keeps the cost bounded by passing only the persons that need a face). A face seen in two
    /// overlapping regions is returned once (the better score).
    /// </summary>
    /// <param name="image">The full-resolution BGR frame; not modified.</param>
    /// <param name="persons">The person boxes, in pixels of <paramref name="image"/>.</param>
    /// <returns>The faces found, best score first.</returns>
    public IReadOnlyList<HeadRegionFace> Search(Mat image, ReadOnlySpan<BoundingBox> persons)
    {
        DetectorInput.Validate(image);
        var found = new List<HeadRegionFace>();
        var tile = _options.TileSize;
        Span<Rect> allRegions = stackalloc Rect[_options.TilesPerRun];
        Span<float> allScales = stackalloc float[_options.TilesPerRun];
        for (var start = 0; start < persons.Length; start += _options.TilesPerRun)
        {
            var batch = persons.Slice(start, Math.Min(_options.TilesPerRun, persons.Length - start));
            var cols = (int)Math.Ceiling(Math.Sqrt(batch.Length));
            var rows = (batch.Length + cols - 1) / cols;
            using var canvas = new Mat(rows * tile, cols * tile, MatType.CV_8UC3, Scalar.All(0));
            var regions = allRegions[..batch.Length];
            var scales = allScales[..batch.Length];
            scales.Clear();
            for (var i = 0; i < batch.Length; i++)
            {
                var region = HeadRegion(batch[i], image.Width, image.Height);
                regions[i] = region;
                if (region.Width < 2 || region.Height < 2)
                {
                    continue;
                }

                var scale = MathF.Min(MathF.Min((float)tile / region.Width, (float)tile / region.Height), _options.MaxUpscale);
                scales[i] = scale;
                var w = Math.Clamp((int)MathF.Round(region.Width * scale), 1, tile);
                var h = Math.Clamp((int)MathF.Round(region.Height * scale), 1, tile);
                using var source = new Mat(image, region);
                using var target = new Mat(canvas, new Rect((i % cols) * tile, (i / cols) * tile, w, h));
                Cv2.Resize(source, target, new Size(w, h), 0, 0, scale > 1 ? InterpolationFlags.Linear : InterpolationFlags.Area);
            }

            foreach (var face in _detector.Detect(canvas))
            {
                var col = (int)(face.Box.CenterX / tile);
                var row = (int)(face.Box.CenterY / tile);
                var i = (row * cols) + col;
                if (col >= cols || i >= batch.Length || scales[i] <= 0)
                {
                    continue;
                }

                var mapped = MapBack(face, col * tile, row * tile, regions[i], scales[i]);
                if (mapped.Box.Width > 0 && mapped.Box.Height > 0)
                {
                    found.Add(new HeadRegionFace(start + i, mapped));
                }
            }
        }

        return Distinct(found);
    }

    private static FaceDetection MapBack(in FaceDetection face, int tileX, int tileY, Rect region, float scale)
    {
        PointF Map(PointF p) => new(region.X + ((p.X - tileX) / scale), region.Y + ((p.Y - tileY) / scale));
        var b = face.Box;
        // A box that spills over the tile edge is clipped to the region it was cut from.
        var x1 = Math.Clamp(region.X + ((b.X - tileX) / scale), region.X, region.X + region.Width);
        var y1 = Math.Clamp(region.Y + ((b.Y - tileY) / scale), region.Y, region.Y + region.Height);
        var x2 = Math.Clamp(region.X + ((b.Right - tileX) / scale), region.X, region.X + region.Width);
        var y2 = Math.Clamp(region.Y + ((b.Bottom - tileY) / scale), region.Y, region.Y + region.Height);
        var lm = face.Landmarks;
        return new FaceDetection(
            BoundingBox.FromCorners(x1, y1, x2, y2),
            face.Score,
            new FaceLandmarks5(Map(lm.RightEye), Map(lm.LeftEye), Map(lm.Nose), Map(lm.RightMouth), Map(lm.LeftMouth)));
    }

    private static List<HeadRegionFace> Distinct(List<HeadRegionFace> faces)
    {
        faces.Sort((a, b) => b.Face.Score.CompareTo(a.Face.Score));
        var kept = new List<HeadRegionFace>(faces.Count);
        foreach (var f in faces)
        {
            var duplicate = false;
            foreach (var k in kept)
            {
                if (BoundingBox.IoU(f.Face.Box, k.Face.Box) > 0.5f)
                {
                    duplicate = true;
                    break;
                }
            }

            if (!duplicate)
            {
                kept.Add(f);
            }
        }

        return kept;
    }
}
