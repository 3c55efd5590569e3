using OpenCvSharp;
using Scarlet.Vision;

namespace Scarlet.ConsoleHost;

/// <summary>The console's use of <see cref="OverlayVideoWriter"/>: its fallbacks and failures as warnings on stderr.</summary>
internal static class OverlayVideoFiles
{
    /// <summary>Opens a writer for <paramref name="path"/>.</summary>
    /// <exception cref="UsageException">The file cannot be written.</exception>
    public static OverlayVideoWriter Open(string path, double fps, Size size)
    {
        OverlayVideoWriter writer;
        try
        {
            writer = OverlayVideoWriter.Open(path, fps, size);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }

        if (writer.Codec == "mpeg4")
        {
            Console.Error.WriteLine($"warning: ffmpeg not found: '{path}' is written as MPEG-4 Part 2, which browsers do not play (install ffmpeg, or write .avi)");
        }

        return writer;
    }

    /// <summary>Finishes the file; a file ffmpeg could not finish is a warning (the run's other outputs still count).</summary>
    public static void Close(OverlayVideoWriter? writer)
    {
        if (writer is null)
        {
            return;
        }

        writer.Dispose();
        if (writer.Error is { } error)
        {
            Console.Error.WriteLine($"warning: {error}");
        }
    }
}
