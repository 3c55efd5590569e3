using OpenCvSharp;
using Scarlet.Testing;

namespace Scarlet.Vision.Tests.Sources;

/// <summary>Real images from shared data, and small encoded images made on the fly for formats shared data lacks.</summary>
internal static class TestImages
{
    private static readonly Lazy<byte[][]> s_vtestJpegs = new(() => ReadVideoJpegs(TestAssets.VtestVideo, 12));

    /// <summary>zidane.jpg, 1280x720 JPEG.</summary>
    public static byte[] ZidaneJpeg => File.ReadAllBytes(TestAssets.Data("images/ultralytics/zidane.jpg"));

    /// <summary>amy1.png, 150x150 8-bit grayscale PNG.</summary>
    public static byte[] GrayPng => File.ReadAllBytes(TestAssets.Data("faces/faceapi_bbt/amy/amy1.png"));

    /// <summary>The first 12 frames of vtest.avi as JPEGs (768x576).</summary>
    public static byte[][] VtestJpegs => s_vtestJpegs.Value;

    /// <summary>Encodes a gradient test pattern of the given size and channels in the format of <paramref name="extension"/>.</summary>
    public static byte[] Encode(string extension, int width, int height, int channels = 3, params int[] parameters)
    {
        using var mat = Pattern(width, height, channels);
        Assert.True(Cv2.ImEncode(extension, mat, out var bytes, parameters), $"encoding {extension} failed");
        return bytes;
    }

    /// <summary>A deterministic test pattern.</summary>
    public static Mat Pattern(int width, int height, int channels = 3)
    {
        var mat = new Mat(height, width, MatType.CV_8UC(channels));
        Cv2.Randu(mat, Scalar.All(0), Scalar.All(255));
        Cv2.Rectangle(mat, new Rect(width / 4, height / 4, width / 2, height / 2), Scalar.All(200), -1);
        return mat;
    }

    /// <summary>Writes a small MJPG AVI (distinct frames) for fast video tests and returns its path.</summary>
    public static string WriteVideo(string folder, int frames, double fps, int width = 64, int height = 48)
    {
        var path = Path.Combine(folder, "clip.avi");
        using var writer = new VideoWriter(path, FourCC.MJPG, fps, new OpenCvSharp.Size(width, height));
        Assert.True(writer.IsOpened(), "VideoWriter could not open an MJPG AVI");
        for (var i = 0; i < frames; i++)
        {
            using var mat = new Mat(height, width, MatType.CV_8UC3, new Scalar(i * 20 % 256, 100, 255 - (i * 20 % 256)));
            writer.Write(mat);
        }

        return path;
    }

    private static byte[][] ReadVideoJpegs(string path, int count)
    {
        using var capture = new VideoCapture(path);
        var result = new byte[count][];
        using var mat = new Mat();
        for (var i = 0; i < count; i++)
        {
            Assert.True(capture.Read(mat));
            Assert.True(Cv2.ImEncode(".jpg", mat, out result[i], [(int)ImwriteFlags.JpegQuality, 75]));
        }

        return result;
    }
}

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "scarlet-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
