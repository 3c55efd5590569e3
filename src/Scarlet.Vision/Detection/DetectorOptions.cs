using System.ComponentModel.DataAnnotations;

namespace Scarlet.Vision;

/// <summary>Settings of the face detector.</summary>
public sealed class FaceDetectorOptions
{
    /// <summary>Gets or sets the minimum score of a face. The default value is 0.6 (measured on the dlib VOC faces; see docs/models.md).</summary>
    [Range(0.0, 1.0)]
    public float ScoreThreshold { get; set; } = 0.6f;

    /// <summary>Gets or sets the IoU above which overlapping faces are suppressed. The default value is 0.3 (OpenCV Zoo).</summary>
    [Range(0.0, 1.0)]
    public float NmsThreshold { get; set; } = 0.3f;

    /// <summary>Gets or sets the most faces returned per image. The default value is 750.</summary>
    [Range(1, 100_000)]
    public int MaxFaces { get; set; } = 750;

    /// <summary>
    /// Gets or sets, for dynamic-size models, the longest image side fed to the network (larger images are scaled down);
    /// 0 runs at native resolution. Fixed-size models always use their own size. The default value is 1280.
    /// </summary>
    [Range(0, 8192)]
    public int MaxInputSize { get; set; } = 1280;
}

/// <summary>Settings of the person detector.</summary>
public sealed class PersonDetectorOptions
{
    /// <summary>
    /// Gets or sets the minimum score of a person. The default value is 0.3 (the YOLOX demo's); trackers that use
    /// low-score boxes (ByteTrack) lower it to about 0.1.
    /// </summary>
    [Range(0.0, 1.0)]
    public float ScoreThreshold { get; set; } = 0.3f;

    /// <summary>Gets or sets the IoU above which overlapping people are suppressed. The default value is 0.45 (YOLOX demo).</summary>
    [Range(0.0, 1.0)]
    public float NmsThreshold { get; set; } = 0.45f;

    /// <summary>Gets or sets the most people returned per image. The default value is 300.</summary>
    [Range(1, 100_000)]
    public int MaxPersons { get; set; } = 300;
}
