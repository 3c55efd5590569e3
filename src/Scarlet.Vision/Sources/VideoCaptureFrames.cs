using OpenCvSharp;

namespace Scarlet.Vision;

/// <summary>Helpers shared by the <see cref="VideoCapture"/>-based sources.</summary>
internal static class VideoCaptureFrames
{
    /// <summary>
    /// Reads the next frame on a pool thread (a capture read blocks: disk, network, decode). The task is always awaited to
    /// completion, never abandoned, so the capture is not disposed while native code still uses it.
    /// </summary>
    /// <returns>The BGR pixels, or <see langword="null"/> at the end of the stream or on a read error.</returns>
    public static async Task<Mat?> ReadAsync(VideoCapture capture)
    {
        return await Task.Run(() =>
        {
            var mat = new Mat();
            try
            {
                if (!capture.Read(mat) || mat.Empty())
                {
                    mat.Dispose();
                    return null;
                }

                return ToBgr(mat);
            }
            catch
            {
                mat.Dispose();
                throw;
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Converts to 8-bit BGR if needed, disposing the input when a new Mat is made.</summary>
    public static Mat ToBgr(Mat mat)
    {
        if (mat.Type() == MatType.CV_8UC3)
        {
            return mat;
        }

        using (mat)
        {
            var bgr = new Mat();
            try
            {
                var source = mat;
                Mat? scaled = null;
                if (mat.Depth() != MatType.CV_8U)
                {
                    scaled = new Mat();
                    mat.ConvertTo(scaled, MatType.CV_8U, mat.Depth() == MatType.CV_16U ? 1.0 / 257 : 1.0);
                    source = scaled;
                }

                using (scaled)
                {
                    switch (source.Channels())
                    {
                        case 1:
                            Cv2.CvtColor(source, bgr, ColorConversionCodes.GRAY2BGR);
                            break;
                        case 4:
                            Cv2.CvtColor(source, bgr, ColorConversionCodes.BGRA2BGR);
                            break;
                        case 3:
                            source.CopyTo(bgr);
                            break;
                        default:
                            throw new InvalidDataException($"Unsupported frame with {source.Channels()} channels.");
                    }
                }

                return bgr;
            }
            catch
            {
                bgr.Dispose();
                throw;
            }
        }
    }

    /// <summary>Wraps pixels in a frame, disposing them if the frame cannot be made.</summary>
    public static Frame ToFrame(Mat bgr, string cameraId, DateTimeOffset timestamp, long sequence)
    {
        try
        {
            return new Frame(bgr, cameraId, timestamp, sequence);
        }
        catch
        {
            bgr.Dispose();
            throw;
        }
    }
}
