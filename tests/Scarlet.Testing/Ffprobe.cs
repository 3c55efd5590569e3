using System.Diagnostics;

namespace Scarlet.Testing;

/// <summary>What a video file holds, as <c>ffprobe</c> (installed with ffmpeg by scripts/setup.sh) reads it.</summary>
public static class Ffprobe
{
    /// <summary>
    /// Gets the first video stream as <c>codec,width,height,pix_fmt,frames</c> (frames counted by decoding), or what
    /// ffprobe said when it could not read the file.
    /// </summary>
    public static string VideoStream(string path)
    {
        var psi = new ProcessStartInfo("ffprobe")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries", "stream=codec_name,width,height,pix_fmt,nb_read_frames", "-of", "csv=p=0", path })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"ffprobe did not finish on {path}");
        }

        var text = stdout.Result.Trim();
        return text.Length > 0 ? text : "ffprobe: " + stderr.Result.Trim();
    }
}
