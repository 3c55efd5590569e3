using OpenCvSharp;

namespace Scarlet.Vision.Models;

/// <summary>
/// Writes an 8-bit BGR image into a planar (CHW) float tensor, with per-channel scale and bias, padded to a canvas.
/// The per-pixel work runs inside OpenCV (split + convertTo straight into the tensor's planes), so there is no managed
/// loop over pixels.
/// </summary>
public static class ImageTensor
{

    /// <summary>
    /// Resizes <paramref name="image"/> to <paramref name="width"/> x <paramref name="height"/>, places it at the top-left of a
    /// <paramref name="canvasWidth"/> x <paramref name="canvasHeight"/> canvas filled with <paramref name="padValue"/>
    /// (in pixel units, before normalisation), and writes CHW planes: <c>out[c] = pixel[c'] * alpha[c] + beta[c]</c>,
    /// where c' is c, or the reversed order when <paramref name="toRgb"/>.
    /// </summary>
    /// <param name="image">An 8-bit BGR image; not modified.</param>
    /// <param name="width">The resized width (at most the canvas width).</param>
    /// <param name="height">The resized height (at most the canvas height).</param>
    /// <param name="canvasWidth">The tensor's width.</param>
    /// <param name="canvasHeight">The tensor's height.</param>
    /// <param name="destination">At least 3 x canvas floats; receives the CHW planes.</param>
    /// <param name="toRgb">Write channels in RGB order instead of BGR.</param>
    /// <param name="alpha">Per output channel scale.</param>
    /// <param name="beta">Per output channel bias.</param>
    /// <param name="padValue">The pixel value of the canvas outside the image.</param>
    public static unsafe void Write(
        Mat image,
        int width,
        int height,
        int canvasWidth,
        int canvasHeight,
        Span<float> destination,
        bool toRgb,
        ReadOnlySpan<float> alpha,
        ReadOnlySpan<float> beta,
        float padValue)
    {
        var plane = canvasWidth * canvasHeight;
        if (destination.Length < 3 * plane)
        {
            throw new ArgumentException("The tensor buffer is too small.", nameof(destination));
        }

        var w = Math.Clamp(width, 1, canvasWidth);
        var h = Math.Clamp(height, 1, canvasHeight);
        using var resized = w == image.Width && h == image.Height ? null : new Mat();
        if (resized is not null)
        {
            Cv2.Resize(image, resized, new Size(w, h), 0, 0, InterpolationFlags.Linear);
        }

        var source = resized ?? image;
        // (Cv2.MixChannels into reused per-thread planes measured slower than Split here: 0.56-0.65 ms vs 0.41-0.43 ms.)
        var channels = Cv2.Split(source);
        try
        {
            fixed (float* basePtr = destination)
            {
                for (var c = 0; c < 3; c++)
                {
                    var planePtr = basePtr + (c * plane);
                    var padded = (padValue * alpha[c]) + beta[c];

                    // Fill only the padding (right of and below the image): the image area is written by convertTo below.
                    var planeSpan = new Span<float>(planePtr, plane);
                    if (w < canvasWidth)
                    {
                        for (var y = 0; y < h; y++)
                        {
                            planeSpan.Slice((y * canvasWidth) + w, canvasWidth - w).Fill(padded);
                        }
                    }

                    if (h < canvasHeight)
                    {
                        planeSpan[(h * canvasWidth)..].Fill(padded);
                    }

                    var src = channels[toRgb ? 2 - c : c];
                    using var dst = Mat.FromPixelData(h, w, MatType.CV_32FC1, (IntPtr)planePtr, canvasWidth * sizeof(float));
                    src.ConvertTo(dst, MatType.CV_32FC1, alpha[c], beta[c]);
                }
            }
        }
        finally
        {
            foreach (var ch in channels)
            {
                ch.Dispose();
            }
        }
    }
}
